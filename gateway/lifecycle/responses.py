"""The vendor's response to one version (DESIGN section 2, 'The vendor's response')."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from gateway.canonical import Charge, LineStatus, OrderKind, ResponseLine, ResponseStatus, VendorResponse
from gateway.errors import BusinessError, Refusal
from gateway.lifecycle.batch import loaded
from gateway.lifecycle.bulk import insert_family
from gateway.lifecycle.common import (
    LineRow,
    VersionRow,
    decoded,
    dump_all,
    locate,
    log,
    refuse_if_closed,
    require_version,
    same_charges,
    save_po,
    stored_lines,
    touch,
)
from gateway.lifecycle.orders import store_attachments
from gateway.lifecycle.tables import RESPONSE_LINE_T, RESPONSE_T
from gateway.models import PoState, PurchaseOrder, Response, utcnow


def respond(session: Session, doc: VendorResponse, source: str) -> Response:
    """Record the vendor's answer to one version, or refuse it whole with a reason naming line and field."""
    located = locate(session, doc.po_number, doc.customer, doc.vendor, version=doc.version)
    po = located.po
    where = f"PO {po.po_number}"
    refuse_if_closed(po, "a response")
    if po.kind == OrderKind.CONSIGNMENT:
        raise BusinessError(Refusal.CONSIGNMENT,
            f"{where} is a consignment PO, confirmed from birth; it takes no response")
    if doc.version < po.latest_version:
        raise BusinessError(Refusal.STALE_VERSION,
            f"{where}: the response answers version {doc.version}, but the latest "
                                     f"version is {po.latest_version}; answer version {po.latest_version}")
    version = require_version(po, doc.version, located.version)
    if located.response_id is not None:
        raise BusinessError(Refusal.DUPLICATE_RESPONSE, f"{where} version {doc.version} is already answered; "
                                                f"a second response is refused")
    lines = {row.line_number: row for row in stored_lines(session, version)}
    _check_header(where, doc, version)
    given = {}
    for rl in doc.lines:
        if rl.line_number in given:
            raise BusinessError(Refusal.DUPLICATE_LINE, f"{where} line {rl.line_number}: answered twice")
        if rl.line_number not in lines:
            raise BusinessError(Refusal.UNKNOWN_LINE, f"{where} line {rl.line_number}: no such line in version "
                                                f"{doc.version}")
        _check_line(f"{where} line {rl.line_number}", doc.status, rl, lines[rl.line_number])
        given[rl.line_number] = rl
    _check_consistent(where, doc, given)
    return _store(session, po, version, doc, lines, given, source)


def _check_header(where: str, doc: VendorResponse, version: VersionRow) -> None:
    if doc.charges is not None and not same_charges(doc.charges,
                                                    (Charge.model_validate(c) for c in version.charges)):
        raise BusinessError(Refusal.PRICE_CHANGE, f"{where}: header charges differ from the PO's; charges cannot be "
                                            f"changed (suggest it in a note)")


def _check_line(where: str, status: ResponseStatus, rl: ResponseLine, line: LineRow) -> None:
    if rl.unit_price is not None and line.unit_price is not None and rl.unit_price != Decimal(line.unit_price):
        raise BusinessError(Refusal.PRICE_CHANGE, f"{where}: unit price {rl.unit_price} differs from the PO's "
                                            f"{Decimal(line.unit_price)}; prices cannot be changed "
                                            f"(suggest it in a note)")
    if rl.charges is not None and not same_charges(rl.charges,
                                                   (Charge.model_validate(c) for c in decoded(line.charges))):
        raise BusinessError(Refusal.PRICE_CHANGE, f"{where}: charges differ from the PO's; charges cannot be changed "
                                            f"(suggest it in a note)")
    for s in rl.schedule:
        if s.quantity <= 0:
            raise BusinessError(Refusal.INVALID_QUANTITY, f"{where}: schedule quantity {s.quantity} must be greater "
                                                f"than zero")
    if rl.status is LineStatus.REJECT and rl.schedule:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: a rejected line cannot carry schedule lines")
    if rl.status is LineStatus.CHANGE and not rl.schedule and rl.substitute is None:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: a changed line needs schedule lines or a substitute")
    if rl.status is LineStatus.ACCEPT and rl.substitute is not None:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: a substitute is a change, not an accept")
    if rl.status is LineStatus.ACCEPT and rl.schedule:
        total = rl.confirmed_quantity
        if total != Decimal(line.quantity) or len(rl.schedule) > 1:
            raise BusinessError(Refusal.INCONSISTENT, f"{where}: accepted as is, but the schedule ({total} in "
                                                f"{len(rl.schedule)} deliveries) differs from the ordered "
                                                f"{Decimal(line.quantity)}; answer it as a change")
    if status is ResponseStatus.ACCEPT and rl.status is not LineStatus.ACCEPT:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: an accept cannot {rl.status.value} lines; answer "
                                            f"accept with changes")
    if status is ResponseStatus.REJECT and rl.status is not LineStatus.REJECT:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: a reject cannot accept lines; answer accept with changes")


