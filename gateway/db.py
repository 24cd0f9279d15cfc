"""Engines, sessions and migrations. The schema is always built by the Alembic migrations."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
READ_ONLY = "gateway_read_only"  # execution option: this connection only reads
# A pooled PostgreSQL connection idle for longer is pinged before use: one a busy worker uses again at once is
# not (a round trip per unit of work), one an API, CLI or quiet worker takes up after a pause is, so a server
# restart in between costs no request an error.
IDLE_PING_SECONDS = 1.0


class Encoded(str):
    """JSON text as a JSON column stores it, read as text (not decoded): written back as is, never encoded again.
    What a new version copies of its previous version's lines, for one."""

    __slots__ = ()


def json_dumps(value: Any) -> str:
    """JSON columns hold mostly empty lists (notes, charges of every line): those skip the encoder."""
    if isinstance(value, Encoded):
        return value
    return "[]" if value == [] else json.dumps(value)


def json_loads(text: str | bytes) -> Any:
    """psycopg hands the bytes over, SQLite the text."""
    return [] if text == "[]" or text == b"[]" else json.loads(text)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (embedded default) or PostgreSQL (production)."""
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", json_loads)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine.pool, "checkin", _checked_in)
    event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


def _checked_in(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """No ping for a connection in steady use (pool_pre_ping cost a round trip per unit of work): a connection
    the server dropped since then fails on use with an OperationalError, which every step treats as retryable,
    and SQLAlchemy then replaces every pooled connection as old as it. One idle for a while (a pause, a quiet
    night, a restarted server) is pinged, and replaced when the ping fails."""
    if time.monotonic() - record.info.get("idle_since", time.monotonic()) < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_conn.rollback()
    except Exception as e:  # the driver's own error for a dead connection, whatever the driver
        raise DisconnectionError(f"a pooled connection idle since {IDLE_PING_SECONDS:g} s is gone: {e}") from e


def _sqlite_begin(conn: Connection) -> None:
    """SQLite takes its write lock at the first write; BEGIN IMMEDIATE takes it at once, so two processes
    applying versions serialize like PostgreSQL's row lock instead of failing late. Readers (`read_session`)
    begin deferred: in WAL mode they read a snapshot and never wait on a worker's write lock."""
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (idempotent)."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One unit of work: the only place that commits. Services take the session and never commit; this
    commits when the block ends normally and rolls back on any error. No autoflush: the lifecycle writes
    with Core statements and flushes where it needs ids."""
    with Session(engine, expire_on_commit=False, autoflush=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise



def reader(engine: Engine) -> Engine:
    """The engine for reading only (lists, health, the CLI): on SQLite its transactions never take the write
    lock, so a reader never waits on a worker; on PostgreSQL nothing changes."""
    return engine.execution_options(**{READ_ONLY: True})


def read_session(engine: Engine, *, snapshot: bool = True) -> Session:
    """A session for reading. `snapshot=False`: each statement reads the latest committed data on its own, which
    on PostgreSQL spares the BEGIN and ROLLBACK round trips (autocommit); for readers that need no single
    snapshot of several statements (one read, or reads of unrelated rows)."""
    read = reader(engine)
    if not snapshot and engine.dialect.name == "postgresql":
        read = read.execution_options(isolation_level="AUTOCOMMIT")
    return Session(read, expire_on_commit=False)
