"""860 PO Change (buyer initiated) ⇄ canonical documents, 004010 and 005010 (docs/x12-mapping.md, "860").

BCH01 decides what the 860 is: 04 a change (POC deltas on the previous version), 05 a replace (a full
restatement: a line it omits is gone), 01 a cancellation of the whole PO, 06 the customer's confirmation of
the version named in BCH05. Outbound, a later version becomes an 04 with deltas computed against the
previous version, or an 05 when a delta cannot say it (a value removed, a header party changed...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from gateway.canonical import (
    Cancellation,
    ChangeCode,
    Confirmation,
    LineChange,
    Note,
    OrderKind,
    OrderLine,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    VersionPurpose,
)
from mappers.x12.common import (
    first_component,
    fmt_date,
    fmt_decimal,
    left_to_receive,
    note_segments,
    order_ids,
    read_date,
    seg,
)
from mappers.x12.common import read_decimal as _decimal
from mappers.x12.po850 import (
    CONSIGNMENT,
    STANDARD,
    check_lines,
    header_body,
    header_segments,
    line_detail_segments,
    order_line_details,
    read_header,
    read_line_details,
)
from mappers.x12.segments import MappingError, Segment, Transaction

Inbound860 = PurchaseOrderChange | PurchaseOrderVersion | Cancellation | Confirmation

# POC02 (670) → what the lifecycle does with the line (canonical ChangeCode).
CHANGE_CODES = {
    "AI": ChangeCode.ADD, "DI": ChangeCode.DELETE, "QI": ChangeCode.QUANTITY, "QD": ChangeCode.QUANTITY,
    "CT": ChangeCode.DATE, "RS": ChangeCode.DATE, "PC": ChangeCode.PRICE, "NC": ChangeCode.NO_CHANGE,
    **{code: ChangeCode.REPLACE for code in ("CA", "RZ", "PQ", "RQ", "MU", "PR", "RE", "RM", "RB", "CE")},
}
# What we write when a LineChange names no POC02 of its own (QUANTITY needs QI or QD: see `change_code`).
DEFAULT_CODES = {ChangeCode.ADD: "AI", ChangeCode.DELETE: "DI", ChangeCode.DATE: "CT", ChangeCode.PRICE: "PC",
                 ChangeCode.REPLACE: "CA", ChangeCode.NO_CHANGE: "NC"}


def read_860(tx: Transaction) -> Inbound860:
    if tx.set_id != "860":
        raise MappingError(f"expected an 860, got a {tx.set_id}", "ST", 1, 1)
    bch = tx.one("BCH")
    purpose, po_number, sequence = bch.required(1), bch.required(3), bch.get(5)
    if len(po_number) > 22:
        raise MappingError(f"PO number {po_number!r} is longer than 22 characters", "BCH", bch.position, 3)
    head = read_header(header_segments(tx, "POC"))
    comp = tx.delimiters.component
    if purpose == "01":
        reason = "\n".join(n.text for n in head.notes) or None
        return Cancellation(po_number=po_number, change_sequence=sequence, reason=reason)
    if purpose == "06":
        if sequence is None or not sequence.isdigit() or int(sequence) < 1:
            raise MappingError(f"a confirmation names the confirmed version in BCH05, got {sequence!r}",
                               "BCH", bch.position, 5)
        return Confirmation(po_number=po_number, version=int(sequence))
    if purpose == "05":
        lines = tuple(_replace_line(loop, comp) for loop in tx.loops("POC") if loop[0].get(2) != "DI")
        check_lines(lines, tx, "POC")
        return PurchaseOrderVersion(
            po_number=po_number, purpose=VersionPurpose.REPLACE, change_sequence=sequence,
            kind=OrderKind.CONSIGNMENT if bch.required(2) == CONSIGNMENT else OrderKind.STANDARD,
            order_date=read_date(bch, 6), currency=head.currency,
            requested_delivery_date=head.requested_delivery_date, payment_terms=head.payment_terms,
            buyer=head.buyer, ship_to=head.ship_to, site=head.site, warehouse=head.warehouse, notes=head.notes,
            charges=head.charges, attachments=head.attachments, lines=lines)
    if purpose == "04":
        changes = tuple(_line_change(loop, comp) for loop in tx.loops("POC"))
        return PurchaseOrderChange(
            po_number=po_number, change_sequence=sequence, order_date=read_date(bch, 6), currency=head.currency,
            requested_delivery_date=head.requested_delivery_date, payment_terms=head.payment_terms,
            ship_to=head.ship_to, notes=head.notes, charges=head.charges or None,
            attachments=head.attachments, lines=changes)
    raise MappingError(f"purpose {purpose!r} is not supported: 01 cancel, 04 change, 05 replace or 06 confirm",
                       "BCH", bch.position, 1)


def _poc_basics(poc: Segment) -> tuple[str, str]:
    line = poc.get(1)
    if line is None:
        raise MappingError("a change names the line it changes in POC01", "POC", poc.position, 1)
    return line, poc.required(2)


def _line_change(loop: Sequence[Segment], comp: str) -> LineChange:
    poc = loop[0]
    line, code = _poc_basics(poc)
    change = CHANGE_CODES.get(code)
    if change is None:
        raise MappingError(f"change code {code!r} is not supported (see docs/x12-mapping.md)", "POC",
                           poc.position, 2)
    d = read_line_details(poc, 8, loop[1:])
    return LineChange(
        line_number=line, change=change, x12_code=code, quantity=_decimal(poc, 3),
        uom=first_component(poc.get(5), comp), unit_price=_decimal(poc, 6),
        product_ids=d.product_ids or None, description=d.description,
        requested_delivery_date=d.requested_delivery_date,
        dimensions=d.dimensions if d.has_dimensions else None, notes=d.notes, charges=d.charges or None,
        attachments=d.attachments)


def _replace_line(loop: Sequence[Segment], comp: str) -> OrderLine:
    poc = loop[0]
    line, _ = _poc_basics(poc)
    quantity = _decimal(poc, 3)
    if quantity is None:
        raise MappingError("a line of a replace (BCH01 05) needs its quantity", "POC", poc.position, 3)
    d = read_line_details(poc, 8, loop[1:])
    return OrderLine(
        line_number=line, quantity=quantity, uom=first_component(poc.get(5), comp) or "EA",
        unit_price=_decimal(poc, 6), product_ids=d.product_ids, description=d.description,
        requested_delivery_date=d.requested_delivery_date, dimensions=d.dimensions, notes=d.notes,
        charges=d.charges, attachments=d.attachments)


# ---------------------------------------------------------------- writing

def _bch(purpose: str, kind: str, po_number: str, sequence: str | None, order_date: date) -> Segment:
    if sequence is not None and len(sequence) > 8:
        raise MappingError(f"change sequence {sequence!r} is longer than BCH05's 8 characters")
    return seg("BCH", purpose, kind, po_number, None, sequence, fmt_date(order_date))


def write_change(change: PurchaseOrderChange, *, today: date, sequence: str | None = None,
                 release: str = "004010", received: Mapping[str, Decimal] | None = None) -> list[Segment]:
    """BCH01 04: the header values the change sets, then one POC loop per line delta. `received`: the quantity
    received to date per line number, for POC04 (0 when not given)."""
    received = received or {}
    out = [_bch("04", STANDARD, change.po_number, sequence or change.change_sequence, change.order_date or today)]
    out += header_body(currency=change.currency, requested=change.requested_delivery_date,
                       terms=change.payment_terms, notes=change.notes, charges=change.charges,
                       attachments=change.attachments, buyer=None, ship_to=change.ship_to, site=None,
                       warehouse=None, release=release)
    for lc in change.lines:
        dims = lc.dimensions
        code = change_code(lc)
        if lc.quantity is not None and not lc.uom:
            raise MappingError(f"line {lc.line_number}: a quantity needs its unit of measure: POC05 (uom) is "
                               "required with POC03 (POC note C030405)")
        out.append(seg("POC", lc.line_number, code, fmt_decimal(lc.quantity),
                       left_to_receive(lc.quantity, received.get(lc.line_number)), lc.uom,
                       fmt_decimal(lc.unit_price), None, *order_ids(lc)))
        out += line_detail_segments(description=lc.description, attachments=lc.attachments,
                                    site=dims.site if dims else None, charges=lc.charges,
                                    requested=lc.requested_delivery_date, notes=lc.notes,
                                    warehouse=dims.warehouse if dims else None, release=release)
    out.append(seg("CTT", str(len(change.lines))))
    return out


def change_code(lc: LineChange) -> str:
    if lc.x12_code is not None:
        if CHANGE_CODES.get(lc.x12_code) is not lc.change:
            raise MappingError(f"line {lc.line_number}: POC02 {lc.x12_code!r} does not mean {lc.change.value}")
        return lc.x12_code
    if lc.change is ChangeCode.QUANTITY:
        raise MappingError(f"line {lc.line_number}: a quantity change must say QI (increase) or QD (decrease) "
                           "in x12_code")
    return DEFAULT_CODES[lc.change]


def write_replace(order: PurchaseOrderVersion, *, today: date, sequence: str | None,
                  release: str = "004010", received: Mapping[str, Decimal] | None = None) -> list[Segment]:
    """BCH01 05: the whole version restated, every line as `POC*n*RZ` (replace all values); POC04 from
    `received` as in `write_change`."""
    received = received or {}
    kind = CONSIGNMENT if order.kind is OrderKind.CONSIGNMENT else STANDARD
    out = [_bch("05", kind, order.po_number, sequence or order.change_sequence, order.order_date or today)]
    out += header_body(currency=order.currency, requested=order.requested_delivery_date,
                       terms=order.payment_terms, notes=order.notes, charges=order.charges,
                       attachments=order.attachments, buyer=order.buyer, ship_to=order.ship_to,
                       site=order.site, warehouse=order.warehouse, release=release)
    for line in order.lines:
        out.append(seg("POC", line.line_number, "RZ", fmt_decimal(line.quantity),
                       left_to_receive(line.quantity, received.get(line.line_number)), line.uom,
                       fmt_decimal(line.unit_price), None, *order_ids(line)))
        out += order_line_details(line, release)
    out.append(seg("CTT", str(len(order.lines))))
    return out


def write_cancellation(doc: Cancellation, *, today: date, release: str = "004010") -> list[Segment]:
    """BCH01 01; BCH06 (the PO date, mandatory) is today's date: a cancellation does not carry the PO's."""
    out = [_bch("01", STANDARD, doc.po_number, doc.change_sequence, today)]
    if doc.reason:
        out += note_segments([Note(text=doc.reason)], release)
    return out


def write_confirmation(doc: Confirmation, *, today: date) -> list[Segment]:
    """BCH01 06 naming the confirmed version in BCH05; BCH06 is today's date (see write_cancellation)."""
    return [_bch("06", STANDARD, doc.po_number, str(doc.version), today)]


