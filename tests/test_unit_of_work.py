"""The unit of work: services never commit, one refused document undoes only itself, readers never wait."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from gateway import lifecycle, workspace
from gateway.db import read_session, unit_of_work
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
