"""Canonical documents: what mappers produce and the lifecycle consumes.

Pure data (pydantic models), importable without a database and importing nothing else of `gateway`.
Amounts and quantities are `Decimal`, never float. Partner ids (`customer`, `vendor`) are the gateway's
partner ids, filled in by routing; mappers that cannot know them leave them `None`.
"""

from gateway.canonical.acks import (
    ElementNote,
    FunctionalAck,
    InterchangeAck,
    SegmentNote,
    SetAck,
)
from gateway.canonical.common import (
    Attachment,
    Charge,
    Dimensions,
    Note,
    Party,
)
from gateway.canonical.documents import (
    Cancellation,
    ChangeCode,
    Confirmation,
    LineChange,
    LineStatus,
    OnHandItem,
    OnHandSnapshot,
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
from gateway.canonical.products import ProductId
from gateway.canonical.types import (
    DOCUMENT_CLASSES,
    DOCUMENT_TYPES,
    Document,
    DocumentType,
    carried_by,
    document_type,
    meant_by,
)

__all__ = [
    "DOCUMENT_CLASSES",
    "DOCUMENT_TYPES",
    "Document",
    "DocumentType",
    "ProductId",
    "carried_by",
    "document_type",
    "meant_by",
    "ElementNote",
    "FunctionalAck",
    "InterchangeAck",
    "SegmentNote",
    "SetAck",
    "Attachment",
    "Cancellation",
    "ChangeCode",
    "Charge",
    "Confirmation",
    "Dimensions",
    "LineChange",
    "LineStatus",
    "Note",
    "OnHandItem",
    "OnHandSnapshot",
    "OrderKind",
    "OrderLine",
    "Party",
    "PurchaseOrderChange",
    "PurchaseOrderVersion",
    "Receipt",
    "ReceiptLine",
    "ResponseLine",
    "ResponseStatus",
    "ScheduleLine",
    "Substitute",
    "VendorResponse",
    "VersionPurpose",
]
