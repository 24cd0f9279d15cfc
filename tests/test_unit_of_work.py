"""The unit of work: services never commit, one refused document undoes only itself, readers never wait."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from gateway import db, lifecycle, workspace
from gateway.db import make_engine, read_session, unit_of_work
from gateway.errors import BusinessError
from tests.factories import line, listed, order


def test_nothing_is_written_until_the_unit_of_work_ends(engine):
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        lifecycle.handle(session, order("PO-1"), "test")
        raise RuntimeError("the caller failed after the service ran")
    assert listed(engine, workspace.PoList.FOR_REVIEW) == []


def test_a_refused_document_under_its_savepoint_leaves_its_neighbours(engine):
    with unit_of_work(engine) as session:
        for doc in (order("PO-1"), order("PO-2", [line(1, qty=0)]), order("PO-3")):
            try:
                with session.begin_nested():
                    lifecycle.handle(session, doc, "test")
            except BusinessError as error:
                assert error.code == "invalid_quantity" and not error.code.replayable
    assert sorted(listed(engine, workspace.PoList.FOR_REVIEW)) == ["PO-1", "PO-3"]


def test_sqlite_readers_do_not_wait_for_a_writing_unit_of_work(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait on row locks anyway")
    writing, done = threading.Event(), threading.Event()

    def worker() -> None:
        with unit_of_work(engine) as session:
            lifecycle.handle(session, order("PO-1"), "test")
            writing.set()
            done.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    writing.wait(10)
    started = time.perf_counter()
    with read_session(engine) as session:
        session.connection().execute(text("SELECT count(*) FROM purchase_order")).scalar_one()
    waited = time.perf_counter() - started
    done.set()
    thread.join()
    assert waited < 1.0, f"a reader waited {waited:.1f} s on the writer"


def _terminate_pooled_connection(engine) -> None:
    """The server ends the session of the (only) pooled connection, as a restart or a dropped link does."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def test_a_connection_the_server_dropped_fails_on_use_as_retryable_then_is_replaced(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    _terminate_pooled_connection(engine)
    with pytest.raises(OperationalError), unit_of_work(engine) as session:  # the steps retry on this
        session.connection().execute(text("SELECT 1"))
    with unit_of_work(engine) as session:
        assert session.connection().execute(text("SELECT 1")).scalar_one() == 1


def test_a_connection_idle_for_a_while_is_pinged_and_replaced_when_the_server_dropped_it(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    _terminate_pooled_connection(engine)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    with read_session(engine, snapshot=False) as session:
        assert session.connection().execute(text("SELECT 1")).scalar_one() == 1


def test_a_reader_without_a_snapshot_sends_no_transaction(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's transactions are no round trips")
    with read_session(engine, snapshot=False) as session:
        conn = session.connection()
        conn.execute(text("SELECT 1"))
        status = conn.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
    assert status == 0  # psycopg's IDLE: no BEGIN was sent


@pytest.mark.parametrize("where", ["before the batch", "inside its writes", "outside any savepoint"])
def test_a_connection_the_server_drops_under_a_batch_fails_as_retryable(engine, where):
    """A batch writes through the driver's own cursors and pipeline (gateway.lifecycle.bulk), its writes sent
    ahead of their answers; the server dropping the connection before, during or outside them fails the unit of
    work with SQLAlchemy's OperationalError, which every step retries, and keeps nothing of it."""
    from gateway.lifecycle.batch import apply_sets, held
    from gateway.lifecycle.bulk import update_rows
    from gateway.lifecycle.tables import PO_T
    from tests.factories import order

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    killer = make_engine(engine.url.render_as_string(hide_password=False))

    def drop(pid: int) -> None:
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def apply_one(doc):
        applied = lifecycle.handle(session, doc, "test")
        if where == "inside its writes" and doc.po_number == "DROP-3":
            drop(pid)  # the batch's writes then go through the driver only, sent ahead and settled
        return applied

    try:
        with pytest.raises(OperationalError), unit_of_work(engine) as session:
            pid = session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
            if where == "outside any savepoint":
                drop(pid)
                update_rows(session, PO_T, [{"id": 1, "state": "cancelled"}])
            with held(session, set()):
                if where == "before the batch":
                    drop(pid)
                apply_sets(session, [order("DROP-1"), order("DROP-2"), order("DROP-3")], apply_one,
                           lambda doc, error: pytest.fail(f"{doc.po_number} refused: {error}"))
    finally:
        killer.dispose()
    with read_session(engine) as session:
        assert workspace.po_list(session, workspace.PoList.FOR_REVIEW, workspace.Filters()).items == []
