"""Builders for canonical documents, so scenario tests read like the workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway import lifecycle, workspace
from gateway.canonical import (
    Cancellation,
    ChangeCode,
    Confirmation,
    Dimensions,
    LineChange,
    LineStatus,
    OrderKind,
    OrderLine,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    Receipt,
    ReceiptLine,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
    VersionPurpose,
)

CUSTOMER = "contoso"
VENDOR = "fabrikam"
OTHER_VENDOR = "northwind"


def line(number: str | int, qty: str | int = 10, price: str | None = "2.50", when: date | None = date(2026, 12, 1),
         **extra: Any) -> OrderLine:
    return OrderLine(line_number=str(number), quantity=Decimal(qty), unit_price=None if price is None else
                     Decimal(price), requested_delivery_date=when, buyer_item=f"ITEM-{number}",
                     dimensions=extra.pop("dimensions", Dimensions(site="1", warehouse="11")), **extra)


def order(number: str = "PO-1", lines: list[OrderLine] | None = None, *, vendor: str = VENDOR,
          purpose: VersionPurpose = VersionPurpose.ORIGINAL, kind: OrderKind = OrderKind.STANDARD,
          sequence: str | None = None, **extra: Any) -> PurchaseOrderVersion:
    return PurchaseOrderVersion(po_number=number, purpose=purpose, kind=kind, customer=CUSTOMER, vendor=vendor,
                                change_sequence=sequence, lines=tuple(lines or [line(1), line(2)]), **extra)


def change(number: str = "PO-1", *deltas: LineChange, sequence: str | None = None,
           vendor: str = VENDOR) -> PurchaseOrderChange:
    return PurchaseOrderChange(po_number=number, customer=CUSTOMER, vendor=vendor, change_sequence=sequence,
                               lines=deltas)


def qty(number: str | int, quantity: str | int) -> LineChange:
    return LineChange(line_number=str(number), change=ChangeCode.QUANTITY, quantity=Decimal(quantity))


def answer(number: str = "PO-1", version: int = 1, status: ResponseStatus = ResponseStatus.ACCEPT,
           lines: list[ResponseLine] | None = None, vendor: str = VENDOR, **extra: Any) -> VendorResponse:
    return VendorResponse(po_number=number, version=version, status=status, customer=CUSTOMER, vendor=vendor,
                          lines=tuple(lines or []), **extra)


def split(number: str | int, *parts: tuple[str | int, date]) -> ResponseLine:
    return ResponseLine(line_number=str(number), status=LineStatus.CHANGE,
                        schedule=tuple(ScheduleLine(quantity=Decimal(q), delivery_date=d) for q, d in parts))


def substitute(number: str | int, item: str, description: str) -> ResponseLine:
    return ResponseLine(line_number=str(number), status=LineStatus.CHANGE,
                        substitute=Substitute(vendor_item=item, description=description))


def reject_line(number: str | int) -> ResponseLine:
    return ResponseLine(line_number=str(number), status=LineStatus.REJECT)


def confirmation(number: str = "PO-1", version: int = 1) -> Confirmation:
    return Confirmation(po_number=number, version=version, customer=CUSTOMER, vendor=VENDOR)


def cancellation(number: str = "PO-1") -> Cancellation:
    return Cancellation(po_number=number, customer=CUSTOMER, vendor=VENDOR)


def receipt(number: str = "PO-1", receipt_number: str = "R-1", **quantities: int) -> Receipt:
    """receipt("PO-1", "R-1", l1=5, l2=10): quantities per line number (l<N>)."""
    return Receipt(receipt_number=receipt_number, po_number=number, customer=CUSTOMER, vendor=VENDOR,
                   lines=tuple(ReceiptLine(line_number=k.removeprefix("l"), quantity=Decimal(v))
                               for k, v in quantities.items()))


def apply(engine: Engine, doc: Any, source: str = "test") -> Any:
    return lifecycle.apply(engine, doc, source)


def listed(engine: Engine, which: workspace.PoList, vendor: str | None = None) -> list[str]:
    with Session(engine) as session:
        page = workspace.po_list(session, which, workspace.Filters(vendor=vendor, size=500))
        return [p.po_number for p in page.items]
