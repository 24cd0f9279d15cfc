"""The lists of the vendor workspace (DESIGN section 2, 'The lists'), as queries the API and dashboard share.

'For review', 'awaiting customer action' and 'open confirmed' are each one PO state, so they exclude each other
by construction; consignment POs appear only in the consignment list.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from gateway.canonical import OrderKind
from gateway.lifecycle.common import DIMENSIONS
from gateway.models import (
    OnHandRow,
    PoEvent,
    PoState,
    PoVersion,
    PurchaseOrder,
    ReceiptLineRow,
    ReceiptRow,
    Response,
)

MAX_PAGE_SIZE = 500
T = TypeVar("T")


class PoList(StrEnum):
    FOR_REVIEW = "for_review"
    AWAITING_CUSTOMER = "awaiting_customer"
    OPEN_CONFIRMED = "open_confirmed"
    ALL_CONFIRMED = "all_confirmed"
    CONSIGNMENT = "consignment"


_STATES: dict[PoList, tuple[PoState, ...]] = {
    PoList.FOR_REVIEW: (PoState.FOR_REVIEW,),
    PoList.AWAITING_CUSTOMER: (PoState.AWAITING_CUSTOMER,),
    PoList.OPEN_CONFIRMED: (PoState.CONFIRMED,),
    PoList.ALL_CONFIRMED: (PoState.CONFIRMED, PoState.RECEIVED),
    PoList.CONSIGNMENT: (PoState.CONFIRMED, PoState.RECEIVED),
}


class Filters(BaseModel):
    vendor: str | None = None
    customer: str | None = None
    page: int = 1  # 1-based
    size: int = 50

    def window(self) -> tuple[int, int]:
        size = max(1, min(self.size, MAX_PAGE_SIZE))
        return (max(self.page, 1) - 1) * size, size


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    size: int
    has_more: bool


class PoSummary(BaseModel):
    po_number: str
    customer: str
    vendor: str
    kind: str
    state: str
    version: int
    confirmed_version: int | None
    response: str | None  # the vendor's answer to the latest version, if any
    order_date: date | None
    updated_at: datetime


def po_list(session: Session, which: PoList, filters: Filters) -> Page[PoSummary]:
    kind = OrderKind.CONSIGNMENT if which is PoList.CONSIGNMENT else OrderKind.STANDARD
    states = _STATES[which]
    query = select(PurchaseOrder).where(col(PurchaseOrder.kind) == kind)
    query = query.where(col(PurchaseOrder.state) == states[0]) if len(states) == 1 else query.where(
        col(PurchaseOrder.state).in_(states))
    query = query.where(*_party(PurchaseOrder, filters))
    offset, size = filters.window()
    rows = list(session.exec(query.order_by(col(PurchaseOrder.updated_at).desc(), col(PurchaseOrder.id).desc())
                             .offset(offset).limit(size + 1)))
    answers = _responses(session, rows[:size])
    items = [PoSummary(po_number=po.po_number, customer=po.customer_id, vendor=po.vendor_id, kind=po.kind,
                       state=po.state, version=po.latest_version, confirmed_version=po.confirmed_version,
                       response=answers.get(po.id or 0), order_date=po.order_date, updated_at=po.updated_at)
             for po in rows[:size]]
    return Page(items=items, page=filters.page, size=size, has_more=len(rows) > size)


def _party(table: Any, filters: Filters) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.vendor:
        conditions.append(col(table.vendor_id) == filters.vendor)
    if filters.customer:
        conditions.append(col(table.customer_id) == filters.customer)
    return conditions


def _responses(session: Session, pos: list[PurchaseOrder]) -> dict[int, str]:
    """The response status of each PO's latest version, in one query for the whole page."""
    if not pos:
        return {}
    query = (select(PoVersion.po_id, Response.status)
             .join(Response, col(Response.version_id) == col(PoVersion.id))
             .where(col(PoVersion.po_id).in_([po.id for po in pos]))
             .where(col(PoVersion.version) == col(PurchaseOrder.latest_version))
             .join(PurchaseOrder, col(PurchaseOrder.id) == col(PoVersion.po_id)))
    return {po_id: str(status) for po_id, status in session.exec(query)}


