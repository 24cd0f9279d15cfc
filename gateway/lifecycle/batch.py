"""Many sets in one unit of work: the pipeline's batches (and `bench/lifecycle.py --batch`).

A batch applies every set as if each had its own savepoint, for the price of one:

- `held(session, keys)` locks the batch's existing PO rows in one statement, in key order (customer, PO number),
  so two interchanges touching the same POs never wait on each other in a circle, and keeps them: a service
  locating one of them reads no row, and its changes (`save_po`) and history events (`log`) wait in the batch
  to be written at its end, the PO rows in one executemany and the events in one multi-row INSERT.
- `apply_sets` takes the optimistic path: every set under one savepoint. Only when a set is refused (or cannot
  be written) is the batch rolled back to that savepoint and run again one savepoint per set, so a refused set
  never undoes its neighbours and its refusal keeps its code.

Services outside a batch (`lifecycle.apply`, the API) write at once, as before. Everything written ahead of
the batch's end is read back through `locate` (which looks here first), never by a statement of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, tuple_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session

from gateway.errors import BusinessError
from gateway.models import PartnerLink, PoEvent, PurchaseOrder

PO_T = PurchaseOrder.__table__  # type: ignore[attr-defined]
EVENT_T = PoEvent.__table__  # type: ignore[attr-defined]
LINK_T = PartnerLink.__table__  # type: ignore[attr-defined]
KEY = "gateway.lifecycle.batch"  # where a session holds its batch (Session.info)

# What the services change on a PO (one statement, built once: with many parameter sets it is an executemany).
SAVE_PO = update(PO_T).where(PO_T.c.id == bindparam("po_id"))
# RETURNING makes SQLAlchemy send a batch's events as one multi-row INSERT ("insertmanyvalues").
INSERT_EVENTS = insert(EVENT_T).returning(EVENT_T.c.id, sort_by_parameter_order=True)
_LOCK = (sa_select(PO_T).where(tuple_(PO_T.c.customer_id, PO_T.c.po_number).in_(bindparam("keys", expanding=True)))
         .order_by(PO_T.c.customer_id, PO_T.c.po_number).with_for_update())

Key = tuple[str, str]  # (customer, PO number): unique
T = TypeVar("T")
R = TypeVar("R")


def po_values(po: PurchaseOrder) -> dict[str, Any]:
    return {"po_id": po.id, "state": po.state, "latest_version": po.latest_version,
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

    def po(self, customer: str, po_number: str) -> PurchaseOrder | None:
        """The held PO (None: not held; the caller reads and locks it, then `hold`s it)."""
        key = (customer, po_number)
        found = self.pos.get(key)
        if found is None and key in self.locked:
            found = self.pos[key] = PurchaseOrder(**self.locked[key])
        return found

    def hold(self, po: PurchaseOrder) -> None:
        self.pos[(po.customer_id, po.po_number)] = po

    def save(self, po: PurchaseOrder) -> None:
        assert po.id is not None
        self.hold(po)
        self.dirty[po.id] = po

    def write(self, session: Session) -> None:
        """Write the changed PO rows and the events waiting (two statements at most)."""
        conn = session.connection()
        if self.dirty:
            conn.execute(SAVE_PO, [po_values(po) for po in self.dirty.values()])
            self.dirty.clear()
        if self.events:
            conn.execute(INSERT_EVENTS, self.events).close()
            self.events.clear()

    def rolled_back(self, *, keep_locked: bool) -> None:
        """After a rollback to a savepoint: forget what waited and the held POs' state. The rows read under the
        lock still hold when nothing was written since (`keep_locked`); else each PO is read again."""
        self.pos.clear()
        self.dirty.clear()
        self.events.clear()
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
        for row in session.connection().execute(_LOCK, {"keys": wanted}):
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
    instead, and its neighbours apply. One savepoint for all first; one per set only after a refusal."""
    batch = current(session)
    if batch is None:
        raise RuntimeError("apply_sets needs a batch: open one with lifecycle.batch.held")
    try:
        with session.begin_nested():
            results = [apply_one(item) for item in sets]
            batch.write(session)
        return results
    except refusals:
        batch.rolled_back(keep_locked=True)  # back where the lock left them: the read-ahead still holds
    results = []
    for item in sets:
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
