"""Writing many rows at once: a version's lines, a response's, a confirmation's, a batch's events and PO rows.

On SQLite an executemany runs in C in the process: nothing to gain. On PostgreSQL every statement sent costs a
round trip (and, on a busy machine, a switch to the server process and back), so many rows go in one statement
that reads them from `unnest` of one array per column: a row and its children (a version and its lines) in one
CTE, a batch's PO rows in one UPDATE ... FROM. Its text depends only on the columns, so psycopg prepares it once
per connection whatever the number of rows (a multi-row VALUES list is parsed again for every count; a COPY costs
two round trips; an executemany sends a statement per row). Parameters go in binary (`%b`): text arrays would
have every element escaped in Python. Dumping arrays is psycopg's Python, so a column holding one value in every
row (a line's site, warehouse, dates, empty notes) is sent once, as one parameter.

Inside `ahead(session)` (a batch's sets) the connection is in pipeline mode and a family's parent id is drawn
from its sequence beforehand (a batch's worth at a time), so no insert waits for its answer: the server writes
one set while this process builds the next. What an insert's answer would have told (a new PO that already
existed) is checked when the writes are settled (`settle`: the end of each savepoint), and raised then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

import psycopg
from sqlalchemy import JSON, Connection, Numeric, Table, bindparam, event, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from gateway.db import json_dumps

_PG = PGDialect()  # type: ignore[no-untyped-call]  # compiles column types only


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one table in one statement (every row has the same keys)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    columns = tuple(rows[0])
    arrays, same = _arrays(table, columns, rows)
    _run(conn, _insert_sql(table, columns, same), arrays)


def insert_new_rows(session: Session, table: Table, rows: list[dict[str, Any]], unique: tuple[str, ...],
                    returning: str) -> list[Any]:
    """Insert many rows of one table in one statement (every row has the same keys), each unless a row with the
    same `unique` columns exists (ON CONFLICT DO NOTHING: it waits for a transaction inserting that row); the
    `returning` column of the rows inserted."""
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return list(conn.execute(_insert_new(conn.dialect.name, table, unique, returning), rows).scalars())
    columns = tuple(rows[0])
    arrays, same = _arrays(table, columns, rows)
    return list(_run(conn, _insert_new_sql(table, columns, same, unique, returning), arrays, column=True))


def insert_family(session: Session, parent: Table, values: dict[str, Any], child: Table, foreign_key: str,
                  rows: list[dict[str, Any]]) -> int:
    """Insert `values` into `parent` and `rows` (every row with the same keys, none of them `foreign_key`) into
    `child`, each pointing at the new parent row; the parent's id."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not rows:
        parent_id = int(conn.execute(insert(parent).returning(parent.c.id), values).scalar_one())
        insert_rows(session, child, [{**row, foreign_key: parent_id} for row in rows])
        return parent_id
    pending = _ahead(session)
    if pending is not None:  # the id drawn beforehand: nothing to wait for
        values = {"id": pending.next_id(conn, parent), **values}
    names, columns = tuple(values), tuple(rows[0])
    arrays, same = _arrays(child, columns, rows)
    arguments = [_dumped(parent, name, [values[name]])[0] for name in names] + arrays
    statement = _family_sql(parent, names, child, foreign_key, columns, same)
    if pending is not None:
        _run(conn, statement, arguments)
        return int(values["id"])
    return int(_run(conn, statement, arguments, fetch=True))