# ---------------------------------------------------------------- a later version as deltas

_HEADER_KEPT = ("kind", "buyer", "site", "warehouse")  # a change (04) cannot carry these: they need a replace
_HEADER_KEEPABLE = ("currency", "requested_delivery_date", "payment_terms", "ship_to", "order_date")


def change_between(previous: PurchaseOrderVersion, current: PurchaseOrderVersion) -> PurchaseOrderChange | None:
    """`current` as deltas on `previous` (BCH01 04), or None when a delta cannot say it and a replace must.

    A delta leaves out what stays the same ("None keeps the previous value"), so it cannot remove a value,
    empty the charges or line notes, or change what PurchaseOrderChange has no field for; those go as 05.
    Header notes and attachments are restated: the new version carries the change's own.
    """
    if any(getattr(previous, f) != getattr(current, f) for f in _HEADER_KEPT):
        return None
    header = {}
    for name in _HEADER_KEEPABLE:
        before, after = getattr(previous, name), getattr(current, name)
        if after is None and before is not None:
            return None
        if after != before or name == "order_date":
            header[name] = after
    if current.charges != previous.charges and not current.charges:
        return None
    before_lines = {line.line_number: line for line in previous.lines}
    deltas: list[LineChange] = []
    for line in current.lines:
        old = before_lines.pop(line.line_number, None)
        delta = _line_delta(old, line)
        if delta is _NEEDS_REPLACE:
            return None
        if isinstance(delta, LineChange):
            deltas.append(delta)
    deltas += [LineChange(line_number=n, change=ChangeCode.DELETE, x12_code="DI") for n in before_lines]
    return PurchaseOrderChange(
        po_number=current.po_number, change_sequence=current.change_sequence, notes=current.notes,
        charges=current.charges if current.charges != previous.charges else None,
        attachments=current.attachments, lines=tuple(deltas), **header)


