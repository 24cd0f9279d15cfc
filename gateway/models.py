"""The tables (SQLModel). Canonical documents live in gateway.canonical; these store them.

Notes, charges, attachments-by-reference and parties are stored as JSON (they are read whole, never queried);
anything a list filters or orders on is a real, indexed column.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Numeric, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.canonical import LineStatus, OrderKind, ResponseStatus, VersionPurpose


def utcnow() -> datetime:
    return datetime.now(UTC)


def _qty() -> Any:
    return Column(Numeric(18, 4), nullable=False)


def _money() -> Any:
    return Column(Numeric(18, 6), nullable=True)


def _json() -> Any:
    return Column(JSON, nullable=False, default=list)


class PoState(StrEnum):
    """Where a PO stands. 'for_review', 'awaiting_customer' and 'confirmed' are the seed's three lists."""

    FOR_REVIEW = "for_review"  # the latest version awaits the vendor's response
    AWAITING_CUSTOMER = "awaiting_customer"  # the vendor answered the latest version
    CONFIRMED = "confirmed"  # confirmed, not fully received
    RECEIVED = "received"  # confirmed and every line received
    CANCELLED = "cancelled"


class TradingPartner(SQLModel, table=True):
    __tablename__ = "trading_partner"
    id: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)
    name: str
    isa_qualifier: str = Field(max_length=2)
    isa_id: str = Field(max_length=15)
    gs_id: str = Field(max_length=15)
    x12_version: str = Field(max_length=12)
    # The partner's whole record from the partners file (options, delimiters, transport): the synced copy the
    # running processes route and render with (`gateway partners sync` reloads it).
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class PartnerLink(SQLModel, table=True):
    """Which customer trades with which vendor."""

    __tablename__ = "partner_link"
    customer_id: str = Field(foreign_key="trading_partner.id", primary_key=True)
    vendor_id: str = Field(foreign_key="trading_partner.id", primary_key=True)


class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_order"
    __table_args__ = (
        UniqueConstraint("customer_id", "po_number"),
        # The workspace lists filter on state and a party, newest first.
        Index("ix_po_state_updated", "state", "updated_at"),
        Index("ix_po_vendor_state_updated", "vendor_id", "state", "updated_at"),
        Index("ix_po_customer_state_updated", "customer_id", "state", "updated_at"),
        # 'All confirmed' and the consignment list span two states: walk one kind newest first instead.
        Index("ix_po_kind_updated", "kind", "updated_at"),
        Index("ix_po_vendor_kind_updated", "vendor_id", "kind", "updated_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # No index of their own on customer_id and vendor_id: the unique key and the vendor's list indexes lead with
    # them (an index a PO update writes for nothing, since every index of a PO changes when its state does).
    customer_id: str = Field(foreign_key="trading_partner.id")
    vendor_id: str = Field(foreign_key="trading_partner.id")
    po_number: str = Field(max_length=22, index=True)
    kind: OrderKind = Field(default=OrderKind.STANDARD, sa_type=String(16))
    state: PoState = Field(sa_type=String(24))
    latest_version: int = 1
    last_change_sequence: str | None = Field(default=None, max_length=8)
    confirmed_version: int | None = None
    order_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PoVersion(SQLModel, table=True):
    __tablename__ = "po_version"
    __table_args__ = (UniqueConstraint("po_id", "version"),)  # also finds a PO's versions
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id")
    version: int
    arrived_as: VersionPurpose = Field(sa_type=String(16))
    change_sequence: str | None = Field(default=None, max_length=8)
    order_date: date | None = None
    currency: str | None = Field(default=None, max_length=3)
    buyer: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    ship_to: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    site: str | None = None
    warehouse: str | None = None
    requested_delivery_date: date | None = None
    payment_terms: str | None = None
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    charges: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    source: str = ""  # "message 42", "api", ...
    received_at: datetime = Field(default_factory=utcnow)


class PoLine(SQLModel, table=True):
    __tablename__ = "po_line"
    __table_args__ = (UniqueConstraint("version_id", "line_number"),)  # also finds a version's lines
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="po_version.id")
    line_number: str = Field(max_length=20)
    quantity: Decimal = Field(sa_column=_qty())
    uom: str = Field(default="EA", max_length=8)
    unit_price: Decimal | None = Field(default=None, sa_column=_money())
    buyer_item: str | None = None
    vendor_item: str | None = None
    upc: str | None = None
    product_ids: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())  # every id pair, in order
    description: str | None = None
    requested_delivery_date: date | None = None
    site: str | None = None
    warehouse: str | None = None
    color: str | None = None
    size: str | None = None
    style: str | None = None
    configuration: str | None = None
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    charges: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())