def insert_new_family(session: Session, root: Table, root_values: dict[str, Any], unique: tuple[str, ...],
                      parent: Table, key: str, values: dict[str, Any], child: Table, foreign_key: str,
                      rows: list[dict[str, Any]], refusal: Callable[[], Exception]) -> tuple[int, int]:
    """Insert a `root` row unless one with the same `unique` columns exists (then nothing is written, and
    `refusal()` is raised: at once, or inside `ahead` when the writes are settled), and under it, as
    `insert_family` does, `values` into `parent` (its `key` column pointing at the root) and `rows` into `child`;
    (root id, parent id). ON CONFLICT leaves the transaction usable on PostgreSQL."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not rows:
        root_id = conn.execute(_insert_new(conn.dialect.name, root, unique), root_values).scalar()
        if root_id is None:
            raise refusal()
        return int(root_id), insert_family(session, parent, {**values, key: root_id}, child, foreign_key, rows)
    pending = _ahead(session)
    if pending is not None:
        root_values = {"id": pending.next_id(conn, root), **root_values}
        values = {"id": pending.next_id(conn, parent), **values}
    root_names, names, columns = tuple(root_values), tuple(values), tuple(rows[0])
    arrays, same = _arrays(child, columns, rows)
    arguments = ([_dumped(root, name, [root_values[name]])[0] for name in root_names]
                 + [_dumped(parent, name, [values[name]])[0] for name in names] + arrays)
    statement = _new_family_sql(root, root_names, unique, parent, key, names, child, foreign_key, columns, same)
    if pending is not None:
        pending.checks.append((_run(conn, statement, arguments, keep=True), refusal))
        return int(root_values["id"]), int(values["id"])
    found = _run(conn, statement, arguments, fetch=True, row=True)
    if found is None:
        raise refusal()
    return int(found[0]), int(found[1])


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update many rows of `table`, each found by its "id" (every row has the same keys)."""
    if not rows:
        return
    conn = session.connection()
    columns = tuple(rows[0])
    if conn.dialect.name != "postgresql":
        conn.execute(_update_statement(table, columns), [{f"_{k}": v for k, v in row.items()} for row in rows])
        return
    _run(conn, _update_sql(table, columns), [_dumped(table, name, [row[name] for row in rows])
                                                 for name in columns])


def _run(conn: Connection, statement: str, arguments: list[Any], fetch: bool = False, row: bool = False,
         column: bool = False, keep: bool = False) -> Any:
    """Execute on the session's connection; with `fetch`, the first column of the first row (the row itself
    with `row`, None when there is none); with `column`, the first column of every row; with `keep`, the cursor,
    its answer to be read later. The driver's errors are raised as SQLAlchemy's, as its own statements' are
    (an OperationalError is retried wherever it comes from)."""
    driver = _driver(conn)
    with _as_sqlalchemy(statement):
        cursor = driver.cursor()
        cursor.execute(statement, arguments)
        if keep:
            return cursor
        with cursor:
            if column:
                return [found[0] for found in cursor.fetchall()]
            if fetch:
                found = cursor.fetchone()
                if row:
                    return found
                assert found is not None
                return found[0]
    return None


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


@contextmanager
def _as_sqlalchemy(statement: str | None) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as e:
        raise DBAPIError.instance(statement, None, e, psycopg.Error) from e


# ------------------------------------------------------------------------------------------ writes ahead

KEY = "gateway.lifecycle.bulk.ahead"  # where a session holds its writes ahead (Session.info)


@dataclass
class Ahead:
    """Writes sent in pipeline mode and not yet settled, and ids drawn ahead from the sequences."""

    pipeline: psycopg.Pipeline
    size: int  # ids drawn at a time
    ids: dict[str, list[int]] = field(default_factory=dict)  # table -> ids drawn and not yet used
    checks: list[tuple[psycopg.Cursor[Any], Callable[[], Exception]]] = field(default_factory=list)

    def next_id(self, conn: Connection, table: Table) -> int:
        drawn = self.ids.setdefault(table.name, [])
        if not drawn:
            drawn.extend(reversed(_run(conn, _NEXT_IDS, [table.name, self.size], column=True)))
        return drawn.pop()


# A sequence hands out each value once, committed or not: ids drawn and not used are gaps, as after a rollback.
# They are drawn inside the batch's transaction, under its PO locks, so a PO's rows still get ids in the order
# they are written.
_NEXT_IDS = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s) ORDER BY 1"


