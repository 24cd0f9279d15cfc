"""What every lifecycle service shares: finding and locking a PO, line conversions, the event log."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Integer, Row, Select, and_, bindparam, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from gateway.canonical import Charge, Dimensions, Note, OrderLine, ProductId
from gateway.db import Encoded, json_loads
from gateway.errors import BusinessError, Refusal, UnknownPO
from gateway.lifecycle import batch as batches
from gateway.lifecycle.bulk import insert_family, update_rows
from gateway.lifecycle.tables import CONFIRMATION_T, EVENT_T, LINE_T, PO_T, RESPONSE_T, VERSION_T
from gateway.models import (
    PartnerLink,
    PoState,
    PoVersion,
    PurchaseOrder,
    TradingPartner,
    utcnow,
)

DIMENSIONS = ("site", "warehouse", "color", "size", "style", "configuration")


def require_parties(customer: str | None, vendor: str | None, what: str) -> tuple[str, str]:
    if not customer or not vendor:
        raise BusinessError(Refusal.NOT_LINKED, f"{what}: the customer and the vendor must both be known")
    return customer, vendor


def check_link(session: Session, customer: str, vendor: str) -> None:
    """The customer must exist and trade with this vendor (the partners file says who trades with whom)."""
    batch = batches.current(session)
    if batch is not None and (customer, vendor) in batch.links:
        return
    found = session.connection().execute(_LINK, {"customer": customer, "vendor": vendor}).first()
    if found is not None:
        if batch is not None:
            batch.links.add((customer, vendor))
        return  # links are only made between a known customer and a known vendor (bootstrap.sync_partners)
    for pid, role in ((customer, "customer"), (vendor, "vendor")):
        partner = session.get(TradingPartner, pid)
        if partner is None or partner.role != role:
            raise BusinessError(Refusal.NOT_LINKED, f"{pid} is not a {role} known to the gateway")
    raise BusinessError(Refusal.NOT_LINKED, f"vendor {vendor} does not trade with customer {customer}")


# The hot path reads and writes with Core statements: the services hold plain (transient) model objects, never
# tracked by the session, and write every change explicitly (save_po), so no unit-of-work flush runs.
LATEST = -1  # locate(version=LATEST): the PO's latest version

# Statements built once: building one per call (and hashing its literal values for the compiled-statement cache)
# cost as much as running it.
_LINK = sa_select(PartnerLink.__table__.c.customer_id).where(  # type: ignore[attr-defined]
    PartnerLink.__table__.c.customer_id == bindparam("customer"),  # type: ignore[attr-defined]
    PartnerLink.__table__.c.vendor_id == bindparam("vendor"))  # type: ignore[attr-defined]
_VERSION_WITH_ANSWERS = batches.VERSIONS_WITH_ANSWERS.where(VERSION_T.c.po_id == bindparam("po_id"),
                                                             VERSION_T.c.version == bindparam("version"))
_LINES = sa_select(LINE_T).where(LINE_T.c.version_id == bindparam("version_id")).order_by(LINE_T.c.id)
_STORED_LINES = batches.STORED_LINES.where(LINE_T.c.version_id == bindparam("version_id")).order_by(LINE_T.c.id)
_LINE_JSON = tuple(c.name for c in LINE_T.c if isinstance(c.type, JSON))
_INSERT_EVENT = insert(EVENT_T)


@functools.cache
def _po_query(by_customer: bool, by_vendor: bool, lock: bool, joined: bool = False) -> Select[Any]:
    query = sa_select(PO_T).where(PO_T.c.po_number == bindparam("po_number"))
    if joined:  # with the version asked for (the latest when the parameter is NULL) and its answers
        number = func.coalesce(bindparam("version", type_=Integer), PO_T.c.latest_version)
        query = (sa_select(*(c.label(f"po_{c.name}") for c in PO_T.c), *_VERSION_WITH_ANSWERS.selected_columns)
                 .select_from(PO_T.outerjoin(VERSION_T, and_(VERSION_T.c.po_id == PO_T.c.id,
                                                             VERSION_T.c.version == number))
                              .outerjoin(RESPONSE_T, RESPONSE_T.c.version_id == VERSION_T.c.id)
                              .outerjoin(CONFIRMATION_T, CONFIRMATION_T.c.version_id == VERSION_T.c.id))
                 .where(PO_T.c.po_number == bindparam("po_number")))
    if by_customer:
        query = query.where(PO_T.c.customer_id == bindparam("customer"))
    if by_vendor:
        query = query.where(PO_T.c.vendor_id == bindparam("vendor"))
    if lock:
        query = query.with_for_update()
    return query.limit(2)


VersionRow = Row[Any]  # a po_version row read with Core (attribute access like PoVersion)


@dataclass
class Located:
    """A PO (locked) with one of its versions and that version's response and confirmation, read at once."""

    po: PurchaseOrder
    version: VersionRow | None = None
    response_id: int | None = None
    response_status: str | None = None
    confirmation_id: int | None = None


