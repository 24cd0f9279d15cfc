"""The PO lifecycle (DESIGN section 2): one service per canonical document, each rule enforced once.

Every service takes a session and never commits: `gateway.db.unit_of_work` owns commit and rollback, and the
pipeline applies many documents in one, each as if under its own savepoint (`gateway.lifecycle.batch`, which
also holds the batch's POs locked and writes their changes and events at its end). `handle` applies one
document in the caller's unit of work; `apply` is the convenience that gives one document a unit of work of its
own, and on a refusal writes it to the PO's event log in another.
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
from gateway.db import unit_of_work
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
    try:
        with unit_of_work(engine) as session:
            return handle(session, doc, source)
    except BusinessError as error:
        with unit_of_work(engine) as session:
            record_refusal(session, doc, error, source)
        raise


def handle(session: Session, doc: Document, source: str) -> Any:
    """Apply one document in the caller's unit of work (which commits or rolls back; this never does)."""
    return HANDLERS[type(doc)](session, doc, source)


def record_refusal(session: Session, doc: Document, error: BusinessError, source: str) -> None:
    """Write the refusal on the PO's event log, so operators see why (when the PO exists at all)."""
    po_number = getattr(doc, "po_number", None)
    if po_number is None or isinstance(error, UnknownPO):
        return
    try:
        po = find_po(session, po_number, doc.customer, doc.vendor, lock=False)
    except BusinessError:
        return
    log(session, po, "refused", f"{type(doc).__name__} refused ({error.code}): {error.reason}", source,
        getattr(doc, "version", None))


__all__ = ["HANDLERS", "Document", "apply", "handle", "apply_change", "cancel", "confirm", "receive_version",
           "record_receipt", "record_refusal", "replace_onhand", "respond"]