class Response(SQLModel, table=True):
    """The vendor's response to one version; one per version at most."""

    __tablename__ = "vendor_response"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="po_version.id", unique=True)
    status: ResponseStatus = Field(sa_type=String(24))
    update_delivery_date: date | None = None
    vendor_order_number: str | None = None
    response_date: date | None = None
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    source: str = ""
    received_at: datetime = Field(default_factory=utcnow)


class ResponseLineRow(SQLModel, table=True):
    __tablename__ = "response_line"
    __table_args__ = (UniqueConstraint("response_id", "line_number"),)  # also finds a response's lines
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="vendor_response.id")
    line_number: str = Field(max_length=20)
    status: LineStatus = Field(sa_type=String(16))
    substitute_item: str | None = None
    substitute_description: str | None = None
    product_ids: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())  # the ids the answer echoes
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    schedule: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())  # [{quantity, delivery_date}]


class AttachmentRow(SQLModel, table=True):
    """A file on a PO version or a response, on the header (line_number None) or a line."""

    __tablename__ = "attachment"
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    version_id: int | None = Field(default=None, foreign_key="po_version.id")
    response_id: int | None = Field(default=None, foreign_key="vendor_response.id")
    line_number: str | None = None
    file_name: str
    media_type: str
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ConfirmationRow(SQLModel, table=True):
    __tablename__ = "confirmation"
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    version_id: int = Field(foreign_key="po_version.id", unique=True)
    with_changes: bool
    source: str = ""
    confirmed_at: datetime = Field(default_factory=utcnow)


class ConfirmedLine(SQLModel, table=True):
    """A line as the customer confirmed it: the vendor's quantities, dates, splits and substitutes included."""

    __tablename__ = "confirmed_line"
    __table_args__ = (UniqueConstraint("confirmation_id", "line_number"),)  # also finds a confirmation's lines
    id: int | None = Field(default=None, primary_key=True)
    confirmation_id: int = Field(foreign_key="confirmation.id")
    line_number: str = Field(max_length=20)
    item: str | None = None
    description: str | None = None
    substituted: bool = False
    quantity: Decimal = Field(sa_column=_qty())
    uom: str = Field(default="EA", max_length=8)
    unit_price: Decimal | None = Field(default=None, sa_column=_money())
    delivery_date: date | None = None
    schedule: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    received_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())


class ReceiptRow(SQLModel, table=True):
    """A receipt (861) against a PO; on a consignment PO, an ownership transfer."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("po_id", "receipt_number"),
        Index("ix_receipt_consignment_recorded", "consignment", "recorded_at"),
        Index("ix_receipt_vendor_consignment_recorded", "vendor_id", "consignment", "recorded_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    vendor_id: str = Field(foreign_key="trading_partner.id", index=True)
    customer_id: str = Field(foreign_key="trading_partner.id")
    receipt_number: str
    consignment: bool = False
    received_on: date | None = None
    source: str = ""
    recorded_at: datetime = Field(default_factory=utcnow, index=True)


class ReceiptLineRow(SQLModel, table=True):
    __tablename__ = "receipt_line"
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    line_number: str = Field(max_length=20)
    quantity: Decimal = Field(sa_column=_qty())
    uom: str | None = None
    item: str | None = None
    vendor_item: str | None = None
    description: str | None = None
    product_ids: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    site: str | None = None
    warehouse: str | None = None
    color: str | None = None
    size: str | None = None
    style: str | None = None
    configuration: str | None = None


class OnHandRow(SQLModel, table=True):
    """Vendor-owned stock at a customer's warehouse; a snapshot per (customer, vendor, warehouse)."""

    __tablename__ = "onhand"
    __table_args__ = (Index("ix_onhand_vendor_warehouse_item", "vendor_id", "warehouse", "item"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="trading_partner.id")
    vendor_id: str = Field(foreign_key="trading_partner.id", index=True)
    warehouse: str = Field(index=True)
    item: str
    vendor_item: str | None = None
    product_ids: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    description: str | None = None
    quantity: Decimal = Field(sa_column=_qty())
    uom: str = Field(default="EA", max_length=8)
    site: str | None = None
    color: str | None = None
    size: str | None = None
    style: str | None = None
    configuration: str | None = None
    as_of: date | None = None
    recorded_at: datetime = Field(default_factory=utcnow)


class PoEvent(SQLModel, table=True):
    """The event log of a PO: what happened, when, and from which message or API call."""

    __tablename__ = "po_event"
    __table_args__ = (
        Index("ix_po_event_vendor_at", "vendor_id", "at"),
        Index("ix_po_event_customer_at", "customer_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    vendor_id: str = Field(max_length=64)  # copied from the PO so the history list needs no join to filter
    customer_id: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(max_length=32)
    version: int | None = None
    detail: str = ""
    source: str = ""


class ControlCounter(SQLModel, table=True):
    """Control numbers (ISA13, GS06, ST02) per partner and kind; allocated under a row lock, never reused."""

    __tablename__ = "control_counter"
    partner_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=8)
    last_value: int = 0
