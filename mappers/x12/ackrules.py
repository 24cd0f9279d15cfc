"""The ACK rules that the 855 and the 865 share (DESIGN section 2, X12.md section 4).

Per PO1/POC loop the ACK segments combine: IA/DR/IQ/IB/IC... parts are schedule lines, IR parts reduce the
confirmed quantity (all IR = the line is rejected), IS is a substitute, several ACKs (or an SCH loop) are a
split. Prices and charges are read faithfully (PO104/POC06, CTP, SAC) so that the lifecycle, which knows the
version, can refuse a response that changes them. The set-specific parts (BAK/BCA, PO1/POC, REF*PP/BCA05)
live in ack855.py and ack865.py; docs/x12-mapping.md has the element-by-element table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from gateway.canonical.documents import (
    LineStatus,
    OrderLine,
    PurchaseOrderVersion,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
)
from gateway.canonical.products import ProductId
from mappers.x12 import common as c
from mappers.x12.segments import MappingError, Segment, Transaction
from mappers.x12.writer import Profile

# 587 Acknowledgment Type (X12.md section 4). AP, AH, NA and ZZ say nothing the lifecycle can apply.
ACCEPT_TYPES = frozenset({"AT", "AD", "AK", "AE"})
CHANGE_TYPES = frozenset({"AC"})
REJECT_TYPES = frozenset({"RJ", "RD", "RF", "RN", "RO", "RV"})

# 668 Line Item Status: which ACK parts are deliveries, which are refusals, which substitute.
SCHEDULE_ACKS = frozenset({"IA", "IC", "IQ", "DR", "IB", "IP", "BP", "SP", "AR", "AC"})
REJECT_ACKS = frozenset({"IR", "ID", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"})
SUBSTITUTE_ACK = "IS"
# 374 qualifiers that carry the date a part is (to be) delivered or shipped.
DELIVERY_QUALIFIERS = frozenset({"002", "010", "017", "067", "068", "069", "079"})
# SCH05 also takes the "scheduled/requested/promised for shipment" family (080-088), as the BISAC 855 does.
SCHEDULE_QUALIFIERS = DELIVERY_QUALIFIERS | {f"0{n}" for n in range(80, 89)}
LINE_QUALIFIERS = frozenset({"067", "068", "069", "079"})  # current schedule or promised, never "requested"
UPDATE_QUALIFIERS = frozenset({"067", "068"})  # header DTM: "update delivery date"
SUBSTITUTE_QUALIFIERS = ("VP", "VN", "SR", "RR")  # 235, in order of preference
DEFAULT_UOM = "EA"


@dataclass(frozen=True)
class PoAckOptions:
    """Per-partner conventions for 855/865 (X12.md section 10, pitfall 15).

    `bak_dates` (the `Profile` field of the same name): "BAK04=order" reads BAK04 as the PO date and BAK09 as
    the acknowledgment date, as the 855 standard's semantic notes say; "BAK04=ack" is the Logicbroker-style
    convention, BAK04 = acknowledgment date and BAK09 = PO date. `date_qualifier`: the 374 written in ACK04
    and in the header DTM: 068 Current Schedule Ship (default, what most guides show) or 067 Current
    Schedule Delivery. Either is read.
    """

    bak_dates: Literal["BAK04=ack", "BAK04=order"] = "BAK04=order"
    date_qualifier: Literal["067", "068"] = "068"
    version: str = "004010"  # GS08 of the receiver: from 004020 on, notes are N9/MTX instead of N9/MSG

    @classmethod
    def of(cls, profile: Profile) -> PoAckOptions:
        return cls(bak_dates=profile.bak_dates, version=profile.version)


# ---------------------------------------------------------------------------------------------------- inbound


@dataclass(frozen=True)
class LineEcho:
    """What the PO1 (855) or POC (865) echoes of the ordered line; the ACKs are compared with it."""

    line_number: str
    quantity: Decimal | None
    uom: str | None
    unit_price: Decimal | None
    product_ids: tuple[ProductId, ...] = ()


@dataclass(frozen=True)
class _Part:
    code: str
    quantity: Decimal | None
    uom: str | None
    when: date | None
    segment: Segment


def header_kind(head: Segment, index: int) -> ResponseStatus:
    """BAK02/BCA02 (587) -> the status before the lines are looked at (an accept may still get changes)."""
    code = head.required(index)
    if code in ACCEPT_TYPES:
        return ResponseStatus.ACCEPT
    if code in CHANGE_TYPES:
        return ResponseStatus.ACCEPT_WITH_CHANGES
    if code in REJECT_TYPES:
        return ResponseStatus.REJECT
    raise MappingError(f"acknowledgment type {code!r} is neither an accept, an accept with changes nor a reject",
                       head.tag, head.position, index)


def overall_status(kind: ResponseStatus, lines: Sequence[ResponseLine], update: date | None) -> ResponseStatus:
    """An accept whose lines carry a change (or a header update date) is an accept with changes: the lifecycle
    must never take a changed line for an unchanged accept because the header said AD."""
    changed = update is not None or any(ln.status is not LineStatus.ACCEPT for ln in lines)
    if kind is ResponseStatus.ACCEPT and changed:
        return ResponseStatus.ACCEPT_WITH_CHANGES
    return kind


def header_part(tx: Transaction, line_tag: str) -> tuple[list[Segment], list[list[Segment]]]:
    """The header segments (after the beginning segment, before the first line) split into plain and loops."""
    body: list[Segment] = []
    for s in tx.segments[2:]:
        if s.tag in (line_tag, "CTT", "SE"):
            break
        body.append(s)
    return c.split_loops(body, c.HEADER_LOOPS)


def update_delivery_date(plain: Sequence[Segment]) -> date | None:
    return next((c.read_date(s, 2) for s in plain if s.tag == "DTM" and s.get(1) in UPDATE_QUALIFIERS), None)


def version_from_ref(plain: Sequence[Segment]) -> int | None:
    ref = next((s for s in plain if s.tag == "REF" and s.get(1) == "PP"), None)
    return None if ref is None else parse_version(ref, 2)


def parse_version(s: Segment, index: int) -> int:
    text = s.required(index)
    if not text.isdigit() or int(text) < 1:
        raise MappingError(f"{text!r} is not a PO version number (1, 2, ...)", s.tag, s.position, index)
    return int(text)


def _ack_parts(plain: Sequence[Segment]) -> list[_Part]:
    """The ACKs of one line; a DTM right after an ACK is that ACK's date (the ACK{DTM} loop). Some partners
    put the confirmed date in a line DTM*067/068/069/079 before the ACKs instead (X12.md section 10, pitfall
    15): it dates the parts that carry no date of their own."""
    parts: list[_Part] = []
    previous = ""
    line_date = None
    for s in plain:
        if s.tag == "ACK":
            parts.append(_Part(s.required(1), c.read_decimal(s, 2), s.get(3), _ack_date(s, 4, 5), s))
        elif s.tag == "DTM" and previous == "ACK" and parts[-1].when is None:
            last = parts[-1]
            parts[-1] = _Part(last.code, last.quantity, last.uom, _ack_date(s, 1, 2), last.segment)
        elif s.tag == "DTM" and not parts and line_date is None and s.get(1) in LINE_QUALIFIERS:
            line_date = c.read_date(s, 2)
        previous = s.tag
    if line_date is None:
        return parts
    return [p if p.when is not None or p.code in REJECT_ACKS else _Part(p.code, p.quantity, p.uom, line_date,
                                                                         p.segment) for p in parts]


def _with_schedule_loop(parts: list[_Part], schedules: Sequence[Segment]) -> list[_Part]:
    """Partners that split with the SCH loop instead of several ACKs (X12.md section 10, pitfall 15): the SCH
    lines are the deliveries of the line's one accepting ACK (SCH01 quantity, SCH02 unit, SCH05/SCH06 date)."""
    accepting = [p for p in parts if p.code not in REJECT_ACKS]
    if not schedules or not accepting:
        return parts
    if len(accepting) > 1:
        raise MappingError("a line splits both with several ACKs and with SCH: one of them must go", "SCH",
                           schedules[0].position)
    ack = accepting[0]
    split = [_Part(ack.code, c.read_decimal(s, 1), s.get(2), _ack_date(s, 5, 6, SCHEDULE_QUALIFIERS), ack.segment)
             for s in schedules]
    if any(p.quantity is None for p in split):
        raise MappingError("SCH01 quantity is required", "SCH", schedules[0].position, 1)
    return [q for p in parts for q in (split if p is ack else [p])]