def _ahead(session: Session) -> Ahead | None:
    found: Ahead | None = session.info.get(KEY)
    return found


@contextmanager
def ahead(session: Session, size: int) -> Iterator[None]:
    """Within the block, family inserts on PostgreSQL are sent without waiting for their answers (pipeline mode,
    ids drawn `size` at a time, `size` being the sets the block writes); they are settled when it ends, and
    wherever `settle` is called. Elsewhere, and for one set (nothing to overlap: drawing its id first would cost a
    round trip), it changes nothing. Any statement that reads waits for those sent before it."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or size < 2 or _ahead(session) is not None:
        yield
        return
    with _as_sqlalchemy(None), _driver(conn).pipeline() as pipeline:
        session.info[KEY] = Ahead(pipeline, size)

        def answered(*_: Any) -> None:
            """After each of SQLAlchemy's statements: wait for its answer (and those sent before it), which
            SQLAlchemy reads at once (whether it returned rows, how many it changed) without asking the driver to
            wait. An error of a write sent ahead is raised here, and wrapped by SQLAlchemy as its own."""
            pipeline.sync()

        event.listen(conn, "after_cursor_execute", answered)
        try:
            yield
            settle(session)
        finally:
            event.remove(conn, "after_cursor_execute", answered)
            del session.info[KEY]


def settle(session: Session) -> None:
    """Wait for the writes sent ahead; raise the refusal of the first insert that found its row existing."""
    pending = _ahead(session)
    if pending is None:
        return
    checks, pending.checks = pending.checks, []
    with _as_sqlalchemy(None):
        pending.pipeline.sync()
        for cursor, refusal in checks:
            with cursor:
                inserted = cursor.fetchone()
            if inserted is None:
                raise refusal()


def _arrays(table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> tuple[list[Any], tuple[bool, ...]]:
    """Each column's values as one parameter: the value itself when every row has it (`same`), else an array;
    in the order `_rows_of` writes them (the values, then the arrays). One array at least: it counts the rows."""
    constants: list[Any] = []
    arrays: list[list[Any]] = []
    same: list[bool] = []
    for name in columns:
        values = _dumped(table, name, [row[name] for row in rows])
        one = len(rows) > 1 and (arrays or name != columns[-1]) and _all_equal(values)
        if one:
            constants.append(values[0])
        else:
            arrays.append(values)
        same.append(bool(one))
    return constants + arrays, tuple(same)


def _all_equal(values: list[Any]) -> bool:
    return values.count(values[0]) == len(values)  # a column's values are of one type (or None)


def _dumped(table: Table, name: str, values: list[Any]) -> list[Any]:
    """A column's values as the engine would bind them: JSON encoded (None as JSON null, like SQLAlchemy's JSON
    type), enums by value, numbers of a NUMERIC column all Decimal (psycopg dumps an array by its first element)."""
    kind = _kind(table, name)
    if kind is JSON:
        return [json_dumps(value) for value in values]
    if isinstance(values[0], Enum):  # a column of enums holds them in every row
        return [value.value if isinstance(value, Enum) else value for value in values]
    if kind is Numeric and any(value is not None and not isinstance(value, Decimal) for value in values):
        return [None if value is None else Decimal(value) for value in values]
    return values


@functools.cache
def _kind(table: Table, name: str) -> type[Any] | None:
    """JSON or Numeric when the column is of one of these types (their values are converted), else None."""
    column_type = table.c[name].type
    return next((kind for kind in (JSON, Numeric) if isinstance(column_type, kind)), None)


def _typed(table: Table, name: str, array: bool = False) -> str:
    return f"%b::{table.c[name].type.compile(dialect=_PG)}{'[]' if array else ''}"


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(_PG.identifier_preparer.quote(name) for name in columns)


def _rows_of(table: Table, columns: tuple[str, ...], same: tuple[bool, ...]) -> tuple[str, str]:
    """The SELECT list and the FROM item giving `columns` of every row: the one value given (`same`), or
    `u.name` from unnest's arrays. Parameters are numbered in text order: the values first, then the arrays."""
    selected, arrays, names = [], [], []
    for name, one in zip(columns, same, strict=True):
        quoted = _names((name,))
        if one:
            selected.append(_typed(table, name))
            continue
        selected.append(f"u.{quoted}")
        arrays.append(_typed(table, name, array=True))
        names.append(quoted)
    return ", ".join(selected), f"unnest({', '.join(arrays)}) AS u ({', '.join(names)})"


