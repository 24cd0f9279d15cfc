"""850 Purchase Order ⇄ canonical `PurchaseOrderVersion`, 004010 and 005010 (docs/x12-mapping.md, "850").

Inbound: BEG01 00 is an original (version 1), 05 a replace of the previous version, 06 the customer's
confirmation of a version (REF*PP names it, else version 1) and 01 a cancellation of the whole PO; BEG02 CN is
a consignment PO. Outbound: version 1 as an original; for a partner with `changes_as = "850-replace"` a later
version as BEG01 05 with the version suffixed to the PO number (PO123-2), and a confirmation or cancellation
as BEG01 06 / 01 restating the PO under the number that partner knows it by.
The PO1 line is shared with the 860's POC line (`read_line_details`, `line_detail_segments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from gateway.canonical import (
    Attachment,
    Cancellation,
    Charge,
    Confirmation,
    Dimensions,
    Note,
    OrderKind,
    OrderLine,
    Party,
    ProductId,
    PurchaseOrderVersion,
)
from gateway.canonical import VersionPurpose as Purpose
from mappers.x12.common import (
    DELIVERY_REQUESTED,
    HEADER_LOOPS,
    LINE_LOOPS,
    NO_DIMENSIONS,
    Text,
    attachment_segments,
    by_qualifier,
    charge_segments,
    description_segments,
    dtm_segments,
    find_party,
    fmt_date,
    fmt_decimal,
    note_segments,
    order_ids,
    party_segments,
    read_attachments,
    read_charges,
    read_date,
    read_decimal,
    read_description,
    read_dimensions,
    read_dtm,
    read_notes,
    read_product_ids,
    read_site_warehouse,
    seg,
    site_segments,
    split_loops,
    warehouse_segments,
)
from mappers.x12.segments import MappingError, Segment, Transaction

PURPOSES = {"00": Purpose.ORIGINAL, "05": Purpose.REPLACE}
CANCELLATION, CONFIRMATION = "01", "06"  # BEG01 of the 850s that restate a PO without making a version
CONSIGNMENT = "CN"
STANDARD = "SA"  # stand-alone order, what we write for a standard PO


@dataclass(frozen=True)
class Header:
    """The header parts an 850 and an 860 share (everything between BEG/BCH and the first line)."""

    currency: str | None
    requested_delivery_date: date | None
    payment_terms: str | None
    buyer: Party | None
    ship_to: Party | None
    site: str | None
    warehouse: str | None
    notes: tuple[Note, ...]
    charges: tuple[Charge, ...]
    attachments: tuple[Attachment, ...]


def header_segments(tx: Transaction, first_line_tag: str) -> list[Segment]:
    """Segments after the beginning segment and before the first line (or CTT/SE)."""
    out = []
    for s in tx.segments[2:]:
        if s.tag in (first_line_tag, "CTT", "SE"):
            break
        out.append(s)
    return out


def read_header(segments: Sequence[Segment]) -> Header:
    plain, loops = split_loops(segments, HEADER_LOOPS)
    cur = next((s for s in plain if s.tag == "CUR"), None)
    site, warehouse = read_site_warehouse([s for s in plain if s.tag == "REF"], loops)
    return Header(
        currency=cur.required(2) if cur else None,
        requested_delivery_date=read_dtm(plain, DELIVERY_REQUESTED),
        payment_terms=read_terms([s for s in plain if s.tag == "ITD"]),
        buyer=find_party(loops, "BY"),
        ship_to=find_party(loops, "ST"),
        site=site,
        warehouse=warehouse,
        notes=read_notes([], loops),
        charges=read_charges(plain),
        attachments=read_attachments(plain),
    )


def read_terms(itds: Sequence[Segment]) -> str | None:
    """ITD12 when given, else a short text from the discount percent/days and net days."""
    if not itds:
        return None
    itd = itds[0]
    if itd.get(12):
        return itd.get(12)
    parts = []
    if itd.get(3) and itd.get(5):
        parts.append(f"{itd.get(3)}% {itd.get(5)} days")
    if itd.get(7):
        parts.append(f"net {itd.get(7)}")
    return ", ".join(parts) or None


def read_850(tx: Transaction) -> PurchaseOrderVersion | Confirmation | Cancellation:
    if tx.set_id != "850":
        raise MappingError(f"expected an 850, got a {tx.set_id}", "ST", 1, 1)
    beg = tx.one("BEG")
    code = beg.required(1)
    purpose = PURPOSES.get(code)
    if purpose is None and code not in (CONFIRMATION, CANCELLATION):
        raise MappingError(f"purpose {beg.get(1)!r} is not supported: 00 (original), 05 (replace), "
                           "06 (confirmation) or 01 (cancellation)", "BEG", beg.position, 1)
    head_segments = header_segments(tx, "PO1")
    head = read_header(head_segments)
    lines = tuple(read_po1(loop, i) for i, loop in enumerate(tx.loops("PO1"), start=1))
    check_lines(lines, tx, "PO1")
    if code == CONFIRMATION:  # the restated lines are what was confirmed: no version comes of them
        return Confirmation(po_number=_po_number(beg, 3), version=_confirmed_version(head_segments))
    if code == CANCELLATION:
        return Cancellation(po_number=_po_number(beg, 3),
                            reason="\n".join(n.text for n in head.notes) or None)
    assert purpose is not None
    return PurchaseOrderVersion(
        po_number=_po_number(beg, 3), purpose=purpose,
        kind=OrderKind.CONSIGNMENT if beg.required(2) == CONSIGNMENT else OrderKind.STANDARD,
        order_date=read_date(beg, 5), lines=lines, **_header_fields(head),
    )


def _po_number(s: Segment, index: int) -> str:
    value = s.required(index)
    if len(value) > 22:
        raise MappingError(f"PO number {value!r} is longer than 22 characters", s.tag, s.position, index)
    return value


def _confirmed_version(head: Sequence[Segment]) -> int:
    """REF*PP names the confirmed version; without it, version 1 (the 855's convention)."""
    ref = next((s for s in head if s.tag == "REF" and s.get(1) == "PP"), None)
    if ref is None:
        return 1
    text = ref.required(2)
    if not text.isdigit() or int(text) < 1:
        raise MappingError(f"{text!r} is not a PO version number (1, 2, ...)", "REF", ref.position, 2)
    return int(text)


def _header_fields(head: Header) -> dict[str, Any]:
    return dict(currency=head.currency, requested_delivery_date=head.requested_delivery_date,
                payment_terms=head.payment_terms, buyer=head.buyer, ship_to=head.ship_to, site=head.site,
                warehouse=head.warehouse, notes=head.notes, charges=head.charges, attachments=head.attachments)


def check_lines(lines: Sequence[OrderLine], tx: Transaction, line_tag: str) -> None:
    """Line numbers are unique, and CTT01 (when given) counts the PO1/POC segments."""
    seen: set[str] = set()
    for line in lines:
        if line.line_number in seen:
            raise MappingError(f"line number {line.line_number} is used twice in {tx.set_id} "
                               f"{tx.control_number}")
        seen.add(line.line_number)
    ctt = tx.first("CTT")
    count = len(tx.all(line_tag))
    if ctt is not None and ctt.get(1) is not None and ctt.get(1) != str(count):
        raise MappingError(f"CTT01 says {ctt.get(1)} lines, the set has {count} {line_tag}", "CTT",
                           ctt.position, 1)


class LineDetails(NamedTuple):
    """What a PO1 or POC loop carries after its first segment (a tuple: built for every line, and a frozen
    dataclass costs five times as much to build)."""

    product_ids: tuple[ProductId, ...]
    description: str | None
    requested_delivery_date: date | None
    dimensions: Dimensions
    has_dimensions: bool
    notes: tuple[Note, ...]
    charges: tuple[Charge, ...]
    attachments: tuple[Attachment, ...]


def read_line_details(first: Segment, pairs_from: int, rest: Sequence[Segment]) -> LineDetails:
    plain, loops = split_loops(rest, LINE_LOOPS)
    product_ids = read_product_ids(first, pairs_from)
    tags = {s.elements[0] for s in plain}  # most lines carry a PID or two: skip the readers of what is absent
    pids = [s for s in plain if s.tag == "PID"] if "PID" in tags else []
    refs = [s for s in plain if s.tag == "REF"] if "REF" in tags else []
    dims = read_dimensions(by_qualifier(product_ids), pids, refs, loops)
    has_notes = loops or "MSG" in tags or "MTX" in tags
    return LineDetails(
        product_ids=product_ids, description=read_description(pids) if pids else None,
        requested_delivery_date=read_dtm(plain, DELIVERY_REQUESTED) if "DTM" in tags else None,
        dimensions=dims, has_dimensions=dims is not NO_DIMENSIONS,
        notes=read_notes([s for s in plain if s.tag in ("MSG", "MTX")], loops) if has_notes else (),
        charges=read_charges(plain) if "SAC" in tags else (),
        attachments=read_attachments(plain) if "PWK" in tags else (),
    )


def read_po1(loop: Sequence[Segment], ordinal: int) -> OrderLine:
    po1 = loop[0]
    quantity = read_decimal(po1, 2)
    if quantity is None:
        raise MappingError("the line has no quantity", "PO1", po1.position, 2)
    d = read_line_details(po1, 6, loop[1:])
    return OrderLine(
        line_number=po1.get(1) or str(ordinal),  # PO101 is optional: lines are then numbered in order
        quantity=quantity, uom=po1.get(3) or "EA", unit_price=read_decimal(po1, 4),
        product_ids=d.product_ids, description=d.description,
        requested_delivery_date=d.requested_delivery_date, dimensions=d.dimensions, notes=d.notes,
        charges=d.charges, attachments=d.attachments,
    )


# ---------------------------------------------------------------- writing

def header_body(*, currency: str | None, requested: date | None,
                terms: str | None, notes: Sequence[Note], charges: Sequence[Charge] | None,
                attachments: Sequence[Attachment], buyer: Party | None, ship_to: Party | None,
                site: str | None, warehouse: str | None, release: str) -> list[Segment]:
    """The header between BEG/BCH and the lines, in the standard's order."""
    out: list[Segment] = []
    if currency:
        out.append(seg("CUR", "BY", currency))
    out += site_segments(site)
    out += charge_segments(charges or ())
    if terms:
        out.append(seg("ITD", *([None] * 11), Text(terms)))
    out += dtm_segments(DELIVERY_REQUESTED, requested)
    out += attachment_segments(attachments)
    out += note_segments(notes, release)
    out += party_segments("BY", buyer)
    out += party_segments("ST", ship_to)
    out += warehouse_segments(warehouse)
    return out


def line_detail_segments(*, description: str | None, attachments: Sequence[Attachment], site: str | None,
                         charges: Sequence[Charge] | None, requested: date | None, notes: Sequence[Note],
                         warehouse: str | None, release: str) -> list[Segment]:
    """What follows PO1 or POC, in the standard's order (PID, PWK, REF, SAC, DTM, N9 loop, N1 loop)."""
    return [*description_segments(description), *attachment_segments(attachments), *site_segments(site),
            *charge_segments(charges or ()), *dtm_segments(DELIVERY_REQUESTED, requested),
            *note_segments(notes, release), *warehouse_segments(warehouse)]


def write_850(order: PurchaseOrderVersion, *, today: date, version: int = 1, release: str = "004010"
              ) -> list[Segment]:
    """The segments between ST and SE. `version` > 1 writes a replace with the version suffixed to the PO
    number (`changes_as = "850-replace"`)."""
    purpose = "05" if version > 1 or order.purpose is Purpose.REPLACE else "00"
    return _write(order, purpose, version, today, release)


def write_confirmation(doc: Confirmation, order: PurchaseOrderVersion, *, today: date, release: str = "004010"
                       ) -> list[Segment]:
    """BEG01 06: `order` (the confirmed version as it will be delivered) restated under the PO number the
    850-replace partner knows that version by, REF*PP naming the version when it is not 1 (as an 855 does)."""
    return _write(order.model_copy(update={"po_number": doc.po_number}), CONFIRMATION, doc.version, today,
                  release)


def write_cancellation(doc: Cancellation, order: PurchaseOrderVersion, *, version: int, today: date,
                       release: str = "004010") -> list[Segment]:
    """BEG01 01: `order` (the latest version, number `version`) restated under the PO number the 850-replace
    partner knows it by, the cancellation's reason as its only header note."""
    notes = (Note(text=doc.reason),) if doc.reason else ()
    return _write(order.model_copy(update={"po_number": doc.po_number, "notes": notes}), CANCELLATION, version,
                  today, release)


def _write(order: PurchaseOrderVersion, purpose: str, version: int, today: date, release: str) -> list[Segment]:
    po_number = order.po_number
    if version > 1:
        po_number = f"{order.po_number}-{version}"
        if len(po_number) > 22:
            raise MappingError(f"PO number {po_number!r} with its version suffix is longer than BEG03's 22 "
                               "characters; send this partner 860s instead")
    kind = CONSIGNMENT if order.kind is OrderKind.CONSIGNMENT else STANDARD
    out = [seg("BEG", purpose, kind, po_number, None, fmt_date(order.order_date or today))]
    header = header_body(currency=order.currency, requested=order.requested_delivery_date,
                         terms=order.payment_terms, notes=order.notes, charges=order.charges,
                         attachments=order.attachments, buyer=order.buyer, ship_to=order.ship_to,
                         site=order.site, warehouse=order.warehouse, release=release)
    if purpose == CONFIRMATION and version != 1:  # REF comes after CUR, the header's only segment before it
        at = 1 if header and header[0].tag == "CUR" else 0
        header.insert(at, seg("REF", "PP", str(version)))
    out += header
    for line in order.lines:
        out.append(seg("PO1", line.line_number, fmt_decimal(line.quantity), line.uom,
                       fmt_decimal(line.unit_price), None, *order_ids(line)))
        out += order_line_details(line, release)
    out.append(seg("CTT", str(len(order.lines))))
    return out


def order_line_details(line: OrderLine, release: str) -> list[Segment]:
    """What follows PO1 (850) or POC (860 restatement) for a whole ordered line."""
    return line_detail_segments(description=line.description, attachments=line.attachments,
                                site=line.dimensions.site, charges=line.charges,
                                requested=line.requested_delivery_date, notes=line.notes,
                                warehouse=line.dimensions.warehouse, release=release)
