"""865 Purchase Order Change Acknowledgment <-> VendorResponse (a response to version 2 and later).

The 865 answers the version its BCA05 names (the change-order sequence number; DESIGN section 2), falling back
on `REF*PP` like an 855. Its POC loop is the 855's PO1 loop: the ACK segments in it follow exactly the 855
rules (mappers/x12/ackrules.py). POC02 (670) only describes the change; the ACKs decide the answer, except in a
POC without ACK, where POC02 is all there is (NC: as the header says, DI: rejected, QD/QI: new quantity).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from gateway.canonical.documents import (
    LineStatus,
    OrderLine,
    PurchaseOrderVersion,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    VendorResponse,
)
from mappers.x12 import common as c
from mappers.x12.ackrules import (
    DEFAULT_UOM,
    LineEcho,
    PoAckOptions,
    echoed_ids,
    header_kind,
    header_part,
    header_tail,
    line_body,
    ordered_lines,
    overall_status,
    parse_version,
    response_line,
    update_delivery_date,
    version_from_ref,
)
from mappers.x12.segments import MappingError, Segment, Transaction

WITHOUT_ACK_REJECT = frozenset({"DI", "RC"})
WITHOUT_ACK_QUANTITY = frozenset({"QD", "QI"})


def response_from_865(tx: Transaction, options: PoAckOptions | None = None) -> VendorResponse:
    del options  # the 865 dates have one meaning only (BCA06 PO date, BCA10 acknowledgment date)
    bca = tx.one("BCA")
    plain, loops = header_part(tx, "POC")
    update = update_delivery_date(plain)
    version = parse_version(bca, 5) if bca.get(5) is not None else version_from_ref(plain)
    if version is None:
        raise MappingError("the 865 names no PO version: BCA05 (change order sequence) or REF*PP is required",
                           "BCA", bca.position, 5)
    kind = header_kind(bca, 2) if bca.get(2) is not None else ResponseStatus.ACCEPT
    component = tx.delimiters.component
    lines = tuple(_line(loop, kind, update, component) for loop in tx.loops("POC"))
    if bca.get(2) is None and lines and all(ln.status is LineStatus.REJECT for ln in lines):
        kind = ResponseStatus.REJECT  # BCA02 is optional in the 865: the lines tell
    return VendorResponse(
        po_number=bca.required(3),
        version=version,
        status=overall_status(kind, lines, update),
        response_date=c.read_date(bca, 10),
        vendor_order_number=bca.get(9),
        update_delivery_date=update,
        notes=c.read_notes([], loops),
        attachments=c.read_attachments(plain),
        charges=c.read_charges(plain) or None,
        lines=lines,
    )


def _line(loop: list[Segment], kind: ResponseStatus, update: date | None, component: str) -> ResponseLine:
    poc = loop[0]
    echo = LineEcho(line_number=poc.required(1), quantity=c.read_decimal(poc, 3),
                    uom=c.first_component(poc.get(5), component), unit_price=c.read_decimal(poc, 6),
                    product_ids=c.read_product_ids(poc, 8))
    line = response_line(loop, echo, header=kind, update=update)
    if any(s.tag == "ACK" for s in loop):
        return line
    change = poc.required(2)
    if change in WITHOUT_ACK_REJECT:
        return line.model_copy(update={"status": LineStatus.REJECT})
    if change in WITHOUT_ACK_QUANTITY:
        if echo.quantity is None:
            raise MappingError(f"POC02 {change} without ACK and without the new quantity in POC03", "POC",
                               poc.position, 3)
        return line.model_copy(update={"status": LineStatus.CHANGE,
                                       "schedule": (ScheduleLine(quantity=echo.quantity),)})
    if change != "NC":
        raise MappingError(f"POC02 {change} without an ACK: the line does not say what the vendor confirms",
                           "POC", poc.position, 2)
    return line


def response_to_865(response: VendorResponse, po: PurchaseOrderVersion | None = None,
                    options: PoAckOptions | None = None, *, today: date | None = None,
                    received: Mapping[str, Decimal] | None = None) -> list[Segment]:
    """The body of an 865 (ST and SE excluded): BCA05 = the answered version; BCA10 the acknowledgment date
    (`today` when the response has none). `received`: the quantity received to date per line number, for
    POC04 (0 when not given)."""
    received = received or {}
    options = options or PoAckOptions()
    ack_date = response.response_date or today
    bca06 = (po.order_date if po else None) or ack_date
    if bca06 is None:
        raise MappingError("BCA06 (PO date) is mandatory: neither the PO nor the response has a date")
    status = {ResponseStatus.ACCEPT: "AD" if response.lines else "AK",
              ResponseStatus.ACCEPT_WITH_CHANGES: "AC",
              ResponseStatus.REJECT: "RD" if response.lines else "RJ"}[response.status]
    body = [c.seg("BCA", "00", status, response.po_number, None, str(response.version), c.fmt_date(bca06),
                  None, None, response.vendor_order_number, c.fmt_date(ack_date))]
    body += header_tail(response, options)
    ordered = ordered_lines(po)
    for line in response.lines:
        match = ordered.get(line.line_number)
        body.append(_poc(line, match, received.get(line.line_number)))
        body += line_body(line, match, options, response.update_delivery_date)
    body.append(c.seg("CTT", str(len(response.lines))))
    return body


def _poc(line: ResponseLine, ordered: OrderLine | None, received: Decimal | None) -> Segment:
    price = line.unit_price if line.unit_price is not None else (ordered.unit_price if ordered else None)
    qty = ordered.quantity if ordered else line.ordered_quantity
    uom = line.uom or (ordered.uom if ordered else None) or DEFAULT_UOM
    return c.seg("POC", line.line_number, change_code(line, qty), c.fmt_decimal(qty),
                 c.left_to_receive(qty, received), uom if qty is not None else None, c.fmt_decimal(price), None,
                 *echoed_ids(line, ordered))


def change_code(line: ResponseLine, ordered_qty: Decimal | None) -> str:
    """POC02 (670) describing the vendor's answer; informative only, the ACKs carry the answer."""
    if line.status is LineStatus.ACCEPT:
        return "NC"
    if line.status is LineStatus.REJECT:
        return "DI"
    if line.substitute is not None:
        return "RE"
    confirmed = line.confirmed_quantity
    dated = any(s.delivery_date for s in line.schedule)
    qty_changed = ordered_qty is not None and confirmed is not None and confirmed != ordered_qty
    if len(line.schedule) > 1 or (qty_changed and dated):
        return "RQ"
    if qty_changed and confirmed is not None and ordered_qty is not None:
        return "QD" if confirmed < ordered_qty else "QI"
    return "RS" if dated else "CA"