_NEEDS_REPLACE = object()


def _line_delta(old: OrderLine | None, new: OrderLine) -> LineChange | None | object:
    """The POC for one line: None when unchanged, _NEEDS_REPLACE when only a replace can say it."""
    full = dict(line_number=new.line_number, quantity=new.quantity, uom=new.uom, unit_price=new.unit_price,
                buyer_item=new.buyer_item, vendor_item=new.vendor_item, upc=new.upc,
                product_ids=new.product_ids or None, description=new.description,
                requested_delivery_date=new.requested_delivery_date,
                dimensions=new.dimensions if any(new.dimensions.model_dump().values()) else None,
                notes=new.notes, charges=new.charges or None, attachments=new.attachments)
    if old is None:
        return LineChange(change=ChangeCode.ADD, x12_code="AI", **full)
    if old == new:
        return None
    for name in ("unit_price", "buyer_item", "vendor_item", "upc", "description", "requested_delivery_date"):
        if getattr(new, name) is None and getattr(old, name) is not None:
            return _NEEDS_REPLACE
    if old.dimensions != new.dimensions and full["dimensions"] is None:
        return _NEEDS_REPLACE
    if {p.qualifier for p in old.product_ids} - {p.qualifier for p in new.product_ids}:
        return _NEEDS_REPLACE  # a delta's ids are added to the line's (apply_deltas): it cannot drop one
    if (old.notes != new.notes and not new.notes) or (old.charges != new.charges and not new.charges):
        return _NEEDS_REPLACE
    if old.attachments != new.attachments:
        return _NEEDS_REPLACE  # the lifecycle keeps line attachments only from a full version
    changed = {k for k in OrderLine.model_fields if getattr(old, k) != getattr(new, k)}
    if changed == {"quantity"}:
        code = "QI" if new.quantity > old.quantity else "QD"
    elif changed == {"requested_delivery_date"}:
        code = "CT"
    elif changed == {"unit_price"}:
        code = "PC"
    else:
        code = "CA"
    if old.notes == new.notes:
        full["notes"] = ()  # unchanged notes are kept by the lifecycle; no need to send them again
    return LineChange(change=CHANGE_CODES[code], x12_code=code, **full)


def write_version(previous: PurchaseOrderVersion | None, current: PurchaseOrderVersion, *, version: int,
                  today: date, release: str = "004010", received: Mapping[str, Decimal] | None = None,
                  ) -> list[Segment]:
    """A later version as an 860 naming `version` in BCH05: 04 deltas when they can say it, else 05."""
    sequence = str(version)
    change = None if previous is None else change_between(previous, current)
    if change is None:
        return write_replace(current, today=today, sequence=sequence, release=release, received=received)
    return write_change(change, today=today, sequence=sequence, release=release, received=received)
