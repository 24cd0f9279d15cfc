"""Many sets in one unit of work: the pipeline's batches (and `bench/lifecycle.py --batch`).

A batch applies every set as if each had its own savepoint, for the price of one:

- `held(session, keys)` locks the batch's existing PO rows in one statement, in key order (customer, PO number),
  so two interchanges touching the same POs never wait on each other in a circle, and keeps them: a service
  locating one of them reads no row, and its changes (`save_po`) and history events (`log`) wait in the batch
  to be written at its end, the PO rows in one UPDATE and the events in one INSERT (gateway.lifecycle.bulk).
- What the services read next is read ahead for every held PO in one statement, the first time one asks: the
  latest versions with their response and confirmation, then those versions' lines, then their lines with the
  vendor's answers (a PO saved forgets its versions read ahead, since an answer may have joined them).
- `apply_sets` takes the optimistic path: every set under one savepoint. Only when a set is refused (or cannot
  be written) is the batch rolled back to that savepoint and run again one savepoint per set, so a refused set
  never undoes its neighbours and its refusal keeps its code.

Services outside a batch (`lifecycle.apply`, the API) write at once, as before. Everything written ahead of
the batch's end is read back through `locate` (which looks here first), never by a statement of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    true,
    tuple_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session

from gateway.errors import BusinessError
from gateway.lifecycle.bulk import ahead, insert_rows, settle, update_rows
from gateway.lifecycle.tables import (
    CONFIRMATION_T,
    EVENT_T,
    LINE_T,
    PO_T,
    RESPONSE_LINE_T,
    RESPONSE_T,
    VERSION_T,
)
from gateway.models import PurchaseOrder

KEY = "gateway.lifecycle.batch"  # where a session holds its batch (Session.info)


def _among(postgres: bool, *columns: ColumnElement[Any]) -> ColumnElement[bool]:
    """`columns` among the tuples of parameter "keys" (see `_keys`). On PostgreSQL it is one array a column, so the
    statement's text is the same whatever their number: psycopg converts it once and prepares it; elsewhere an
    expanding IN (on SQLite a statement costs no round trip)."""
    if not postgres:
        return (tuple_(*columns) if len(columns) > 1 else columns[0]).in_(bindparam("keys", expanding=True))
    arrays = [bindparam(f"keys{i}", type_=ARRAY(column.type)) for i, column in enumerate(columns)]
    if len(columns) == 1:
        return columns[0] == any_(arrays[0])
    keys = func.unnest(*arrays).table_valued(*(f"k{i}" for i in range(len(columns)))).render_derived("keys")
    return tuple_(*columns).in_(sa_select(*keys.c))


def _keys(postgres: bool, keys: Sequence[Any]) -> dict[str, Any]:
    """The parameters of `_among`: tuples (or single values) of keys."""
    if not postgres:
        return {"keys": keys}
    if not keys or not isinstance(keys[0], tuple):
        return {"keys0": list(keys)}
    return {f"keys{i}": list(column) for i, column in enumerate(zip(*keys, strict=True))}


def _lock(postgres: bool) -> Select[Any]:
    return (sa_select(PO_T).where(_among(postgres, PO_T.c.customer_id, PO_T.c.po_number))
            .order_by(PO_T.c.customer_id, PO_T.c.po_number).with_for_update())

# Versions with their response (one at most) and confirmation; callers add the WHERE clause.
VERSIONS_WITH_ANSWERS: Select[Any] = (
    sa_select(VERSION_T, RESPONSE_T.c.id.label("response_id"), RESPONSE_T.c.status.label("response_status"),
              CONFIRMATION_T.c.id.label("confirmation_id"))
    .select_from(VERSION_T.outerjoin(RESPONSE_T, RESPONSE_T.c.version_id == VERSION_T.c.id)
                 .outerjoin(CONFIRMATION_T, CONFIRMATION_T.c.version_id == VERSION_T.c.id)))
# Lines, each with the vendor's answer to it (its version's response's line of the same number), if any: what a
# confirmation takes of them (the lines' JSON columns are not read; the answer's schedule is read as text, copied
# as stored).
_LINE_COLUMNS = tuple(LINE_T.c[name] for name in ("id", "version_id", "line_number", "quantity", "uom", "unit_price",
                                                  "buyer_item", "vendor_item", "description",
                                                  "requested_delivery_date"))
_ANSWER_COLUMNS = (RESPONSE_LINE_T.c.id.label("answer_id"), RESPONSE_LINE_T.c.status.label("answer_status"),
                   cast(RESPONSE_LINE_T.c.schedule, Text).label("answer_schedule"),  # as stored: gateway.db.Encoded
                   RESPONSE_LINE_T.c.substitute_item.label("answer_substitute_item"),
                   RESPONSE_LINE_T.c.substitute_description.label("answer_substitute_description"))
LINES_WITH_ANSWERS: Select[Any] = sa_select(*_LINE_COLUMNS, *_ANSWER_COLUMNS)


def _versions_ahead(postgres: bool) -> Select[Any]:
    return VERSIONS_WITH_ANSWERS.where(_among(postgres, VERSION_T.c.po_id, VERSION_T.c.version))


# A version's lines as stored, their JSON columns as text, not decoded: a change copies most of them unchanged
# into the next version, a response checks a few columns (gateway.lifecycle.common.stored_lines).
STORED_LINES: Select[Any] = sa_select(*(cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c
                                        for c in LINE_T.c))


def _lines_ahead(postgres: bool) -> Select[Any]:
    return STORED_LINES.where(_among(postgres, LINE_T.c.version_id)).order_by(LINE_T.c.id)


def _answered_ahead(postgres: bool) -> Select[Any]:
    if postgres:
        return _answered_by_key()
    return (LINES_WITH_ANSWERS.select_from(
    LINE_T.join(RESPONSE_T, RESPONSE_T.c.version_id == LINE_T.c.version_id)
    .outerjoin(RESPONSE_LINE_T, and_(RESPONSE_LINE_T.c.response_id == RESPONSE_T.c.id,
                                     RESPONSE_LINE_T.c.line_number == LINE_T.c.line_number)))
        .where(_among(postgres, RESPONSE_T.c.id)).order_by(LINE_T.c.id))


def _answered_by_key() -> Select[Any]:
    """`_answered_ahead` on PostgreSQL, walked from the keys: each response found by its id, its version's lines by
    version id, each line's answer by (response id, line number), three index lookups a key, whatever the tables'
    statistics say (a new database's tables are not analysed for a minute, and a joined response_line was read
    whole even once they were)."""
    keys = func.unnest(bindparam("keys0", type_=ARRAY(RESPONSE_T.c.id.type))).table_valued("id").render_derived("k")
    response = _by_key(sa_select(RESPONSE_T.c.id, RESPONSE_T.c.version_id).where(RESPONSE_T.c.id == keys.c.id),
                       "r")
    line = _by_key(sa_select(*_LINE_COLUMNS)
                   .where(LINE_T.c.version_id == response.c.version_id), "l")
    answer = _by_key(sa_select(*_ANSWER_COLUMNS)
                     .where(RESPONSE_LINE_T.c.response_id == response.c.id,
                            RESPONSE_LINE_T.c.line_number == line.c.line_number), "a")
    return (sa_select(*line.c, *answer.c).select_from(keys.join(response, true()).join(line, true())
                                                       .outerjoin(answer, true()))
            .order_by(line.c.id))


def _by_key(query: Select[Any], name: str) -> Any:
    """`query` as a LATERAL subquery run once a row on its left. OFFSET 0 keeps PostgreSQL from pulling it up into
    the join, where it may choose to read the whole table and hash it."""
    return query.offset(literal_column("0")).lateral(name)


_STATEMENTS = {name: (build(False), build(True)) for name, build in (
    ("lock", _lock), ("versions", _versions_ahead), ("lines", _lines_ahead), ("answered", _answered_ahead))}


def _read(session: Session, name: str, keys: Sequence[Any]) -> Sequence[Row[Any]]:
    """Run statement `name` for `keys`, in the session's dialect."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    return conn.execute(_STATEMENTS[name][postgres], _keys(postgres, keys)).all()

