"""The same work run twice at once, by two processes with their own connections (PostgreSQL): one effect."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from gateway.db import make_engine
from gateway.messages.tables import AppliedSet, Message
from gateway.models import PoVersion
from gateway.pipeline import process, receive
from tests.factories import order
from tests.hub import NOW, sent_by, settings_for
from tests.parallel import at_once


def _worker(url: str, data_dir: str, job: str, payload: object, start: mp.synchronize.Barrier, out: mp.Queue) -> None:
    engine = make_engine(url)
    settings = settings_for(Path(data_dir))
    start.wait()
    try:
        if job == "process":
            out.put(process(engine, settings, int(payload), now=NOW).state.value)  # type: ignore[call-overload]
        else:
            out.put(receive(engine, settings, payload, partner="contoso").duplicate_of)  # type: ignore[arg-type]
    except Exception as e:  # reported to the test, which fails naming it
        out.put(f"failed: {type(e).__name__}: {str(e).splitlines()[0]}")
    engine.dispose()


def _run_twice(url: str, tmp_path: Path, job: str, payload: object) -> list[object]:
    return at_once(_worker, [(url, str(tmp_path), job, payload)] * 2)


@pytest.fixture
def pg(postgres_url):
    from tests.conftest import TABLES_IN_DELETE_ORDER

    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        kept = {"trading_partner", "partner_link"}
        conn.execute(text(f"TRUNCATE {', '.join(t for t in TABLES_IN_DELETE_ORDER if t not in kept)} "
                          f"RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_the_same_message_processed_twice_at_once_has_one_effect(pg, postgres_url, tmp_path):
    settings = settings_for(tmp_path)
    received = receive(pg, settings, sent_by("contoso", "fabrikam", "850", order("PO-1"), 41), partner="contoso")
    results = _run_twice(postgres_url, tmp_path, "process", received.message_id)
    assert "routed" in results, results  # the other returns as soon as it sees the work taken
    with Session(pg) as session:
        assert session.get(Message, received.message_id).state == "routed"
        assert len(session.exec(select(PoVersion)).all()) == 1
        assert len(session.exec(select(AppliedSet)).all()) == 1
        queued = session.exec(select(Message).where(Message.caused_by_id == received.message_id)).all()
        assert sorted((m.partner_id, m.kind) for m in queued) == [("contoso", "ack"), ("fabrikam", "document")]


@pytest.mark.postgres
def test_the_same_interchange_received_twice_at_once_is_one_original_and_one_duplicate(pg, postgres_url, tmp_path):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 42)
    results = _run_twice(postgres_url, tmp_path, "receive", data)
    assert sorted(results, key=str) == [1, None] or sorted(results, key=str) == [2, None]
    with Session(pg) as session:
        states = sorted(m.state for m in session.exec(select(Message)).all())
    assert states == ["duplicate", "received"]