@functools.cache
def _insert_sql(table: Table, columns: tuple[str, ...], same: tuple[bool, ...]) -> str:
    selected, rows = _rows_of(table, columns, same)
    return f"INSERT INTO {table.name} ({_names(columns)}) SELECT {selected} FROM {rows}"


@functools.cache
def _insert_new_sql(table: Table, columns: tuple[str, ...], same: tuple[bool, ...], unique: tuple[str, ...],
                    returning: str) -> str:
    return (f"{_insert_sql(table, columns, same)} ON CONFLICT ({_names(unique)}) DO NOTHING "
            f"RETURNING {_names((returning,))}")


@functools.cache
def _family_sql(parent: Table, names: tuple[str, ...], child: Table, foreign_key: str,
                columns: tuple[str, ...], same: tuple[bool, ...]) -> str:
    values = ", ".join(_typed(parent, n) for n in names)
    return (f"WITH parent AS (INSERT INTO {parent.name} ({_names(names)}) VALUES ({values}) RETURNING id), "
            f"{_children_sql(child, foreign_key, columns, same)} SELECT id FROM parent")


@functools.cache
def _new_family_sql(root: Table, root_names: tuple[str, ...], unique: tuple[str, ...], parent: Table, key: str,
                    names: tuple[str, ...], child: Table, foreign_key: str, columns: tuple[str, ...],
                    same: tuple[bool, ...]) -> str:
    root_values = ", ".join(_typed(root, n) for n in root_names)
    values = ", ".join(_typed(parent, n) for n in names)
    return (f"WITH root AS (INSERT INTO {root.name} ({_names(root_names)}) VALUES ({root_values}) "
            f"ON CONFLICT ({_names(unique)}) DO NOTHING RETURNING id), "
            f"parent AS (INSERT INTO {parent.name} ({_names((key, *names))}) SELECT root.id, {values} FROM root "
            f"RETURNING id), "
            f"{_children_sql(child, foreign_key, columns, same)} SELECT root.id, parent.id FROM root, parent")


def _children_sql(child: Table, foreign_key: str, columns: tuple[str, ...], same: tuple[bool, ...]) -> str:
    selected, rows = _rows_of(child, columns, same)
    return (f"children AS (INSERT INTO {child.name} ({_names((foreign_key, *columns))}) "
            f"SELECT parent.id, {selected} FROM parent, {rows})")


@functools.cache
def _insert_new(dialect: str, table: Table, unique: tuple[str, ...], returning: str = "id") -> Any:
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c[returning])


@functools.cache
def _update_sql(table: Table, columns: tuple[str, ...]) -> str:
    arrays = ", ".join(_typed(table, n, array=True) for n in columns)
    changed = ", ".join(f"{_names((n,))} = u.{_names((n,))}" for n in columns if n != "id")
    return (f"UPDATE {table.name} SET {changed} FROM unnest({arrays}) AS u ({_names(columns)}) "
            f"WHERE {table.name}.id = u.id")


@functools.cache
def _update_statement(table: Table, columns: tuple[str, ...]) -> Any:
    return update(table).where(table.c.id == bindparam("_id")).values(
        {n: bindparam(f"_{n}") for n in columns if n != "id"})