Key = tuple[str, str]  # (customer, PO number): unique
T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M")


def loaded(model: type[M], values: Mapping[Any, Any]) -> M:
    """A model object holding a row's `values` (every column), made as the session makes the rows it loads:
    without SQLModel's __init__, which costs more than reading the row. Not attached to any session."""
    obj: M = _manager(model).new_instance()  # type: ignore[arg-type]  # a class is hashable
    obj.__dict__.update(values)
    return obj


@functools.cache
def _manager(model: type[Any]) -> Any:
    configure_mappers()  # what the session does before it loads anything: attributes get their setters
    return model._sa_class_manager


def po_row(po: PurchaseOrder) -> dict[str, Any]:
    """What the services change on a PO, for `bulk.update_rows`."""
    return {"id": po.id, "state": po.state, "latest_version": po.latest_version,
            "last_change_sequence": po.last_change_sequence, "confirmed_version": po.confirmed_version,
            "order_date": po.order_date, "updated_at": po.updated_at}


@dataclass
class Batch:
    """The PO rows a batch holds locked, and what it has yet to write."""

    locked: dict[Key, dict[str, Any]] = field(default_factory=dict)  # as read under the lock, never changed
    pos: dict[Key, PurchaseOrder] = field(default_factory=dict)  # the current state of those held
    dirty: dict[int, PurchaseOrder] = field(default_factory=dict)  # PO id -> PO changed since the last write
    events: list[dict[str, Any]] = field(default_factory=list)
    links: set[tuple[str, str]] = field(default_factory=set)  # (customer, vendor) pairs checked
    # Read ahead when first asked (None: not yet): (PO id, number) -> version with answers; version id -> lines;
    # response id -> its version's lines with the answers.
    versions: dict[tuple[int, int], Row[Any]] | None = None
    lines: dict[int, list[Row[Any]]] | None = None
    answered: dict[int, list[Row[Any]]] | None = None

    def po(self, customer: str, po_number: str) -> PurchaseOrder | None:
        """The held PO (None: not held; the caller reads and locks it, then `hold`s it)."""
        key = (customer, po_number)
        found = self.pos.get(key)
        if found is None and key in self.locked:
            found = self.pos[key] = loaded(PurchaseOrder, self.locked[key])
        return found

    def hold(self, po: PurchaseOrder) -> None:
        self.pos[(po.customer_id, po.po_number)] = po

    def save(self, po: PurchaseOrder) -> None:
        assert po.id is not None
        self.hold(po)
        self.dirty[po.id] = po
        if self.versions:  # a new version, response or confirmation: what was read ahead of it is old
            for key in [key for key in self.versions if key[0] == po.id]:
                del self.versions[key]

    def version(self, session: Session, po: PurchaseOrder, number: int) -> Row[Any] | None:
        """Version `number` of a held PO with its answers, if read ahead (None: the caller reads it)."""
        if self.versions is None:
            held = [self.po(*key) for key in {*self.locked, *self.pos}]
            keys = [(p.id, p.latest_version) for p in held if p is not None and p.id is not None]
            self.versions = {(row.po_id, row.version): row for row in _read(session, "versions", keys)} if keys else {}
        return self.versions.get((po.id, number)) if po.id is not None else None

    def lines_of(self, session: Session, version_id: int) -> list[Row[Any]] | None:
        """The lines of a version read ahead, as stored (None: the caller reads them)."""
        if self.versions is None:
            return None  # they are read ahead for the versions read ahead
        if self.lines is None:
            ids = [row.id for row in self.versions.values()]
            self.lines = {i: [] for i in ids}
            if ids:
                for row in _read(session, "lines", ids):
                    self.lines[row.version_id].append(row)
        return self.lines.get(version_id)

    def answered_lines(self, session: Session, response_id: int) -> list[Row[Any]] | None:
        """The lines of the version `response_id` answers, each with its answer (None: the caller reads them)."""
        if self.versions is None:
            return None
        if self.answered is None:
            ids = [row.response_id for row in self.versions.values() if row.response_id is not None]
            self.answered = {i: [] for i in ids}
            by_version = {row.id: row.response_id for row in self.versions.values()}
            if ids:
                for row in _read(session, "answered", ids):
                    self.answered[by_version[row.version_id]].append(row)
        return self.answered.get(response_id)

    def write(self, session: Session) -> None:
        """Write the changed PO rows and the events waiting (two statements at most), and settle the writes sent
        ahead (raising what the database refused)."""
        if self.dirty:
            update_rows(session, PO_T, [po_row(po) for po in self.dirty.values()])
            self.dirty.clear()
        if self.events:
            insert_rows(session, EVENT_T, self.events)
            self.events.clear()
        settle(session)

    def rolled_back(self, *, keep_locked: bool) -> None:
        """After a rollback to a savepoint: forget what waited and the held POs' state. The rows read under the
        lock still hold when nothing was written since (`keep_locked`); else each PO is read again."""
        self.pos.clear()
        self.dirty.clear()
        self.events.clear()
        self.versions = self.lines = self.answered = None
        if not keep_locked:
            self.locked.clear()