def _ack_date(s: Segment, qualifier_index: int, date_index: int,
              accepted: frozenset[str] = DELIVERY_QUALIFIERS) -> date | None:
    if s.get(date_index) is None:
        return None
    qualifier = s.get(qualifier_index)
    if qualifier not in accepted:
        raise MappingError(f"date qualifier {qualifier} is not a delivery or ship date", s.tag, s.position,
                           qualifier_index)
    return c.read_date(s, date_index)


def _substitute_item(parts: Sequence[_Part]) -> str:
    items: list[str] = []
    for part in parts:
        item = c.pick(c.read_pairs(part.segment, 7), SUBSTITUTE_QUALIFIERS)
        if item is None:
            raise MappingError("ACK*IS names no substitute item (VP, VN, SR or RR pair)", "ACK",
                               part.segment.position, 7)
        items.append(item)
    if len(set(items)) > 1:
        raise MappingError(f"one line offers several substitutes {sorted(set(items))}", "ACK",
                           parts[0].segment.position, 8)
    return items[0]


def response_line(loop: Sequence[Segment], echo: LineEcho, *, header: ResponseStatus,
                  update: date | None) -> ResponseLine:
    """One PO1/POC loop -> the vendor's answer for that line (see the module docstring for the rules)."""
    plain, loops = c.split_loops(loop[1:], c.LINE_LOOPS)
    parts = _with_schedule_loop(_ack_parts(plain), [lp[0] for lp in loops if lp[0].tag == "SCH"])
    ctp = next((c.read_decimal(s, 3) for s in plain if s.tag == "CTP" and s.get(3)), None)
    price = ctp if ctp is not None else echo.unit_price

    def make(status: LineStatus, schedule: tuple[ScheduleLine, ...] = (),
             substitute: Substitute | None = None) -> ResponseLine:
        return ResponseLine(
            line_number=echo.line_number, status=status, schedule=schedule, substitute=substitute,
            unit_price=price, charges=c.read_charges(plain) or None,
            uom=echo.uom or next((p.uom for p in parts if p.uom), None),
            ordered_quantity=echo.quantity, product_ids=echo.product_ids, notes=c.read_notes(plain, loops),
            attachments=c.read_attachments(plain))

    unknown = [p for p in parts if p.code not in SCHEDULE_ACKS | REJECT_ACKS | {SUBSTITUTE_ACK}]
    if unknown:
        raise MappingError(f"line item status {unknown[0].code} cannot be applied (hold or pending)", "ACK",
                           unknown[0].segment.position, 1)
    if not parts:
        status = LineStatus.REJECT if header is ResponseStatus.REJECT else LineStatus.ACCEPT
        return make(status)
    kept = [p for p in parts if p.code not in REJECT_ACKS]
    if not kept:
        return make(LineStatus.REJECT)
    only = parts[0] if len(parts) == 1 else None
    same_qty = only is not None and (only.quantity is None or echo.quantity is None or only.quantity == echo.quantity)
    if only is not None and only.code == "IA" and same_qty and only.when in (None, update):
        return make(LineStatus.ACCEPT)  # the unchanged accept
    if only is not None and only.code == "DR" and same_qty and update is not None and only.when == update:
        # The line repeats the header's "update delivery date" (DR on every line): the header is the change.
        return make(LineStatus.ACCEPT)
    schedule = tuple(_schedule_line(p, echo, single=len(kept) == 1) for p in kept)
    if only is not None and only.code == "IA" and same_qty:
        # IA = "item accepted": the date given with it is the vendor's schedule, not a change of the line.
        return make(LineStatus.ACCEPT, schedule)
    substitutes = [p for p in kept if p.code == SUBSTITUTE_ACK]
    if substitutes and len(substitutes) != len(kept):
        raise MappingError("a line cannot be partly substituted: every accepting ACK of it must be IS", "ACK",
                           substitutes[0].segment.position, 1)
    substitute = None
    if substitutes:
        # PID*F in a substituted line describes the substitute (a guide's convention, X12.md section 4).
        substitute = Substitute(vendor_item=_substitute_item(substitutes),
                                description=c.read_description(s for s in plain if s.tag == "PID"))
    if any(p.code == "IP" for p in kept) and price is None:
        raise MappingError("ACK*IP says the price changed but the line states no price (PO104/POC06 or CTP03)",
                           loop[0].tag, loop[0].position)
    return make(LineStatus.CHANGE, schedule, substitute)


