"""Stored PO versions read back as canonical documents, for rendering what the partners receive."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from gateway.canonical import (
    Cancellation,
    Charge,
    Confirmation,
    Note,
    OrderKind,
    OrderLine,
    Party,
    PurchaseOrderVersion,
    VersionPurpose,
)
from gateway.canonical.products import UPC, VENDOR_ITEM
from gateway.lifecycle.common import LATEST, lines_of, locate, require_version, row_to_line
from gateway.models import ConfirmationRow, ConfirmedLine, PoVersion, PurchaseOrder
from mappers.x12.translate import RenderRequest, set_for_notice
from mappers.x12.writer import Profile


def version_document(session: Session, po_number: str, customer: str, vendor: str,
                     version: int = LATEST) -> tuple[PurchaseOrderVersion, int]:
    """The PO's version `version` (the latest by default) as the customer stated it, with its number."""
    located = locate(session, po_number, customer, vendor, version=version, lock=False)
    po = located.po
    row = require_version(po, po.latest_version if version == LATEST else version, located.version)
    document = PurchaseOrderVersion(
        po_number=po.po_number, purpose=VersionPurpose(row.arrived_as), kind=OrderKind(po.kind),
        customer=customer, vendor=vendor, change_sequence=row.change_sequence, order_date=row.order_date,
        currency=row.currency, buyer=Party.model_validate(row.buyer) if row.buyer else None,
        ship_to=Party.model_validate(row.ship_to) if row.ship_to else None, site=row.site,
        warehouse=row.warehouse, requested_delivery_date=row.requested_delivery_date,
        payment_terms=row.payment_terms, notes=tuple(Note.model_validate(n) for n in row.notes or ()),
        charges=tuple(Charge.model_validate(c) for c in row.charges or ()),
        lines=tuple(row_to_line(line) for line in lines_of(session, row)))
    return document, int(row.version)


def received_quantities(session: Session, po_number: str, customer: str, vendor: str) -> dict[str, Decimal]:
    """Line number -> quantity received to date (861s) on the PO's confirmed lines, the lines with receipts
    only; empty before any receipt. An 860/865 POC sends the quantity left to receive from it (POC04)."""
    rows = session.exec(
        select(col(ConfirmedLine.line_number), col(ConfirmedLine.received_quantity))
        .join(ConfirmationRow, col(ConfirmationRow.id) == ConfirmedLine.confirmation_id)
        .join(PoVersion, col(PoVersion.id) == ConfirmationRow.version_id)
        .join(PurchaseOrder, col(PurchaseOrder.id) == PoVersion.po_id)
        .where(PurchaseOrder.po_number == po_number, PurchaseOrder.customer_id == customer,
               PurchaseOrder.vendor_id == vendor, col(PoVersion.version) == PurchaseOrder.confirmed_version,
               col(ConfirmedLine.received_quantity) > 0))
    return {line: Decimal(quantity) for line, quantity in rows}


def notice_set(session: Session, doc: Cancellation | Confirmation, result: Any, profile: Profile
               ) -> tuple[str, RenderRequest, tuple[str, int | None]]:
    """A cancellation or confirmation for the vendor (`result`: what the lifecycle made of it): an 860 BCH01 01
    / 06, or for an 850-replace vendor an 850 BEG01 01 / 06 restating the PO (the 850 needs its lines) under
    the number that vendor knows it by: the latest version's, or the confirmed one's as it will be delivered."""
    assert doc.customer and doc.vendor
    version = doc.version if isinstance(doc, Confirmation) else None
    set_id = set_for_notice(profile)
    if set_id == "860":
        return set_id, RenderRequest(doc), (doc.po_number, version)
    restated, number = version_document(session, doc.po_number, doc.customer, doc.vendor, version or LATEST)
    if isinstance(doc, Confirmation):
        restated = _as_confirmed(session, restated, int(result.id))
    return set_id, RenderRequest(doc, version=number, restated=restated), (doc.po_number, version)


def _as_confirmed(session: Session, order: PurchaseOrderVersion, confirmation_id: int) -> PurchaseOrderVersion:
    """`order` with each line's confirmed quantity and (first) delivery date: the vendor's changes, when the
    customer confirmed them, are what will be delivered."""
    confirmed = {c.line_number: c for c in session.exec(
        select(ConfirmedLine).where(ConfirmedLine.confirmation_id == confirmation_id))}
    lines = []
    for line in order.lines:
        c = confirmed.get(line.line_number)
        if c is None:
            lines.append(line)
            continue
        confirmed_line = line.model_copy(update={
            "quantity": c.quantity, "requested_delivery_date": c.delivery_date or line.requested_delivery_date})
        lines.append(_substituted(confirmed_line, c) if c.substituted else confirmed_line)
    return order.model_copy(update={"lines": tuple(lines)})


def _substituted(line: OrderLine, confirmed: ConfirmedLine) -> OrderLine:
    """`line` naming the substitute the customer confirmed: the vendor's item (VP) and description are the
    substitute's; the buyer's ids stay (the line the customer ordered), the ids of the vendor's original
    product and its UPC go (they name what will not be delivered)."""
    original = set(VENDOR_ITEM + UPC)
    return OrderLine.model_validate({
        **line.model_dump(exclude={"vendor_item", "upc", "product_ids", "description"}),
        "product_ids": tuple(p for p in line.product_ids if p.qualifier not in original),
        "vendor_item": confirmed.item, "description": confirmed.description})
