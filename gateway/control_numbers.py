"""Envelope control numbers from the database (DESIGN section 6: never from a process's memory).

`DatabaseControlNumbers` is the `mappers.x12.segments.ControlNumbers` the gateway hands to the X12 writer:
one counter row per (partner, kind) in `control_counter`, advanced by one upsert (`INSERT ... ON CONFLICT DO
UPDATE ... RETURNING`, one statement for every kind an interchange needs) that holds the row lock until the
transaction ends (SQLite's engine begins every transaction IMMEDIATE, which serializes writers the same way), so
two workers on two machines never get the same number. Rows are always taken in the order of `KINDS`, so two
transactions never wait on each other in a circle. Each allocation commits on its own: a number, once handed
out, is consumed even if the caller later fails, so it is never reused (gaps are allowed, repeats are not).
`TransactionNumbers` allocates inside the caller's transaction instead (the pipeline renders an outbound
document, numbers it and stores it in the outbox with the change that caused it): a rollback then returns the
numbers with the document, which was never stored, so no number is ever seen twice either way.
Dry runs use `mappers.x12.writer.ThrowawayNumbers`, which touches nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from gateway.errors import Rejected, Retryable
from gateway.models import ControlCounter

KINDS = ("isa", "gs", "st")
MAX_VALUE = 999_999_999  # ISA13 is N0 9/9; GS06 and ST02 fit in nine digits too


class ControlNumbersExhausted(Rejected):
    """A partner used every number of a kind: X12 has no tenth digit, and numbers are never reused."""


class DatabaseControlNumbers:
    """Control numbers of one partner (the receiver of what is being written), from `control_counter`."""

    def __init__(self, engine: Engine, partner_id: str) -> None:
        self._engine = engine
        self._partner_id = partner_id

    def next(self, kind: str) -> int:
        try:
            with self._engine.begin() as conn:
                return TransactionNumbers(conn, self._partner_id).next(kind)
        except OperationalError as e:  # lock timeout, connection lost: nothing was consumed
            raise Retryable(f"could not allocate a {kind} control number for partner {self._partner_id}: "
                            f"{str(e).splitlines()[0]}") from e


class TransactionNumbers:
    """Control numbers of one partner taken in the caller's transaction (the counter row stays locked until
    it ends: keep such transactions short)."""

    def __init__(self, conn: Connection, partner_id: str) -> None:
        self._conn = conn
        self._partner_id = partner_id

    def next(self, kind: str) -> int:
        if kind not in KINDS:
            raise ValueError(f"unknown control number kind {kind!r}; expected one of {KINDS}")
        return allocate(self._conn, self._partner_id, kind)


class ReservedNumbers:
    """Control numbers of one partner for one interchange, each kind taken as one block in the caller's
    transaction (three counter updates for an interchange of a hundred sets, not a hundred and two)."""

    def __init__(self, conn: Connection, partner_id: str, counts: dict[str, int]) -> None:
        self._blocks: dict[str, Iterator[int]] = {
            kind: iter(range(last - counts[kind] + 1, last + 1))
            for kind, last in allocate_many(conn, partner_id, counts).items()}

    def next(self, kind: str) -> int:
        block = self._blocks.get(kind)
        value = next(block, None) if block is not None else None
        if value is None:
            raise ValueError(f"no {kind} control number was reserved for this interchange")
        return value


def allocate(conn: Connection, partner_id: str, kind: str, count: int = 1) -> int:
    """The next number inside the caller's transaction (the last of the next `count` ones); the row stays
    locked until that transaction ends."""
    return allocate_many(conn, partner_id, {kind: count})[kind]


@lru_cache(maxsize=32)
def _allocate_statement(postgres: bool, kinds: tuple[str, ...]) -> Any:
    """`allocate_many`'s statement for these kinds, built once (the partner and the counts are parameters)."""
    table = ControlCounter.__table__  # type: ignore[attr-defined]
    insert = pg_insert if postgres else sqlite_insert
    statement = insert(table).values([
        {"partner_id": bindparam(f"partner_{kind}", type_=table.c.partner_id.type), "kind": kind,
         "last_value": bindparam(f"count_{kind}", type_=table.c.last_value.type)} for kind in kinds])
    grown = table.c.last_value + statement.excluded.last_value
    return statement.on_conflict_do_update(index_elements=["partner_id", "kind"], set_={"last_value": grown},
                                           where=grown <= MAX_VALUE).returning(table.c.kind, table.c.last_value)


def allocate_many(conn: Connection, partner_id: str, counts: dict[str, int]) -> dict[str, int]:
    """The next `counts[kind]` numbers of each kind in one statement: the last of each block, by kind. Nothing
    is taken when a kind would pass MAX_VALUE (ControlNumbersExhausted; the caller's transaction is undone)."""
    wanted = [(kind, counts[kind]) for kind in KINDS if counts.get(kind)]
    if unknown := set(counts) - set(KINDS):
        raise ValueError(f"unknown control number kind {sorted(unknown)[0]!r}; expected one of {KINDS}")
    statement = _allocate_statement(conn.dialect.name == "postgresql", tuple(kind for kind, _ in wanted))
    last: dict[str, int] = dict(conn.execute(statement, {
        **{f"partner_{kind}": partner_id for kind, _ in wanted},
        **{f"count_{kind}": count for kind, count in wanted}}).all())
    for kind, _ in wanted:
        if kind not in last:
            raise ControlNumbersExhausted(f"partner {partner_id} has used every {kind} control number up to "
                                          f"{MAX_VALUE}; they are never reused")
    return {kind: int(value) for kind, value in last.items()}