def _schedule_line(part: _Part, echo: LineEcho, *, single: bool) -> ScheduleLine:
    quantity = part.quantity
    if quantity is None:
        if not single or echo.quantity is None:
            raise MappingError("ACK02 quantity is required when a line has several ACKs or no ordered quantity",
                               "ACK", part.segment.position, 2)
        quantity = echo.quantity
    return ScheduleLine(quantity=quantity, delivery_date=part.when)


# --------------------------------------------------------------------------------------------------- outbound


def ack_segments(line: ResponseLine, ordered: OrderLine | None, options: PoAckOptions,
                 update: date | None = None) -> list[Segment]:
    """The ACK segments of one answered line: the inverse of `response_line`."""
    uom = line.uom or (ordered.uom if ordered else None) or DEFAULT_UOM
    po_qty = ordered.quantity if ordered else None
    if line.status is LineStatus.REJECT:
        return [_ack("IR", po_qty, uom, None, options)]
    if line.status is LineStatus.ACCEPT:
        if len(line.schedule) > 1 or (line.schedule and po_qty is not None and line.schedule[0].quantity != po_qty):
            raise MappingError(f"line {line.line_number} is an accept but its schedule changes the quantity; "
                               "it is a change")
        if not line.schedule and update is not None:
            # "Update delivery date": the convention is DR with the date on every line (X12.md section 4).
            return [_ack("DR", po_qty, uom, update, options)]
        when = line.schedule[0].delivery_date if line.schedule else None
        qty = po_qty if po_qty is not None else (line.schedule[0].quantity if line.schedule else None)
        return [_ack("IA", qty, uom, when, options)]
    if not line.schedule:
        raise MappingError(f"line {line.line_number} is a change without schedule lines: nothing says what changed")
    ids = ["VP", line.substitute.vendor_item] if line.substitute else []
    acks = [_ack(_change_code(line, part, po_qty), part.quantity, uom, part.delivery_date, options, ids)
            for part in line.schedule]
    confirmed = sum((p.quantity for p in line.schedule), Decimal(0))
    if po_qty is not None and confirmed < po_qty:
        # Keep the sum of ACK02 equal to PO102 (X12.md section 4): the rest is refused explicitly.
        acks.append(_ack("IR", po_qty - confirmed, uom, None, options))
    return acks


