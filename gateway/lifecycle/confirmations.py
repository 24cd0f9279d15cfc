"""The customer's move after a response: confirm as accepted, or confirm the vendor's changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Row, Select, and_, bindparam
from sqlmodel import Session, col, select

from gateway.canonical import Confirmation, LineStatus, ResponseStatus
from gateway.db import Encoded, json_loads
from gateway.errors import BusinessError, Refusal
from gateway.lifecycle import batch as batches
from gateway.lifecycle.batch import LINES_WITH_ANSWERS, loaded
from gateway.lifecycle.bulk import insert_family
from gateway.lifecycle.common import (
    VersionRow,
    locate,
    log,
    refuse_if_closed,
    require_version,
    save_po,
    touch,
    version_row,
)
from gateway.lifecycle.tables import CONFIRMATION_T, LINE_T, RESPONSE_LINE_T
from gateway.models import (
    ConfirmationRow,
    ConfirmedLine,
    PoState,
    PoVersion,
    PurchaseOrder,
    utcnow,
)

CONFIRMED_LINE_T = ConfirmedLine.__table__  # type: ignore[attr-defined]
# The version's lines, each with the vendor's answer to it (none when the response is NULL).
_LINES_WITH_ANSWERS: Select[Any] = (
    LINES_WITH_ANSWERS.select_from(LINE_T.outerjoin(RESPONSE_LINE_T, and_(
        RESPONSE_LINE_T.c.response_id == bindparam("response_id", type_=Integer),
        RESPONSE_LINE_T.c.line_number == LINE_T.c.line_number)))
    .where(LINE_T.c.version_id == bindparam("version_id"))
    .order_by(LINE_T.c.id))


def confirm(session: Session, doc: Confirmation, source: str) -> ConfirmationRow:
    """Confirm the answered latest version. Confirmation never creates a version."""
    located = locate(session, doc.po_number, doc.customer, doc.vendor, version=doc.version)
    po = located.po
    where = f"PO {po.po_number}"
    refuse_if_closed(po, "confirming it")
    if doc.version != po.latest_version:
        raise BusinessError(Refusal.STALE_VERSION,
            f"{where}: the confirmation names version {doc.version}, but the latest "
                                     f"version is {po.latest_version}")
    version = require_version(po, doc.version, located.version)
    if located.confirmation_id is not None:
        raise BusinessError(Refusal.CANNOT_CONFIRM, f"{where} version {doc.version} is already confirmed")
    if located.response_id is None:
        raise BusinessError(Refusal.CANNOT_CONFIRM,
            f"{where} version {doc.version} has no vendor response yet; only an "
                                          f"answered version can be confirmed")
    if located.response_status == ResponseStatus.REJECT:
        raise BusinessError(Refusal.CANNOT_CONFIRM,
            f"{where} version {doc.version} was rejected by the vendor; send a new "
                                        f"version instead of confirming")
    with_changes = located.response_status == ResponseStatus.ACCEPT_WITH_CHANGES
    row = _confirm(session, po, version, source, with_changes, located.response_id)
    log(session, po, "confirmed", f"customer confirmed version {version.version}"
        + (" with the vendor's changes" if with_changes else ""), source, version.version)
    return row


def confirm_as_ordered(session: Session, po: PurchaseOrder, version: PoVersion, source: str) -> ConfirmationRow:
    """A consignment PO is confirmed from birth, as the customer ordered it."""
    row = _confirm(session, po, version, source, False, None)
    log(session, po, "confirmed", "consignment PO, confirmed from birth", source, version.version)
    return row


def _confirm(session: Session, po: PurchaseOrder, version: PoVersion | VersionRow, source: str, with_changes: bool,
             response_id: int | None) -> ConfirmationRow:
    assert po.id is not None and version.id is not None
    row = {"po_id": po.id, "version_id": version.id, "with_changes": with_changes, "source": source,
           "confirmed_at": utcnow()}
    batch = batches.current(session)
    lines = batch.answered_lines(session, response_id) if batch is not None and response_id is not None else None
    if lines is None:
        lines = list(session.connection().execute(_LINES_WITH_ANSWERS, {"response_id": response_id,
                                                                         "version_id": version.id}).all())
    values = [_confirmed_line(line) for line in lines]
    confirmation = loaded(ConfirmationRow, {**row, "id": insert_family(session, CONFIRMATION_T, row,
                                                                       CONFIRMED_LINE_T, "confirmation_id", values)})
    po.confirmed_version = version.version
    touch(po, PoState.CONFIRMED)
    refresh_received(po, ((v["quantity"], v["received_quantity"]) for v in values))
    save_po(session, po)
    return confirmation


def _confirmed_line(line: Row[Any]) -> dict[str, Any]:
    """The line as it will be delivered: the vendor's quantities, dates, splits and substitute, if any.

    `line` is a po_line row with the vendor's answer to it in its answer_* columns (all None when unanswered).
    """
    answered = line.answer_id is not None
    schedule = json_loads(line.answer_schedule) if answered else []  # read as stored, copied as stored
    if answered and line.answer_status == LineStatus.REJECT:
        quantity = Decimal(0)
    elif schedule:
        quantity = sum((Decimal(s["quantity"]) for s in schedule), Decimal(0))
    else:
        quantity = Decimal(line.quantity)
    dates = [s["delivery_date"] for s in schedule if s.get("delivery_date")]
    substituted = answered and line.answer_substitute_item is not None
    return {
        "line_number": line.line_number,
        "item": line.answer_substitute_item if substituted else (line.vendor_item or line.buyer_item),
        "description": line.answer_substitute_description if substituted else line.description,
        "substituted": substituted, "quantity": quantity, "uom": line.uom, "unit_price": line.unit_price,
        "delivery_date": date.fromisoformat(min(dates)) if dates else line.requested_delivery_date,
        "schedule": Encoded(line.answer_schedule) if answered else schedule, "received_quantity": Decimal(0),
    }


def current_confirmation(session: Session, po: PurchaseOrder) -> ConfirmationRow | None:
    if po.confirmed_version is None:
        return None
    version = version_row(session, po, po.confirmed_version)
    return session.exec(select(ConfirmationRow).where(ConfirmationRow.version_id == version.id)).first()


def confirmed_lines(session: Session, confirmation: ConfirmationRow) -> list[ConfirmedLine]:
    return list(session.exec(select(ConfirmedLine).where(
        ConfirmedLine.confirmation_id == confirmation.id).order_by(col(ConfirmedLine.id))))


def refresh_received(po: PurchaseOrder, lines: Iterable[tuple[Decimal, Decimal]]) -> None:
    """A confirmed PO leaves 'open confirmed' once every line has received its confirmed quantity.

    `lines` are the (confirmed, received) quantities of every line of the current confirmation; the callers
    hold them all already, so nothing is read back.
    """
    if po.state not in (PoState.CONFIRMED, PoState.RECEIVED):
        return
    still_open = any(Decimal(received) < Decimal(confirmed) for confirmed, received in lines)
    po.state = PoState.CONFIRMED if still_open else PoState.RECEIVED
