"""PO versions from the customer: originals, replaces, changes, cancellations (DESIGN section 2, 'Versions')."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session

from gateway.canonical import (
    Attachment,
    Cancellation,
    ChangeCode,
    Charge,
    LineChange,
    OrderKind,
    OrderLine,
    Party,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    VersionPurpose,
)
from gateway.errors import BusinessError, Refusal
from gateway.lifecycle import batch as batches
from gateway.lifecycle.batch import loaded
from gateway.lifecycle.bulk import insert_new_family
from gateway.lifecycle.common import (
    LATEST,
    Line,
    check_lines,
    check_link,
    check_sequence,
    dump_all,
    find_po,
    insert_version,
    line_row,
    locate,
    log,
    refuse_if_closed,
    require_parties,
    require_version,
    row_to_line,
    save_po,
    stored_lines,
    touch,
)
from gateway.lifecycle.tables import LINE_T, PO_T, VERSION_T
from gateway.models import AttachmentRow, PoState, PoVersion, PurchaseOrder, utcnow

ATTACHMENT_T = AttachmentRow.__table__  # type: ignore[attr-defined]

def receive_version(session: Session, doc: PurchaseOrderVersion, source: str) -> PoVersion:
    """An 850 original creates the PO (version 1); a replace (850 BEG01 05, 860 BCH01 05) adds a version."""
    customer, vendor = require_parties(doc.customer, doc.vendor, f"PO {doc.po_number}")
    check_link(session, customer, vendor)
    check_lines(doc.po_number, doc.lines)
    if doc.purpose is VersionPurpose.ORIGINAL:
        return _create(session, doc, customer, vendor, source)
    po = find_po(session, doc.po_number, customer, vendor)
    _check_can_change(po, "a new version")
    check_sequence(po, doc.change_sequence)
    return _add_version(session, po, doc, VersionPurpose.REPLACE, doc.lines, source)


def apply_change(session: Session, doc: PurchaseOrderChange, source: str) -> PoVersion:
    """An 860 change: the POC deltas applied to the previous version make the next one."""
    customer, vendor = require_parties(doc.customer, doc.vendor, f"PO {doc.po_number}")
    located = locate(session, doc.po_number, customer, vendor, version=LATEST)
    po = located.po
    _check_can_change(po, "a change")
    check_sequence(po, doc.change_sequence)
    previous = require_version(po, po.latest_version, located.version)
    lines = apply_deltas(doc.po_number, stored_lines(session, previous), doc.lines)
    check_lines(doc.po_number, lines)
    header = PurchaseOrderVersion(
        po_number=po.po_number, purpose=VersionPurpose.CHANGE, kind=po.kind,
        change_sequence=doc.change_sequence,
        order_date=doc.order_date or previous.order_date,
        currency=doc.currency or previous.currency,
        requested_delivery_date=doc.requested_delivery_date or previous.requested_delivery_date,
        payment_terms=doc.payment_terms or previous.payment_terms,
        buyer=Party.model_validate(previous.buyer) if previous.buyer else None,
        ship_to=doc.ship_to or (Party.model_validate(previous.ship_to) if previous.ship_to else None),
        site=previous.site, warehouse=previous.warehouse,
        notes=doc.notes, attachments=doc.attachments,
        charges=doc.charges if doc.charges is not None else tuple(Charge.model_validate(c) for c in previous.charges),
    )
    return _add_version(session, po, header, VersionPurpose.CHANGE, lines, source)


def apply_deltas(po_number: str, previous: Sequence[Line], changes: Iterable[LineChange]) -> list[Line]:
    """The previous version's lines with each POC delta applied, in order. Unknown lines are refused. A stored
    line (`stored_lines`) no delta changes stays as stored, to be copied as it is."""
    lines = {line.line_number: line for line in previous}
    for change in changes:
        where = f"PO {po_number} line {change.line_number}"
        current = lines.get(change.line_number)
        if change.change is ChangeCode.ADD:
            if current is not None:
                raise BusinessError(Refusal.DUPLICATE_LINE, f"{where}: cannot be added, it already exists")
            if change.quantity is None:
                raise BusinessError(Refusal.INVALID_QUANTITY, f"{where}: an added line needs a quantity")
            lines[change.line_number] = OrderLine(**_given(change))
            continue
        if current is None:
            raise BusinessError(Refusal.UNKNOWN_LINE, f"{where}: no such line in version being changed")
        if change.change is ChangeCode.DELETE:
            del lines[change.line_number]
        elif change.change is not ChangeCode.NO_CHANGE:
            lines[change.line_number] = _changed_line(
                current if isinstance(current, OrderLine) else row_to_line(current), change)
    return list(lines.values())


def _changed_line(current: OrderLine, change: LineChange) -> OrderLine:
    """The line with the delta's values. The ids a POC names are added to the line's (a partner may
    name only the id it changes), and validation brings the ids and the id fields into agreement."""
    update = _given(change)
    if change.product_ids is not None:
        named = {p.qualifier for p in change.product_ids}
        update["product_ids"] = change.product_ids + tuple(p for p in current.product_ids
                                                           if p.qualifier not in named)
    return OrderLine.model_validate({**dict(current), **update})


_NOT_LINE_FIELDS = {"change", "x12_code", "attachments"}  # what the delta is, not what the line becomes


def _given(change: LineChange) -> dict[str, object]:
    """The fields a delta sets; None means 'keep', so only what was given replaces."""
    given = {name: getattr(change, name) for name in LineChange.model_fields if name not in _NOT_LINE_FIELDS}
    # Notes default to none: an empty tuple keeps the line's notes. Charges `()` is given: it removes them all.
    return {name: value for name, value in given.items() if value is not None and (name != "notes" or value)}


def cancel(session: Session, doc: Cancellation, source: str) -> PurchaseOrder:
    """860 BCH01 01: the PO leaves every list but the history."""
    po = find_po(session, doc.po_number, doc.customer, doc.vendor)
    refuse_if_closed(po, "cancelling it again")
    check_sequence(po, doc.change_sequence)
    if doc.change_sequence is not None:
        po.last_change_sequence = doc.change_sequence
    previous = po.state
    touch(po, PoState.CANCELLED)
    save_po(session, po)
    log(session, po, "cancelled", f"cancelled from {previous}" + (f": {doc.reason}" if doc.reason else ""),
        source, po.latest_version)
    return po


def _check_can_change(po: PurchaseOrder, what: str) -> None:
    refuse_if_closed(po, what)
    if po.kind == OrderKind.CONSIGNMENT:
        raise BusinessError(Refusal.CONSIGNMENT, f"PO {po.po_number} is a consignment PO, confirmed from birth; "
                                           f"{what} is not accepted")


def _create(session: Session, doc: PurchaseOrderVersion, customer: str, vendor: str,
            source: str) -> PoVersion:
    consignment = doc.kind is OrderKind.CONSIGNMENT
    now = utcnow()
    po = PurchaseOrder(customer_id=customer, vendor_id=vendor, po_number=doc.po_number, kind=doc.kind,
                       state=PoState.CONFIRMED if consignment else PoState.FOR_REVIEW, latest_version=0,
                       order_date=doc.order_date, created_at=now, updated_at=now)
    version = _add_version(session, po, doc, VersionPurpose.ORIGINAL, doc.lines, source, new=True)
    if consignment:
        from gateway.lifecycle.confirmations import confirm_as_ordered

        confirm_as_ordered(session, po, version, source)
    return version


def _insert_po(session: Session, po: PurchaseOrder, version: dict[str, Any], lines: list[Line]) -> int:
    """Insert a new PO with its first version and lines (one statement on PostgreSQL), or refuse it as a
    duplicate; the version's id. The (customer, po_number) unique constraint settles it, so that two workers
    receiving the same original at once cannot both create it; ON CONFLICT keeps the transaction usable
    (PostgreSQL aborts it on a constraint error) for the lookup that names the existing one."""
    def duplicate() -> BusinessError:
        existing = session.connection().execute(sa_select(PO_T.c.latest_version).where(
            PO_T.c.customer_id == po.customer_id, PO_T.c.po_number == po.po_number)).scalar()
        return BusinessError(Refusal.DUPLICATE_PO, f"PO {po.po_number} of customer {po.customer_id} already exists"
                             + (f" (version {existing}); send a change or a replace" if existing is not None else ""))

    po.id, version_id = insert_new_family(
        session, PO_T, {c.name: getattr(po, c.name) for c in PO_T.c if c.name != "id"}, ("customer_id", "po_number"),
        VERSION_T, "po_id", version, LINE_T, "version_id", [line_row(line) for line in lines], duplicate)
    batch = batches.current(session)
    if batch is not None:
        batch.hold(po)  # written up to date: a later set of the batch finds it here
    return version_id


def _add_version(session: Session, po: PurchaseOrder, doc: PurchaseOrderVersion, arrived_as: VersionPurpose,
                 lines: Iterable[Line], source: str, *, new: bool = False) -> PoVersion:
    """The next version of `po` (of a new PO when `new`: the PO row is then inserted here, already up to date)."""
    number = po.latest_version + 1
    answered_before = po.state
    po.latest_version = number
    if doc.change_sequence is not None:
        po.last_change_sequence = doc.change_sequence
    if doc.order_date:
        po.order_date = doc.order_date
    if po.kind == OrderKind.STANDARD:
        touch(po, PoState.FOR_REVIEW)
    else:
        touch(po)
    if not new:
        save_po(session, po)
    values = {
        "version": number, "arrived_as": arrived_as, "change_sequence": doc.change_sequence,
        "order_date": doc.order_date, "currency": doc.currency,
        "buyer": doc.buyer.model_dump(mode="json") if doc.buyer else None,
        "ship_to": doc.ship_to.model_dump(mode="json") if doc.ship_to else None,
        "site": doc.site, "warehouse": doc.warehouse, "requested_delivery_date": doc.requested_delivery_date,
        "payment_terms": doc.payment_terms, "notes": dump_all(doc.notes), "charges": dump_all(doc.charges),
        "source": source, "received_at": utcnow(),
    }
    line_list = list(lines)
    if new:  # the PO row, already up to date, with its first version
        version_id = _insert_po(session, po, values, line_list)
    else:
        version_id = insert_version(session, {"po_id": po.id, **values}, line_list)
    version = loaded(PoVersion, {**values, "po_id": po.id, "id": version_id})
    store_attachments(session, po, doc.attachments, version_id=version.id)
    for line in line_list:
        if isinstance(line, OrderLine) and line.attachments:  # a copied line's attachments stay on its version
            store_attachments(session, po, line.attachments, version_id=version.id, line_number=line.line_number)
    detail = f"version {number} received ({arrived_as.value}, {len(line_list)} lines)"
    if number > 1 and answered_before == PoState.FOR_REVIEW:
        detail += f"; version {number - 1} was never answered and is superseded"
    log(session, po, "version", detail, source, number)
    return version


def store_attachments(session: Session, po: PurchaseOrder, attachments: Iterable[Attachment], *,
                      version_id: int | None = None, response_id: int | None = None,
                      line_number: str | None = None) -> None:
    assert po.id is not None
    rows = []
    for a in attachments:
        try:
            content = base64.b64decode(a.content_b64, validate=True) if a.content_b64 else None
        except binascii.Error:
            raise BusinessError(Refusal.INVALID_ATTACHMENT,
                f"attachment {a.file_name}: content is not valid base64") from None
        digest = hashlib.sha256(content).hexdigest() if content is not None else a.sha256
        if content is not None and a.sha256 and a.sha256.lower() != digest:
            raise BusinessError(Refusal.INVALID_ATTACHMENT,
                f"attachment {a.file_name}: sha256 does not match its content")
        rows.append({"po_id": po.id, "version_id": version_id, "response_id": response_id,
                     "line_number": line_number, "file_name": a.file_name, "media_type": a.media_type,
                     "size": len(content) if content is not None else a.size, "sha256": digest, "content": content})
    if rows:
        session.connection().execute(insert(ATTACHMENT_T), rows)