class HistoryEntry(BaseModel):
    po_number: str
    customer: str
    vendor: str
    version: int | None
    kind: str  # version | response | confirmed | cancelled | refused | receipt
    detail: str
    source: str
    at: datetime


HISTORY_KINDS = ("version", "response", "confirmed", "cancelled")


def confirmation_history(session: Session, filters: Filters) -> Page[HistoryEntry]:
    """Every version of every PO and every response, newest first."""
    query = (select(PoEvent, PurchaseOrder.po_number)
             .join(PurchaseOrder, col(PurchaseOrder.id) == col(PoEvent.po_id))
             .where(col(PoEvent.kind).in_(HISTORY_KINDS), *_party(PoEvent, filters))
             .order_by(col(PoEvent.at).desc(), col(PoEvent.id).desc()))
    offset, size = filters.window()
    rows = list(session.exec(query.offset(offset).limit(size + 1)))
    items = [HistoryEntry(po_number=number, customer=e.customer_id, vendor=e.vendor_id, version=e.version,
                          kind=e.kind, detail=e.detail, source=e.source, at=e.at) for e, number in rows[:size]]
    return Page(items=items, page=filters.page, size=size, has_more=len(rows) > size)


class ReceivedLine(BaseModel):
    po_number: str
    receipt_number: str
    customer: str
    vendor: str
    received_on: date | None
    line_number: str
    item: str | None
    vendor_item: str | None = None  # the vendor's own part number, so the vendor recognises the product
    description: str | None = None
    quantity: Decimal
    uom: str | None
    dimensions: dict[str, str | None] | None


def consignment_receipts(session: Session, filters: Filters, *, dimensions: bool = True) -> Page[ReceivedLine]:
    """Products received from consignment inventory: each ownership-transfer receipt line."""
    query = (select(ReceiptRow, ReceiptLineRow, PurchaseOrder.po_number)
             .join(ReceiptLineRow, col(ReceiptLineRow.receipt_id) == col(ReceiptRow.id))
             .join(PurchaseOrder, col(PurchaseOrder.id) == col(ReceiptRow.po_id))
             .where(col(ReceiptRow.consignment).is_(True), *_party(ReceiptRow, filters))
             .order_by(col(ReceiptRow.recorded_at).desc(), col(ReceiptLineRow.id)))
    offset, size = filters.window()
    rows = list(session.exec(query.offset(offset).limit(size + 1)))
    items = [ReceivedLine(po_number=number, receipt_number=r.receipt_number, customer=r.customer_id,
                          vendor=r.vendor_id, received_on=r.received_on, line_number=line.line_number,
                          item=line.item, vendor_item=line.vendor_item, description=line.description,
                          quantity=Decimal(line.quantity), uom=line.uom,
                          dimensions={d: getattr(line, d) for d in DIMENSIONS} if dimensions else None)
             for r, line, number in rows[:size]]
    return Page(items=items, page=filters.page, size=size, has_more=len(rows) > size)


class OnHandLine(BaseModel):
    customer: str
    vendor: str
    warehouse: str
    item: str
    vendor_item: str | None = None
    description: str | None
    quantity: Decimal
    uom: str
    as_of: date | None
    dimensions: dict[str, str | None] | None


def onhand(session: Session, filters: Filters, *, warehouse: str | None = None,
           dimensions: bool = True) -> Page[OnHandLine]:
    """Vendor-owned stock at the customer's warehouses, per item, dimensions and warehouse."""
    query = select(OnHandRow).where(*_party(OnHandRow, filters))
    if warehouse:
        query = query.where(col(OnHandRow.warehouse) == warehouse)
    offset, size = filters.window()
    rows = list(session.exec(query.order_by(col(OnHandRow.warehouse), col(OnHandRow.item), col(OnHandRow.id))
                             .offset(offset).limit(size + 1)))
    items = [OnHandLine(customer=r.customer_id, vendor=r.vendor_id, warehouse=r.warehouse, item=r.item,
                        vendor_item=r.vendor_item, description=r.description, quantity=Decimal(r.quantity),
                        uom=r.uom, as_of=r.as_of,
                        dimensions={d: (r.warehouse if d == "warehouse" else getattr(r, d)) for d in DIMENSIONS}
                        if dimensions else None)
             for r in rows[:size]]
    return Page(items=items, page=filters.page, size=size, has_more=len(rows) > size)
