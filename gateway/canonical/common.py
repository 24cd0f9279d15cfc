"""Small value types shared by every canonical document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The sets of field names pydantic records per instance (`model_fields_set`), one shared object per distinct set:
# a PO of 200,000 lines would otherwise hold 200,000 equal sets of ~700 bytes. Sharing is safe because canonical
# models are frozen (pydantic adds to the set only on assignment) and model_copy copies the set before
# changing it. Bounded: past the limit, new kinds of sets are no longer shared.
_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_FIELD_SETS_KEPT = 4096


class Canonical(BaseModel):
    """Base of canonical documents: immutable, no unknown fields, JSON with Decimals as strings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        fields_set = self.__pydantic_fields_set__
        key = frozenset(fields_set)
        shared = _FIELD_SETS.get(key)
        if shared is None:
            if len(_FIELD_SETS) >= _FIELD_SETS_KEPT:
                return
            shared = _FIELD_SETS[key] = fields_set
        object.__setattr__(self, "__pydantic_fields_set__", shared)


class Dimensions(Canonical):
    """The six product dimensions of the seed; any may be absent."""

    site: str | None = None
    warehouse: str | None = None
    color: str | None = None
    size: str | None = None
    style: str | None = None
    configuration: str | None = None


class Note(Canonical):
    """Free text on a header or a line (X12 N9/MSG)."""

    text: str = Field(min_length=1)
    code: str | None = None  # N901 reference qualifier when it came from X12, e.g. "L1"


class Attachment(Canonical):
    """A file attached to a PO or a response. X12 carries only a reference (PWK); the bytes travel out of band."""

    file_name: str = Field(min_length=1)
    media_type: str = "application/octet-stream"
    size: int | None = Field(default=None, ge=0)
    sha256: str | None = None
    content_b64: str | None = None  # the bytes, base64, when they came with the document (API, XML)
    report_type: str | None = None  # PWK01, e.g. "BE" (specifications), when it came from X12


class Charge(Canonical):
    """An allowance or charge (X12 SAC). Vendors cannot change these."""

    code: str  # SAC02, e.g. "D240" freight
    amount: Decimal
    indicator: str = "C"  # SAC01: C charge, A allowance
    description: str | None = None


class Party(Canonical):
    """A named party of the PO (buyer, ship-to...), X12 N1."""

    name: str | None = None
    id_qualifier: str | None = None  # N103
    id: str | None = None  # N104
    address: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
