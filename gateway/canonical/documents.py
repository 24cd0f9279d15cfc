"""The canonical business documents of the vendor-collaboration workflow (DESIGN section 2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from gateway.canonical.common import Attachment, Canonical, Charge, Dimensions, Note, Party
from gateway.canonical.products import ANY_ITEM_FIELDS, ORDER_ITEM_FIELDS, ProductId, reconciled_line

Quantity = Decimal


class OrderKind(StrEnum):
    STANDARD = "standard"
    CONSIGNMENT = "consignment"


class VersionPurpose(StrEnum):
    """How a version arrived: an original (850 00), a change of the previous one (860 04), a replace (850/860 05)."""

    ORIGINAL = "original"
    CHANGE = "change"
    REPLACE = "replace"


class OrderLine(Canonical):
    line_number: str = Field(min_length=1, max_length=20)
    quantity: Quantity
    uom: str = "EA"
    unit_price: Decimal | None = None
    buyer_item: str | None = None
    vendor_item: str | None = None
    upc: str | None = None
    product_ids: tuple[ProductId, ...] = ()  # every id pair as sent, in order (gateway/canonical/products.py)
    description: str | None = None
    requested_delivery_date: date | None = None
    dimensions: Dimensions = Dimensions()
    notes: tuple[Note, ...] = ()
    charges: tuple[Charge, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _ids_agree(cls, data: Any) -> Any:
        return reconciled_line(data, ORDER_ITEM_FIELDS)


class PurchaseOrderVersion(Canonical):
    """A full statement of a PO: an original (version 1) or a replace of the previous version."""

    po_number: str = Field(min_length=1, max_length=22)
    purpose: VersionPurpose = VersionPurpose.ORIGINAL
    kind: OrderKind = OrderKind.STANDARD
    customer: str | None = None
    vendor: str | None = None
    change_sequence: str | None = None  # BCH05 / the customer's own version key
    order_date: date | None = None
    currency: str | None = None
    buyer: Party | None = None
    ship_to: Party | None = None
    site: str | None = None
    warehouse: str | None = None
    requested_delivery_date: date | None = None
    payment_terms: str | None = None
    notes: tuple[Note, ...] = ()
    charges: tuple[Charge, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    lines: tuple[OrderLine, ...] = ()


class ChangeCode(StrEnum):
    """What an 860 POC line does to the previous version (X12 670, the subset the lifecycle applies)."""

    ADD = "add"  # AI
    DELETE = "delete"  # DI
    QUANTITY = "quantity"  # QI, QD
    DATE = "date"  # CT, RS
    PRICE = "price"  # PC
    REPLACE = "replace"  # CA, RZ, PQ, RQ, MU...: every given field replaces the previous value
    NO_CHANGE = "no_change"  # NC


class LineChange(Canonical):
    """One POC delta. Fields left `None` keep the previous version's value."""

    line_number: str = Field(min_length=1, max_length=20)
    change: ChangeCode
    x12_code: str | None = None  # POC02 as received, for the history
    quantity: Quantity | None = None
    uom: str | None = None
    unit_price: Decimal | None = None
    buyer_item: str | None = None
    vendor_item: str | None = None
    upc: str | None = None
    product_ids: tuple[ProductId, ...] | None = None  # the pairs the POC names; None keeps the line's
    description: str | None = None
    requested_delivery_date: date | None = None
    dimensions: Dimensions | None = None
    notes: tuple[Note, ...] = ()
    charges: tuple[Charge, ...] | None = None
    attachments: tuple[Attachment, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _ids_agree(cls, data: Any) -> Any:
        return reconciled_line(data, ORDER_ITEM_FIELDS, keep_unset=True)


class PurchaseOrderChange(Canonical):
    """A new version expressed as deltas on the previous one (860 BCH01 04)."""

    po_number: str = Field(min_length=1, max_length=22)
    customer: str | None = None
    vendor: str | None = None
    change_sequence: str | None = None
    order_date: date | None = None
    currency: str | None = None
    requested_delivery_date: date | None = None
    payment_terms: str | None = None
    ship_to: Party | None = None
    notes: tuple[Note, ...] = ()
    charges: tuple[Charge, ...] | None = None
    attachments: tuple[Attachment, ...] = ()
    lines: tuple[LineChange, ...] = ()


class Cancellation(Canonical):
    """The customer cancels the whole PO (860 BCH01 01)."""

    po_number: str
    customer: str | None = None
    vendor: str | None = None
    change_sequence: str | None = None
    reason: str | None = None


class Confirmation(Canonical):
    """The customer confirms the answered version (860 BCH01 06 naming it in BCH05, or the API)."""

    po_number: str
    version: int = Field(ge=1)
    customer: str | None = None
    vendor: str | None = None


class ResponseStatus(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    ACCEPT_WITH_CHANGES = "accept_with_changes"


class LineStatus(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    CHANGE = "change"


class ScheduleLine(Canonical):
    """One confirmed delivery of a line: several of them are a split."""

    quantity: Quantity
    delivery_date: date | None = None


class Substitute(Canonical):
    """The vendor's 'External' item offered instead of the ordered one."""

    vendor_item: str = Field(min_length=1)
    description: str | None = None


class ResponseLine(Canonical):
    """The vendor's answer for one line.

    `unit_price` and `charges` echo the PO; a value that differs from the version is a price change and
    the lifecycle refuses the response.
    """

    line_number: str = Field(min_length=1, max_length=20)
    status: LineStatus
    schedule: tuple[ScheduleLine, ...] = ()
    substitute: Substitute | None = None
    unit_price: Decimal | None = None
    charges: tuple[Charge, ...] | None = None
    uom: str | None = None
    ordered_quantity: Quantity | None = None  # the PO1/POC echo of the ordered quantity (PO102, POC03)
    product_ids: tuple[ProductId, ...] = ()  # the PO1/POC echo: the ids of the ordered line
    notes: tuple[Note, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @property
    def confirmed_quantity(self) -> Quantity | None:
        """The sum of the schedule lines; None when the vendor gave none (an accept keeps the PO quantity)."""
        if self.status is LineStatus.REJECT:
            return Decimal(0)
        if not self.schedule:
            return None
        return sum((s.quantity for s in self.schedule), Decimal(0))


class VendorResponse(Canonical):
    """The vendor's answer to one version of a PO (855, 865 or the API)."""

    po_number: str = Field(min_length=1, max_length=22)
    version: int = Field(default=1, ge=1)
    status: ResponseStatus
    customer: str | None = None
    vendor: str | None = None
    response_date: date | None = None
    vendor_order_number: str | None = None
    update_delivery_date: date | None = None  # "Update delivery date": a confirmed date for every line
    notes: tuple[Note, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    charges: tuple[Charge, ...] | None = None
    lines: tuple[ResponseLine, ...] = ()


class ReceiptLine(Canonical):
    line_number: str = Field(min_length=1, max_length=20)
    quantity: Quantity
    uom: str | None = None
    item: str | None = None
    vendor_item: str | None = None  # the vendor's part number (VP, VN...), so the vendor sees its own
    product_ids: tuple[ProductId, ...] = ()
    description: str | None = None
    dimensions: Dimensions = Dimensions()

    @model_validator(mode="before")
    @classmethod
    def _ids_agree(cls, data: Any) -> Any:
        return reconciled_line(data, ANY_ITEM_FIELDS)


class Receipt(Canonical):
    """Products received against a PO (861); for a consignment PO, an ownership transfer."""

    receipt_number: str = Field(min_length=1)
    po_number: str = Field(min_length=1)
    customer: str | None = None
    vendor: str | None = None
    received_on: date | None = None
    lines: tuple[ReceiptLine, ...] = Field(min_length=1)


class OnHandItem(Canonical):
    item: str = Field(min_length=1)
    quantity: Quantity
    uom: str = "EA"
    vendor_item: str | None = None
    product_ids: tuple[ProductId, ...] = ()
    description: str | None = None
    dimensions: Dimensions = Dimensions()

    @model_validator(mode="before")
    @classmethod
    def _ids_agree(cls, data: Any) -> Any:
        return reconciled_line(data, ANY_ITEM_FIELDS)

    @model_validator(mode="after")
    def _not_negative(self) -> OnHandItem:
        if self.quantity < 0:
            raise ValueError(f"on-hand quantity of {self.item} is negative ({self.quantity})")
        return self


class OnHandSnapshot(Canonical):
    """Vendor-owned stock at one customer warehouse (846): replaces the previous snapshot of that warehouse."""

    warehouse: str = Field(min_length=1)
    customer: str | None = None
    vendor: str | None = None
    as_of: date | None = None
    items: tuple[OnHandItem, ...] = ()