def _check_consistent(where: str, doc: VendorResponse, given: dict[str, ResponseLine]) -> None:
    if doc.status is ResponseStatus.ACCEPT and doc.update_delivery_date is not None:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: updating the delivery date is a change; answer accept "
                                            f"with changes")
    if doc.status is ResponseStatus.REJECT and doc.update_delivery_date is not None:
        raise BusinessError(Refusal.INCONSISTENT, f"{where}: a reject cannot update the delivery date")


def _store(session: Session, po: PurchaseOrder, version: VersionRow, doc: VendorResponse,
           lines: dict[str, LineRow], given: dict[str, ResponseLine], source: str) -> Response:
    assert version.id is not None and po.id is not None
    values = {"version_id": version.id, "status": doc.status, "update_delivery_date": doc.update_delivery_date,
              "vendor_order_number": doc.vendor_order_number, "response_date": doc.response_date,
              "notes": dump_all(doc.notes), "source": source, "received_at": utcnow()}
    # Every line gets a row, so what was confirmed never depends on what the vendor chose to omit.
    rows = []
    # A line the vendor did not name follows the response: rejected with a reject, else accepted as ordered.
    omitted = ResponseLine(line_number="omitted", status=LineStatus.REJECT if doc.status is ResponseStatus.REJECT
                           else LineStatus.ACCEPT)
    for number, line in lines.items():
        rl = given.get(number) or omitted
        rows.append({"line_number": number, "status": rl.status.value,
                     "substitute_item": rl.substitute.vendor_item if rl.substitute else None,
                     "substitute_description": rl.substitute.description if rl.substitute else None,
                     "product_ids": dump_all(rl.product_ids), "notes": dump_all(rl.notes),
                     "schedule": _schedule(rl, line, doc.update_delivery_date)})
    response = loaded(Response, {**values, "id": insert_family(session, RESPONSE_T, values, RESPONSE_LINE_T,
                                                               "response_id", rows)})
    for number in lines:
        answered = given.get(number)
        if answered is not None and answered.attachments:
            store_attachments(session, po, answered.attachments, response_id=response.id, line_number=number)
    store_attachments(session, po, doc.attachments, response_id=response.id)
    touch(po, PoState.AWAITING_CUSTOMER)
    save_po(session, po)
    log(session, po, "response", f"vendor answered version {version.version}: {doc.status.value}", source,
        version.version)
    return response


def _schedule(rl: ResponseLine, line: LineRow, all_dates: date | None) -> list[dict[str, str | None]]:
    """The confirmed deliveries of a line. 'Update delivery date' dates every delivery that has no own date."""
    if rl.status is LineStatus.REJECT:
        return []
    deliveries = [(s.quantity, s.delivery_date) for s in rl.schedule] or [(Decimal(line.quantity), None)]
    result: list[dict[str, str | None]] = []
    for quantity, own_date in deliveries:
        when = own_date or all_dates or line.requested_delivery_date
        result.append({"quantity": str(quantity), "delivery_date": when.isoformat() if when else None})
    return result