def locate(session: Session, po_number: str, customer: str | None, vendor: str | None, *,
           version: int | None = None, lock: bool = True) -> Located:
    """The PO, locked for the rest of the transaction so that versions of one PO apply one at a time.

    With `version` (a number, or LATEST), one more query reads that version, its response and whether it is
    confirmed. On PostgreSQL it must be a statement of its own: a statement that waited for the row lock still
    sees the other tables as they were when it started, so a join would miss what the lock holder just wrote.
    SQLite transactions start with BEGIN IMMEDIATE (gateway.db): nothing can change once one runs, so there
    one joined query reads it all. In a batch (gateway.lifecycle.batch) a held PO, and its version when read
    ahead, come from the batch without a statement.
    """
    conn = session.connection()
    params = {"po_number": po_number, "customer": customer, "vendor": vendor}
    batch = batches.current(session)
    po = batch.po(customer, po_number) if batch is not None and customer else None
    if batch is not None and not customer:
        batch.write(session)  # found by number alone: the row read must hold what the batch changed
    if po is not None and vendor and po.vendor_id != vendor:
        raise UnknownPO(po_number, customer)
    if po is None:
        if version is not None and conn.dialect.name == "sqlite":
            located = _locate_joined(conn, params, version,
                                     _po_query(bool(customer), bool(vendor), lock, joined=True))
            if batch is not None and lock:  # held means locked: only a locked read is kept
                batch.hold(located.po)
            return located
        found = _the_one(conn.execute(_po_query(bool(customer), bool(vendor), lock), params).all(), params)
        po = batches.loaded(PurchaseOrder, found._mapping)
        if batch is not None and lock:
            batch.hold(po)
    located = Located(po)
    if version is None:
        return located
    number = po.latest_version if version == LATEST else version
    row = batch.version(session, po, number) if batch is not None else None
    if row is None:
        row = conn.execute(_VERSION_WITH_ANSWERS, {"po_id": po.id, "version": number}).first()
    if row is None:
        return located
    located.version = row
    located.response_id, located.response_status = row.response_id, row.response_status
    located.confirmation_id = row.confirmation_id
    return located


def _the_one(found: Sequence[Row[Any]], params: dict[str, Any]) -> Row[Any]:
    if not found:
        raise UnknownPO(params["po_number"], params["customer"])
    if len(found) > 1:
        raise BusinessError(Refusal.AMBIGUOUS_PO, f"PO {params['po_number']} exists for several customers; "
                                            f"name the customer")
    return found[0]


def _locate_joined(conn: Connection, params: dict[str, Any], version: int, query: Select[Any]) -> Located:
    row = _the_one(conn.execute(query, {**params, "version": None if version == LATEST else version}).all(), params)
    mapping = row._mapping
    located = Located(batches.loaded(PurchaseOrder, {c.name: mapping[f"po_{c.name}"] for c in PO_T.c}))
    if row.id is not None:
        located.version = row
        located.response_id, located.response_status = row.response_id, row.response_status
        located.confirmation_id = row.confirmation_id
    return located