def _change_code(line: ResponseLine, part: ScheduleLine, po_qty: Decimal | None) -> str:
    if line.substitute is not None:
        return "IS"
    if len(line.schedule) > 1:
        return "DR" if part.delivery_date else "IC"
    if po_qty is None or part.quantity != po_qty:
        return "IC" if part.delivery_date else "IQ"
    return "DR" if part.delivery_date else "IC"


def _ack(code: str, quantity: Decimal | None, uom: str, when: date | None, options: PoAckOptions,
         ids: Sequence[str] = ()) -> Segment:
    return c.seg("ACK", code, c.fmt_decimal(quantity), uom if quantity is not None else None,
                 options.date_qualifier if when else None, c.fmt_date(when), None, *ids)


def line_body(line: ResponseLine, ordered: OrderLine | None, options: PoAckOptions,
              update: date | None) -> list[Segment]:
    """PO1/POC loop after its first segment, in the 855/865 order: PID, PWK, SAC, ACK, N9/MSG."""
    out: list[Segment] = []
    if line.substitute is not None:
        out += c.description_segments(line.substitute.description)
    out += c.attachment_segments(line.attachments)
    out += c.charge_segments(line.charges or ())
    out += ack_segments(line, ordered, options, update)
    out += c.note_segments(line.notes, options.version)
    return out


def ordered_lines(po: PurchaseOrderVersion | None) -> dict[str, OrderLine]:
    return {ln.line_number: ln for ln in po.lines} if po else {}


def echoed_ids(line: ResponseLine, ordered: OrderLine | None) -> list[str]:
    """The ids PO1/POC echo: every id of the ordered line as the customer sent it, else the response's own
    echo (a response read from X12 and written back)."""
    if ordered is None:
        return [element for p in line.product_ids for element in (p.qualifier, p.id)]
    return c.id_elements(ordered.product_ids, {"buyer_item": ordered.buyer_item,
                                               "vendor_item": ordered.vendor_item, "upc": ordered.upc},
                         f"line {line.line_number}")


def header_tail(response: VendorResponse, options: PoAckOptions) -> list[Segment]:
    """SAC, DTM, PWK, N9/MSG of the header, in the 855/865 segment order."""
    out = c.charge_segments(response.charges or ())
    out += c.dtm_segments(options.date_qualifier, response.update_delivery_date)
    out += c.attachment_segments(response.attachments)
    out += c.note_segments(response.notes, options.version)
    return out
