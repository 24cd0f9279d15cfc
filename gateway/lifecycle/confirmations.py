"""The customer's move after a response: confirm as accepted, or confirm the vendor's changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from gateway.canonical import Confirmation, LineStatus, ResponseStatus
from gateway.errors import BusinessError
from gateway.lifecycle.common import LineRow, find_po, lines_of, log, refuse_if_closed, touch, version_row
from gateway.models import (
    ConfirmationRow,
    ConfirmedLine,
    PoState,
    PoVersion,
    PurchaseOrder,
    Response,
    ResponseLineRow,
)


def confirm(session: Session, doc: Confirmation, source: str) -> ConfirmationRow:
    """Confirm the answered latest version. Confirmation never creates a version."""
    po = find_po(session, doc.po_number, doc.customer, doc.vendor)
    where = f"PO {po.po_number}"
    refuse_if_closed(po, "confirming it")
    if doc.version != po.latest_version:
        raise BusinessError("stale", f"{where}: the confirmation names version {doc.version}, but the latest "
                                     f"version is {po.latest_version}")
    version = version_row(session, po, doc.version)
    if session.exec(select(ConfirmationRow).where(ConfirmationRow.version_id == version.id)).first():
        raise BusinessError("already_confirmed", f"{where} version {doc.version} is already confirmed")
    response = session.exec(select(Response).where(Response.version_id == version.id)).first()
    if response is None:
        raise BusinessError("unanswered", f"{where} version {doc.version} has no vendor response yet; only an "
                                          f"answered version can be confirmed")
    if response.status == ResponseStatus.REJECT:
        raise BusinessError("rejected", f"{where} version {doc.version} was rejected by the vendor; send a new "
                                        f"version instead of confirming")
    assert response.id is not None
    answers = {r.line_number: r for r in session.exec(
        select(ResponseLineRow).where(ResponseLineRow.response_id == response.id))}
    with_changes = response.status == ResponseStatus.ACCEPT_WITH_CHANGES
    row = _confirm(session, po, version, source, with_changes, answers)
    log(session, po, "confirmed", f"customer confirmed version {version.version}"
        + (" with the vendor's changes" if with_changes else ""), source, version.version)
    return row


def confirm_as_ordered(session: Session, po: PurchaseOrder, version: PoVersion, source: str) -> ConfirmationRow:
    """A consignment PO is confirmed from birth, as the customer ordered it."""
    row = _confirm(session, po, version, source, False, {})
    log(session, po, "confirmed", "consignment PO, confirmed from birth", source, version.version)
    return row


def _confirm(session: Session, po: PurchaseOrder, version: PoVersion, source: str, with_changes: bool,
             answers: dict[str, ResponseLineRow]) -> ConfirmationRow:
    assert po.id is not None and version.id is not None
    row = ConfirmationRow(po_id=po.id, version_id=version.id, with_changes=with_changes, source=source)
    session.add(row)
    session.flush()
    assert row.id is not None
    values = [_confirmed_line(row.id, line, answers.get(line.line_number)) for line in lines_of(session, version)]
    session.execute(insert(ConfirmedLine), values)
    po.confirmed_version = version.version
    touch(po, PoState.CONFIRMED)
    session.flush()
    refresh_received(session, po, row)
    return row


def _confirmed_line(confirmation_id: int, line: LineRow, answer: ResponseLineRow | None) -> dict[str, Any]:
    """The line as it will be delivered: the vendor's quantities, dates, splits and substitute, if any."""
    schedule = answer.schedule if answer is not None else []
    if answer is not None and answer.status == LineStatus.REJECT:
        quantity = Decimal(0)
    elif schedule:
        quantity = sum((Decimal(s["quantity"]) for s in schedule), Decimal(0))
    else:
        quantity = Decimal(line.quantity)
    dates = [s["delivery_date"] for s in schedule if s.get("delivery_date")]
    substituted = answer is not None and answer.substitute_item is not None
    return {
        "confirmation_id": confirmation_id, "line_number": line.line_number,
        "item": answer.substitute_item if substituted and answer else (line.vendor_item or line.buyer_item),
        "description": answer.substitute_description if substituted and answer else line.description,
        "substituted": substituted, "quantity": quantity, "uom": line.uom, "unit_price": line.unit_price,
        "delivery_date": date.fromisoformat(min(dates)) if dates else line.requested_delivery_date,
        "schedule": schedule, "received_quantity": Decimal(0),
    }


def current_confirmation(session: Session, po: PurchaseOrder) -> ConfirmationRow | None:
    if po.confirmed_version is None:
        return None
    version = version_row(session, po, po.confirmed_version)
    return session.exec(select(ConfirmationRow).where(ConfirmationRow.version_id == version.id)).first()


def confirmed_lines(session: Session, confirmation: ConfirmationRow) -> list[ConfirmedLine]:
    return list(session.exec(select(ConfirmedLine).where(
        ConfirmedLine.confirmation_id == confirmation.id).order_by(col(ConfirmedLine.id))))


def refresh_received(session: Session, po: PurchaseOrder, confirmation: ConfirmationRow | None = None) -> None:
    """A confirmed PO leaves 'open confirmed' once every line has received its confirmed quantity."""
    if po.state not in (PoState.CONFIRMED, PoState.RECEIVED):
        return
    confirmation = confirmation or current_confirmation(session, po)
    if confirmation is None:
        return
    open_lines = session.exec(select(func.count()).select_from(ConfirmedLine).where(
        col(ConfirmedLine.confirmation_id) == confirmation.id,
        col(ConfirmedLine.received_quantity) < col(ConfirmedLine.quantity))).one()
    po.state = PoState.CONFIRMED if open_lines else PoState.RECEIVED
