"""The one table of canonical business documents: every place that lists them (the lifecycle's handlers,
`gateway render`, the X12 writers, canonical XML, the JSON Schemas) reads it from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from gateway.canonical.common import Canonical
from gateway.canonical.documents import (
    Cancellation,
    Confirmation,
    OnHandSnapshot,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    Receipt,
    VendorResponse,
)

Document: TypeAlias = (PurchaseOrderVersion | PurchaseOrderChange | Cancellation | Confirmation | VendorResponse
                       | Receipt | OnHandSnapshot)


@dataclass(frozen=True)
class DocumentType:
    """A canonical document class, the name it goes by in JSON entries (`"type"`), the stem of its JSON
    Schema file, and the X12 sets that carry it (the first is the one a bare document of that set means)."""

    cls: type[Canonical]
    slug: str
    sets: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.cls.__name__


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType(PurchaseOrderVersion, "purchase-order-version", ("850", "860")),
    DocumentType(PurchaseOrderChange, "purchase-order-change", ("860",)),
    DocumentType(Cancellation, "cancellation", ("860", "850")),  # an 850 BEG01 01 / 06 for 850-replace partners
    DocumentType(Confirmation, "confirmation", ("860", "850")),
    DocumentType(VendorResponse, "vendor-response", ("855", "865")),
    DocumentType(Receipt, "receipt", ("861",)),
    DocumentType(OnHandSnapshot, "on-hand-snapshot", ("846",)),
)
DOCUMENT_CLASSES: tuple[type[Canonical], ...] = tuple(t.cls for t in DOCUMENT_TYPES)
BY_NAME: dict[str, DocumentType] = {t.name: t for t in DOCUMENT_TYPES}


def document_type(name: str) -> DocumentType:
    """The document type called `name` (a class name such as "Receipt"); KeyError naming the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a canonical document type; known: {', '.join(BY_NAME)}") from None


def carried_by(set_id: str) -> tuple[DocumentType, ...]:
    """The document types an X12 set carries (an 860 carries four)."""
    return tuple(t for t in DOCUMENT_TYPES if set_id in t.sets)


def meant_by(set_id: str) -> DocumentType | None:
    """The type a bare document of `set_id` means: the one type whose first set it is (an 850 is a
    PurchaseOrderVersion, though it also carries confirmations); None when several are (an 860)."""
    carried = carried_by(set_id)
    first = [t for t in carried if t.sets[0] == set_id] if len(carried) > 1 else carried
    return first[0] if len(first) == 1 else None
