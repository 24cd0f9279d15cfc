"""Control numbers from the database: per partner and kind, never reused, safe under concurrent workers."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gateway.control_numbers import MAX_VALUE, ControlNumbersExhausted, DatabaseControlNumbers
from gateway.db import make_engine, upgrade
from mappers.x12.common import seg
from mappers.x12.reader import read_interchanges
from mappers.x12.writer import OutboundSet, Profile, render_interchange
from tests.parallel import at_once

PER_WORKER = 150


def test_numbers_count_up_per_partner_and_kind(engine: Engine) -> None:
    a, b = f"A-{uuid.uuid4().hex[:8]}", f"B-{uuid.uuid4().hex[:8]}"
    numbers_a, numbers_b = DatabaseControlNumbers(engine, a), DatabaseControlNumbers(engine, b)
    assert [numbers_a.next("isa") for _ in range(3)] == [1, 2, 3]
    assert numbers_a.next("st") == 1 and numbers_b.next("isa") == 1
    # a second allocator (another worker, after a restart) continues where the database stands
    assert DatabaseControlNumbers(engine, a).next("isa") == 4


def test_unknown_kinds_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="kind"):
        DatabaseControlNumbers(engine, "X").next("se")


def test_numbers_are_never_wrapped_around(engine: Engine) -> None:
    partner = f"F-{uuid.uuid4().hex[:8]}"
    numbers = DatabaseControlNumbers(engine, partner)
    numbers.next("isa")
    with engine.begin() as conn:
        conn.execute(text("UPDATE control_counter SET last_value = :v WHERE partner_id = :p AND kind = 'isa'"),
                     {"v": MAX_VALUE, "p": partner})
    with pytest.raises(ControlNumbersExhausted, match="never reused"):
        numbers.next("isa")


def test_interchanges_written_with_database_numbers_never_repeat_isa13(engine: Engine) -> None:
    partner = f"W-{uuid.uuid4().hex[:8]}"
    profile = Profile("ZZ", "CONTOSO", "ZZ", "FABRIKAM", "CONTOSO", "FABRIKAM")
    body = [seg("BCH", "06", "SA", "PO1", None, "2", "20261125")]
    found = []
    for _ in range(3):
        data = render_interchange(profile, DatabaseControlNumbers(engine, partner), [OutboundSet("860", body)],
                                  datetime(2026, 11, 25, 9, 0))
        (i,) = read_interchanges(data)
        found.append((i.control_number, i.groups[0].control_number, i.groups[0].transactions[0].control_number))
    assert found == [("000000001", "1", "0001"), ("000000002", "2", "0002"), ("000000003", "3", "0003")]


def _allocate_many(url: str, partner: str, start: object, out: object) -> None:
    engine = make_engine(url)
    numbers = DatabaseControlNumbers(engine, partner)
    start.wait()  # type: ignore[attr-defined]
    got = [numbers.next("isa") for _ in range(PER_WORKER)]
    out.put(got)  # type: ignore[attr-defined]
    engine.dispose()


def _two_workers(url: str) -> list[list[int]]:
    partner = f"race-{uuid.uuid4().hex}"[:64]  # unique to this run: the database may be shared
    return at_once(_allocate_many, [(url, partner)] * 2)


def _assert_disjoint_and_complete(results: list[list[int]]) -> None:
    first, second = results
    assert first == sorted(first) and second == sorted(second)  # each worker sees its numbers grow
    assert not set(first) & set(second), "two workers were given the same control number"
    assert sorted(first + second) == list(range(1, 2 * PER_WORKER + 1))  # and none was skipped


@pytest.mark.postgres
def test_two_processes_on_postgresql_never_share_a_number(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)  # idempotent: the schema exactly as the migrations build it
    engine.dispose()
    _assert_disjoint_and_complete(_two_workers(postgres_url))


def test_two_processes_on_sqlite_never_share_a_number(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    _assert_disjoint_and_complete(_two_workers(url))
