"""Two worker processes apply changes to one PO at the same time: versions stay gapless and unique."""

from __future__ import annotations

import multiprocessing as mp
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from gateway.db import make_engine
from gateway.lifecycle.common import find_po
from gateway.models import PoLine, PoVersion
from tests.factories import CUSTOMER, apply, change, line, order, qty
from tests.parallel import at_once

CHANGES_PER_WORKER = 15


def _worker(url: str, worker: int, start: mp.synchronize.Barrier, out: mp.Queue) -> None:
    engine = make_engine(url)
    start.wait()  # both processes begin at once
    applied: list[int | str] = []
    try:
        for i in range(CHANGES_PER_WORKER):
            version = apply(engine, change("PO-1", qty(1, 100 * worker + i)), source=f"worker {worker}")
            applied.append(version.version)
    except Exception as e:  # reported to the test, which fails naming it
        applied.append(f"worker {worker} failed: {type(e).__name__}: {str(e).splitlines()[0]}")
    out.put(applied)
    engine.dispose()


@pytest.mark.postgres
def test_two_processes_changing_one_po_get_gapless_unique_versions(postgres_url):
    from tests.conftest import TABLES_IN_DELETE_ORDER

    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        from sqlalchemy import text

        for table in TABLES_IN_DELETE_ORDER:
            if table not in ("trading_partner", "partner_link"):
                conn.execute(text(f"DELETE FROM {table}"))
    apply(engine, order("PO-1", [line(1)]))
    results = at_once(_worker, [(postgres_url, 1), (postgres_url, 2)])
    failures = [r for r in results[0] + results[1] if isinstance(r, str)]
    assert not failures
    every = sorted(results[0] + results[1])
    assert every == list(range(2, 2 + 2 * CHANGES_PER_WORKER))  # each process saw its own distinct versions
    with Session(engine) as session:
        po = find_po(session, "PO-1", CUSTOMER, None, lock=False)
        versions = list(session.exec(select(PoVersion).where(PoVersion.po_id == po.id)
                                     .order_by(col(PoVersion.version))))
        assert [v.version for v in versions] == list(range(1, 2 + 2 * CHANGES_PER_WORKER))
        assert po.latest_version == 1 + 2 * CHANGES_PER_WORKER
        # each version holds exactly the quantity its own change set (no lost update between the two)
        by_source = {}
        for v in versions[1:]:
            row = session.exec(select(PoLine).where(PoLine.version_id == v.id)).one()
            by_source.setdefault(v.source, []).append(int(Decimal(row.quantity)))
    assert by_source["worker 1"] == [100 + i for i in range(CHANGES_PER_WORKER)]
    assert by_source["worker 2"] == [200 + i for i in range(CHANGES_PER_WORKER)]
    engine.dispose()
