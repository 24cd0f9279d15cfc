"""Writing many rows at once: a version's lines, a response's, a confirmation's (the hot path of the lifecycle).

On SQLite an executemany runs in C in the process: nothing to gain. On PostgreSQL every statement is a round
trip, so a row and its children (a version and its lines) go in one statement: the parent inserted in a CTE,
the children selected from `unnest` of one array per column. Its text depends only on the columns, so psycopg
prepares it once per connection, whatever the number of rows (a multi-row VALUES list would be parsed again for
every count, and a COPY costs two round trips of its own).
"""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlmodel import Session

from gateway.db import json_dumps

_PG = PGDialect()  # type: ignore[no-untyped-call]  # compiles column types only


def insert_family(session: Session, parent: Table, values: dict[str, Any], child: Table, foreign_key: str,
                  rows: list[dict[str, Any]]) -> int:
    """Insert `values` into `parent` and `rows` (every row with the same keys, none of them `foreign_key`) into
    `child`, each pointing at the new parent row; the parent's id."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not rows:
        parent_id = int(conn.execute(insert(parent).returning(parent.c.id), values).scalar_one())
        bulk_insert(session, child, [{**row, foreign_key: parent_id} for row in rows])
        return parent_id
    names, columns = tuple(values), tuple(rows[0])
    statement = _family_sql(parent, names, child, foreign_key, columns)
    arguments = [_dumped(parent, name, values[name]) for name in names]
    arguments += [[_dumped(child, name, row[name]) for row in rows] for name in columns]
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        found = cursor.execute(statement, arguments).fetchone()
    assert found is not None
    return int(found[0])


@functools.cache
def _family_sql(parent: Table, names: tuple[str, ...], child: Table, foreign_key: str,
                columns: tuple[str, ...]) -> str:
    quote = _PG.identifier_preparer.quote
    values = ", ".join(f"%s::{parent.c[n].type.compile(dialect=_PG)}" for n in names)
    arrays = ", ".join(f"%s::{child.c[n].type.compile(dialect=_PG)}[]" for n in columns)
    return (f"WITH parent AS (INSERT INTO {parent.name} ({', '.join(map(quote, names))}) VALUES ({values}) "
            f"RETURNING id), "
            f"children AS (INSERT INTO {child.name} ({quote(foreign_key)}, {', '.join(map(quote, columns))}) "
            f"SELECT parent.id, u.* FROM parent, unnest({arrays}) AS u) "
            f"SELECT id FROM parent")


def _dumped(table: Table, name: str, value: Any) -> Any:
    """As the engine would bind it: JSON encoded (None as JSON null, like SQLAlchemy's JSON type), enums by value."""
    return json_dumps(value) if isinstance(table.c[name].type, JSON) else plain(value)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one table in one go (every row has the same keys).

    SQLite runs an executemany in C. On PostgreSQL, psycopg would send one INSERT per row, and a multi-row
    INSERT of hundreds of parameters costs more to parse than to run, so the rows go in one COPY, in the same
    transaction. JSON columns are encoded as the engine's JSON type encodes them (gateway.db.json_dumps).
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON)}
    driver = conn.connection.driver_connection
    assert driver is not None
    columns = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in names)
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json_dumps(row[n]) if n in json_columns else plain(row[n]) for n in names])


def plain(value: Any) -> Any:
    """Enums go in as their values (psycopg would write an Enum's name)."""
    return value.value if isinstance(value, Enum) else value
