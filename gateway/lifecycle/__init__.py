"""The PO lifecycle (DESIGN section 2): one service per canonical document, each rule enforced once.

`apply` is the unit of work the pipeline, the API and the tests use: the document is applied whole in one
transaction, or refused whole; a refusal is then written to the PO's event log in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.canonical import (
    Cancellation,
    Confirmation,
    Document,
    OnHandSnapshot,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    Receipt,
    VendorResponse,
)
from gateway.errors import BusinessError, UnknownPO
from gateway.lifecycle.common import find_po, log
from gateway.lifecycle.confirmations import confirm
from gateway.lifecycle.orders import apply_change, cancel, receive_version
from gateway.lifecycle.responses import respond
from gateway.lifecycle.stock import record_receipt, replace_onhand

HANDLERS: dict[type[Any], Callable[[Session, Any, str], Any]] = {
    PurchaseOrderVersion: receive_version,
    PurchaseOrderChange: apply_change,
    Cancellation: cancel,
    VendorResponse: respond,
    Confirmation: confirm,
    Receipt: record_receipt,
    OnHandSnapshot: replace_onhand,
}


def apply(engine: Engine, doc: Document, source: str) -> Any:
    """Apply one document in its own transaction; on a business error nothing of it is written."""
    handler = HANDLERS[type(doc)]
    # No autoflush: the services flush where they need ids, and every other query would flush for nothing.
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        try:
            result = handler(session, doc, source)
            session.commit()
            return result
        except BusinessError as error:
            session.rollback()
            record_refusal(engine, doc, error, source)
            raise


def record_refusal(engine: Engine, doc: Document, error: BusinessError, source: str) -> None:
    """Write the refusal on the PO's event log, so operators see why (when the PO exists at all)."""
    po_number = getattr(doc, "po_number", None)
    if po_number is None or isinstance(error, UnknownPO):
        return
    with Session(engine) as session:
        try:
            po = find_po(session, po_number, doc.customer, doc.vendor, lock=False)
        except BusinessError:
            return
        log(session, po, "refused", f"{type(doc).__name__} refused ({error.code}): {error.reason}", source,
            getattr(doc, "version", None))
        session.commit()


__all__ = ["HANDLERS", "Document", "apply", "apply_change", "cancel", "confirm", "receive_version",
           "record_receipt", "record_refusal", "replace_onhand", "respond"]
