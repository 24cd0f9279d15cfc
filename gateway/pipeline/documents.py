"""Stored PO versions read back as canonical documents, for rendering what the partners receive."""

from __future__ import annotations

from sqlmodel import Session

from gateway.canonical import Charge, Note, OrderKind, Party, PurchaseOrderVersion, VersionPurpose
from gateway.lifecycle.common import LATEST, lines_of, locate, require_version, row_to_line


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