def find_po(session: Session, po_number: str, customer: str | None, vendor: str | None,
            *, lock: bool = True) -> PurchaseOrder:
    """The PO (a plain object: changes to it are written with save_po), locked unless `lock` is False."""
    return locate(session, po_number, customer, vendor, lock=lock).po


def save_po(session: Session, po: PurchaseOrder) -> None:
    """Write what the services change on a PO (one UPDATE, the same statement every time); in a batch, at the
    batch's end, with the batch's other POs."""
    batch = batches.current(session)
    if batch is not None:
        batch.save(po)
        return
    update_rows(session, PO_T, [batches.po_row(po)])


def refuse_if_closed(po: PurchaseOrder, what: str) -> None:
    if po.state == PoState.CANCELLED:
        raise BusinessError(Refusal.CANCELLED, f"PO {po.po_number} is cancelled; {what} is not possible")


def require_version(po: PurchaseOrder, number: int, version: VersionRow | None) -> VersionRow:
    if version is None:
        raise BusinessError(Refusal.UNKNOWN_VERSION, f"PO {po.po_number} has no version {number} "
                                               f"(latest is {po.latest_version})")
    return version


def version_row(session: Session, po: PurchaseOrder, version: int) -> PoVersion:
    row = session.exec(select(PoVersion).where(PoVersion.po_id == po.id, PoVersion.version == version)).first()
    if row is None:
        raise BusinessError(Refusal.UNKNOWN_VERSION, f"PO {po.po_number} has no version {version} "
                                               f"(latest is {po.latest_version})")
    return row


LineRow = Row[Any]  # a po_line row read with Core: attribute access like PoLine, without ORM bookkeeping
Line = OrderLine | LineRow  # a line of a new version: as given, or copied as stored (`stored_lines`)


def lines_of(session: Session, version: PoVersion | VersionRow) -> list[LineRow]:
    """The version's lines, their JSON columns decoded."""
    return list(session.connection().execute(_LINES, {"version_id": version.id}).all())


def stored_lines(session: Session, version: PoVersion | VersionRow) -> list[LineRow]:
    """The version's lines as stored: their JSON columns are the stored text, not decoded (`decoded` reads one),
    so that a line copied into the next version is neither decoded nor encoded again. Read ahead in a batch."""
    batch = batches.current(session)
    found = batch.lines_of(session, version.id) if batch is not None and version.id is not None else None
    if found is not None:
        return found
    return list(session.connection().execute(_STORED_LINES, {"version_id": version.id}).all())


def decoded(value: Any) -> Any:
    """A JSON column's value, read as stored (text) or decoded already."""
    return json_loads(value) if isinstance(value, str) else value


def insert_version(session: Session, values: dict[str, Any], lines: Iterable[Line]) -> int:
    """A version row and all its lines at once (versions of hundreds of lines are the hot path); its id."""
    return insert_family(session, VERSION_T, values, LINE_T, "version_id", [line_row(line) for line in lines])


def line_row(line: Line) -> dict[str, Any]:
    """A po_line row of `line`, but its version_id: a copied line's columns as stored, its JSON as read."""
    if isinstance(line, OrderLine):
        return line_values(line)
    values = line._asdict()
    del values["id"], values["version_id"]
    for name in _LINE_JSON:
        values[name] = Encoded(values[name])
    return values


