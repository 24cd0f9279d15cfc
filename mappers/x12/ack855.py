"""855 Purchase Order Acknowledgment <-> VendorResponse.

DESIGN section 2: an 855 answers version 1 unless `REF*PP` names another. The ACK rules shared with the 865
(schedule lines, refusals, substitutes, splits, faithful prices) live in ackrules.py; here are BAK, REF*PP and
PO1. docs/x12-mapping.md has the element-by-element table and the conventions decided here.
"""

from __future__ import annotations

from datetime import date

from gateway.canonical.documents import OrderLine, PurchaseOrderVersion, ResponseLine, ResponseStatus, VendorResponse
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
    response_line,
    update_delivery_date,
    version_from_ref,
)
from mappers.x12.segments import MappingError, Segment, Transaction

__all__ = ["PoAckOptions", "response_from_855", "response_set", "response_to_855"]


def response_from_855(tx: Transaction, options: PoAckOptions | None = None) -> VendorResponse:
    options = options or PoAckOptions()
    bak = tx.one("BAK")
    kind = header_kind(bak, 2)
    plain, loops = header_part(tx, "PO1")
    update = update_delivery_date(plain)
    lines = tuple(response_line(loop, po1_echo(loop[0]), header=kind, update=update) for loop in tx.loops("PO1"))
    return VendorResponse(
        po_number=bak.required(3),
        version=version_from_ref(plain) or 1,
        status=overall_status(kind, lines, update),
        response_date=c.read_date(bak, 9 if options.bak_dates == "BAK04=order" else 4),
        vendor_order_number=bak.get(8),
        update_delivery_date=update,
        notes=c.read_notes([], loops),
        attachments=c.read_attachments(plain),
        charges=c.read_charges(plain) or None,
        lines=lines,
    )


def po1_echo(po1: Segment) -> LineEcho:
    return LineEcho(line_number=po1.required(1), quantity=c.read_decimal(po1, 2), uom=po1.get(3),
                    unit_price=c.read_decimal(po1, 4), product_ids=c.read_product_ids(po1, 6))


# --------------------------------------------------------------------------------------------------- outbound


def response_set(response: VendorResponse) -> str:
    """855 answers version 1, 865 a later version (an 855 with REF*PP can too, for partners that want it)."""
    return "855" if response.version == 1 else "865"


def response_to_855(response: VendorResponse, po: PurchaseOrderVersion | None = None,
                    options: PoAckOptions | None = None, *, today: date | None = None) -> list[Segment]:
    """The body of an 855 (ST and SE excluded); REF*PP names the answered version when it is not 1.
    `today` stands in for a response without a date (BAK09, the acknowledgment date)."""
    options = options or PoAckOptions()
    ack_date = response.response_date or today
    po_date = po.order_date if po else None
    if options.bak_dates == "BAK04=order":
        bak04, bak09 = po_date or ack_date, ack_date
    else:
        bak04, bak09 = ack_date or po_date, po_date
    if bak04 is None:
        raise MappingError("BAK04 needs a date: the response has no response_date and the PO no order_date")
    body = [c.seg("BAK", "00", _bak_type(response), response.po_number, c.fmt_date(bak04), None, None, None,
                  response.vendor_order_number, c.fmt_date(bak09))]
    if response.version != 1:
        body.append(c.seg("REF", "PP", str(response.version)))
    body += header_tail(response, options)
    ordered = ordered_lines(po)
    for line in response.lines:
        match = ordered.get(line.line_number)
        body.append(_po1(line, match))
        body += line_body(line, match, options, response.update_delivery_date)
    body.append(c.seg("CTT", str(len(response.lines))))
    return body


def _bak_type(response: VendorResponse) -> str:
    if response.status is ResponseStatus.REJECT:
        return "RD" if response.lines else "RJ"
    if response.status is ResponseStatus.ACCEPT_WITH_CHANGES:
        return "AC"
    return "AD" if response.lines else "AK"


def _po1(line: ResponseLine, ordered: OrderLine | None) -> Segment:
    price = line.unit_price if line.unit_price is not None else (ordered.unit_price if ordered else None)
    qty = ordered.quantity if ordered else line.ordered_quantity
    uom = line.uom or (ordered.uom if ordered else None) or DEFAULT_UOM
    return c.seg("PO1", line.line_number, c.fmt_decimal(qty), uom if qty is not None else None,
                 c.fmt_decimal(price), None, *echoed_ids(line, ordered))