def current(session: Session) -> Batch | None:
    batch: Batch | None = session.info.get(KEY)
    return batch


@contextmanager
def held(session: Session, keys: Iterable[Key]) -> Iterator[Batch]:
    """A batch over `session`: the existing POs of `keys` locked (in key order) and held; what the services
    change is written when the block ends (nothing when it raises: the unit of work rolls back)."""
    if current(session) is not None:
        raise RuntimeError("a batch is already open on this session")
    batch = Batch()
    wanted = sorted({key for key in keys if all(key)})  # documents without a PO lock nothing
    if wanted:
        for row in _read(session, "lock", wanted):
            batch.locked[(row.customer_id, row.po_number)] = dict(row._mapping)
    session.info[KEY] = batch
    try:
        yield batch
        batch.write(session)
    finally:
        session.info.pop(KEY, None)


def apply_sets(session: Session, sets: Sequence[T], apply_one: Callable[[T], R],
               refuse: Callable[[T, Exception], R], refusals: tuple[type[Exception], ...] = (BusinessError,)
               ) -> list[R]:
    """`apply_one` for every set, in order, in the open batch, each as if under its own savepoint: a set that
    raises one of `refusals` leaves no trace and gets `refuse(set, error)` (called outside any savepoint)
    instead, and its neighbours apply. One savepoint for all first, their writes sent ahead (`bulk.ahead`: no
    insert waits for its answer); one savepoint per set, each write answered at once, only after a refusal."""
    batch = current(session)
    if batch is None:
        raise RuntimeError("apply_sets needs a batch: open one with lifecycle.batch.held")
    try:
        with ahead(session, len(sets)), session.begin_nested():
            results = [apply_one(item) for item in sets]
            batch.write(session)
        return results
    except refusals + (IntegrityError,):  # IntegrityError: a write under a new PO found existing once settled
        batch.rolled_back(keep_locked=True)  # back where the lock left them: the read-ahead still holds
    results = []
    for item in sets:  # each write waits for its answer: a refusal is this set's
        try:
            with session.begin_nested():
                result = apply_one(item)
                batch.write(session)
        except refusals as error:
            batch.rolled_back(keep_locked=False)
            result = refuse(item, error)
            batch.write(session)  # what the refusal logged, before the next set's savepoint
        results.append(result)
    return results