def check_lines(po_number: str, lines: Sequence[Line]) -> None:
    if not lines:
        raise BusinessError(Refusal.NO_LINES, f"PO {po_number}: a version must have at least one line")
    seen: set[str] = set()
    for line in lines:
        if line.line_number in seen:
            raise BusinessError(Refusal.DUPLICATE_LINE, f"PO {po_number} line {line.line_number}: appears twice")
        seen.add(line.line_number)
        if line.quantity <= 0:
            raise BusinessError(Refusal.INVALID_QUANTITY, f"PO {po_number} line {line.line_number}: quantity "
                                                f"{line.quantity} must be greater than zero")
        if line.unit_price is not None and line.unit_price < 0:
            raise BusinessError(Refusal.INVALID_PRICE, f"PO {po_number} line {line.line_number}: unit price "
                                             f"{line.unit_price} is negative")


def line_values(line: OrderLine) -> dict[str, Any]:
    """A po_line row of `line`, but its version_id."""
    dims = line.dimensions
    return {
        "line_number": line.line_number, "quantity": line.quantity, "uom": line.uom,
        "unit_price": line.unit_price, "buyer_item": line.buyer_item, "vendor_item": line.vendor_item,
        "upc": line.upc, "product_ids": dump_all(line.product_ids), "description": line.description,
        "requested_delivery_date": line.requested_delivery_date,
        **{d: getattr(dims, d) for d in DIMENSIONS},
        "notes": dump_all(line.notes), "charges": dump_all(line.charges),
    }


def row_to_line(row: LineRow) -> OrderLine:
    """A stored line (from `lines_of` or `stored_lines`) as a canonical one. It was validated when stored, so it is
    not validated again."""
    notes, charges = decoded(row.notes), decoded(row.charges)
    return OrderLine.model_construct(
        line_number=row.line_number, quantity=Decimal(row.quantity), uom=row.uom,
        unit_price=None if row.unit_price is None else Decimal(row.unit_price),
        buyer_item=row.buyer_item, vendor_item=row.vendor_item, upc=row.upc,
        product_ids=tuple(ProductId.model_validate(p) for p in decoded(row.product_ids) or ()),
        description=row.description, requested_delivery_date=row.requested_delivery_date,
        dimensions=Dimensions.model_construct(**{d: getattr(row, d) for d in DIMENSIONS}),
        notes=tuple(Note.model_validate(n) for n in notes) if notes else (),
        charges=tuple(Charge.model_validate(c) for c in charges) if charges else (),
        attachments=(),
    )


def dump_all(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", exclude_none=True) for item in items] if items else []


def same_charges(a: Iterable[Charge], b: Iterable[Charge]) -> bool:
    def key(c: Charge) -> tuple[str, str, Decimal]:
        return (c.indicator, c.code, c.amount.normalize())
    return sorted(map(key, a)) == sorted(map(key, b))


def log(session: Session, po: PurchaseOrder, kind: str, detail: str, source: str,
        version: int | None = None) -> None:
    assert po.id is not None
    event = {"po_id": po.id, "vendor_id": po.vendor_id, "customer_id": po.customer_id, "at": utcnow(), "kind": kind,
             "version": version, "detail": detail, "source": source}
    batch = batches.current(session)
    if batch is not None:
        batch.events.append(event)  # written with the batch's others, in this order
        return
    session.connection().execute(_INSERT_EVENT, event)


def touch(po: PurchaseOrder, state: PoState | None = None) -> None:
    if state is not None:
        po.state = state
    po.updated_at = utcnow()


def sequence_key(value: str) -> tuple[int, int | str]:
    """Order change sequences numerically when they are numbers (BCH05 is AN 1/8: '9' < '10')."""
    stripped = value.strip()
    return (0, int(stripped)) if stripped.isdigit() else (1, stripped)


def check_sequence(po: PurchaseOrder, sequence: str | None) -> None:
    """BCH05, when present, must be higher than the last one received, else the change is out of order."""
    if sequence is None or po.last_change_sequence is None:
        return
    if sequence_key(sequence) <= sequence_key(po.last_change_sequence):
        raise BusinessError(
            Refusal.OUT_OF_ORDER,
            f"PO {po.po_number}: change sequence {sequence} is not higher than the last one received "
            f"({po.last_change_sequence}); the change is refused as out of order",
        )
