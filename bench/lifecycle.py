"""Lifecycle benchmark: versions applied per second, and list query latency at 100,000 POs.

    .venv/bin/python bench/lifecycle.py [--quick] [--only sqlite|postgres] [--batch N] [--versions-only]
                                        [--postgres-url URL]

Phase 1 applies PO versions of 20 lines through the real services, each PO getting an original, a change, a
vendor response and a confirmation: one transaction per document (lifecycle.apply), or with `--batch N` an
interchange at a time as the pipeline applies them (N POs' originals in one unit of work, then their changes,
responses and confirmations; the batch's applied_set rows in one statement, its POs locked and held by
`gateway.lifecycle.batch`, every document as if under its own savepoint). It prints documents/s and the
statements and round trips each document costs. Phase 2 bulk-inserts POs up to the target count in every
state, then times each list's first page and page 100 (50 rows a page). Figures are printed, not asserted.
Targets on a 2-core machine: >= 500 versions/s, >= 600 documents/s with --batch on PostgreSQL, every list
p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from gateway import lifecycle, workspace  # noqa: E402
from gateway.bootstrap import install  # noqa: E402
from gateway.canonical import (  # noqa: E402
    Confirmation,
    Dimensions,
    LineChange,
    OrderLine,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    ResponseStatus,
    VendorResponse,
)
from gateway.canonical.documents import ChangeCode  # noqa: E402
from gateway.db import make_engine, unit_of_work  # noqa: E402
from gateway.lifecycle.batch import apply_sets, held  # noqa: E402
from gateway.messages.store import MESSAGE_T  # noqa: E402
from gateway.models import (  # noqa: E402
    OnHandRow,
    PoEvent,
    PoLine,
    PoState,
    PoVersion,
    PurchaseOrder,
    ReceiptLineRow,
    ReceiptRow,
)
from gateway.partners import load_partners  # noqa: E402
from gateway.pipeline.outcomes import claim, outcome_row  # noqa: E402
from gateway.settings import DEFAULT_PARTNERS  # noqa: E402

CUSTOMER, VENDORS = "contoso", ("fabrikam", "northwind", "litware")
LINES = 20


def lines() -> tuple[OrderLine, ...]:
    return tuple(OrderLine(line_number=str(n), quantity=Decimal(10 + n), unit_price=Decimal("4.25"),
                           buyer_item=f"ITEM-{n}", upc=f"0000000{n:05d}", description=f"Widget {n}",
                           requested_delivery_date=date(2027, 1, 1),
                           dimensions=Dimensions(site="1", warehouse="11", color="Red", size="M"))
                 for n in range(1, LINES + 1))


def po_documents(i: int, body: tuple[OrderLine, ...]) -> list[Any]:
    """An original, a change, the vendor's acceptance of version 2 and its confirmation, for PO number i."""
    number, vendor = f"B{i:07d}", VENDORS[i % 3]
    return [
        PurchaseOrderVersion(po_number=number, customer=CUSTOMER, vendor=vendor, order_date=date(2026, 11, 1),
                             lines=body),
        PurchaseOrderChange(po_number=number, customer=CUSTOMER, vendor=vendor, change_sequence="1",
                            lines=(LineChange(line_number="3", change=ChangeCode.QUANTITY, quantity=Decimal(99)),)),
        VendorResponse(po_number=number, version=2, customer=CUSTOMER, vendor=vendor, status=ResponseStatus.ACCEPT),
        Confirmation(po_number=number, version=2, customer=CUSTOMER, vendor=vendor),
    ]


def phase1(engine: Engine, pos: int, batch: int = 1) -> tuple[float, float, int]:
    """Return (versions/s, documents/s, documents) for `pos` POs of 2 versions each."""
    if batch > 1:
        return phase1_batched(engine, pos, batch)
    body = lines()
    versions = documents = 0
    t0 = time.perf_counter()
    for i in range(pos):
        docs = po_documents(i, body)
        for doc in docs:
            lifecycle.apply(engine, doc, "bench")
        versions += 2
        documents += len(docs)
        if (i + 1) % max(1, pos // 10) == 0:
            rate = versions / (time.perf_counter() - t0)
            print(f"  ... {i + 1}/{pos} POs, {versions} versions, {rate:.0f} versions/s", flush=True)
    elapsed = time.perf_counter() - t0
    return versions / elapsed, documents / elapsed, documents


def phase1_batched(engine: Engine, pos: int, batch: int) -> tuple[float, float, int]:
    """`batch` POs at a time: each of their four documents kinds is one interchange, one unit of work."""
    body = lines()
    documents = 0
    t0 = time.perf_counter()
    for first in range(0, pos, batch):
        per_po = [po_documents(i, body) for i in range(first, min(pos, first + batch))]
        for kind in range(4):  # originals, then changes, responses, confirmations: four interchanges
            with unit_of_work(engine) as session:
                message_id = _bench_message(session, first, kind)
                claim(session, [outcome_row(message_id, index, "850", f"{first}/{kind}/{index}", "applied")
                                for index in range(len(per_po))])
                sets = [(index, docs[kind]) for index, docs in enumerate(per_po)]
                with held(session, {(CUSTOMER, doc.po_number) for _, doc in sets}):
                    apply_sets(session, sets,
                               lambda item, s=session, m=message_id: lifecycle.handle(s, item[1], f"message {m} "
                                                                                              f"set {item[0]}"),
                               _refused)
            documents += len(per_po)
        done = min(pos, first + batch)
        if done % max(batch, pos // 10) < batch:
            rate = 2 * done / (time.perf_counter() - t0)
            print(f"  ... {done}/{pos} POs, {2 * done} versions, {rate:.0f} versions/s", flush=True)
    elapsed = time.perf_counter() - t0
    return 2 * pos / elapsed, documents / elapsed, documents


def _refused(item: tuple[int, Any], error: Exception) -> None:
    raise AssertionError(f"set {item[0]} refused: {error}") from error


def _bench_message(session: Session, first: int, kind: int) -> int:
    now = datetime.now(UTC)
    return int(session.connection().execute(_MESSAGE, {
        "direction": "in", "kind": "document", "state": "acknowledged", "sha256": f"{first:032d}{kind:032d}",
        "size": 0, "set_types": [], "controls": [], "created_at": now, "updated_at": now}).scalar_one())


_MESSAGE = insert(MESSAGE_T).returning(MESSAGE_T.c.id)  # compiled once: the bench times the lifecycle, not this


STATES = [(PoState.FOR_REVIEW, "standard"), (PoState.AWAITING_CUSTOMER, "standard"),
          (PoState.CONFIRMED, "standard"), (PoState.RECEIVED, "standard"), (PoState.CONFIRMED, "consignment"),
          (PoState.CANCELLED, "standard")]


def phase2_seed(engine: Engine, target: int) -> None:
    """Bulk-insert POs (with one version, 20 lines and an event each) up to `target` POs in all."""
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM purchase_order")).scalar_one()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 2000
    for offset in range(have, target, batch):
        n = min(batch, target - offset)
        with Session(engine) as session:
            rows = []
            for k in range(offset, offset + n):
                state, kind = STATES[k % len(STATES)]
                when = start + timedelta(seconds=k * 7)
                vendor = VENDORS[(k // len(STATES)) % 3]  # every vendor gets POs in every state
                rows.append({"customer_id": CUSTOMER, "vendor_id": vendor, "po_number": f"S{k:07d}",
                             "kind": kind, "state": state.value, "latest_version": 1, "created_at": when,
                             "updated_at": when, "order_date": when.date(),
                             "confirmed_version": 1 if state in (PoState.CONFIRMED, PoState.RECEIVED) else None})
            ids = session.execute(insert(PurchaseOrder).returning(PurchaseOrder.id), rows).scalars().all()
            versions = session.execute(insert(PoVersion).returning(PoVersion.id), [
                {"po_id": i, "version": 1, "arrived_as": "original", "received_at": start, "notes": [],
                 "charges": [], "source": "seed"} for i in ids]).scalars().all()
            session.execute(insert(PoLine), [
                {"version_id": v, "line_number": str(ln), "quantity": Decimal(5), "uom": "EA",
                 "unit_price": Decimal("1.5"), "notes": [], "charges": []}
                for v in versions for ln in range(1, LINES + 1)])
            session.execute(insert(PoEvent), [
                {"po_id": i, "vendor_id": r["vendor_id"], "customer_id": CUSTOMER, "kind": "version", "version": 1,
                 "detail": "seeded", "source": "seed", "at": r["created_at"]} for i, r in zip(ids, rows, strict=True)])
            consignment = [(i, r) for i, r in zip(ids, rows, strict=True) if r["kind"] == "consignment"]
            receipts = session.execute(insert(ReceiptRow).returning(ReceiptRow.id), [
                {"po_id": i, "vendor_id": r["vendor_id"], "customer_id": CUSTOMER, "receipt_number": "T1",
                 "consignment": True, "source": "seed", "recorded_at": r["created_at"]}
                for i, r in consignment]).scalars().all()
            session.execute(insert(ReceiptLineRow), [
                {"receipt_id": rid, "line_number": "1", "quantity": Decimal(5), "item": "ITEM-1"} for rid in receipts])
            session.execute(insert(OnHandRow), [
                {"customer_id": CUSTOMER, "vendor_id": VENDORS[k % 3], "warehouse": f"WH-{k % 50:02d}",
                 "item": f"ITEM-{k:07d}", "quantity": Decimal(k % 90 + 1), "uom": "EA", "color": "Red",
                 "recorded_at": start} for k in range(offset, offset + n)])
            session.commit()
        print(f"  ... seeded {offset + n}/{target} POs (with their consignment receipts and as many on-hand rows)",
              flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def phase2_queries(engine: Engine, repeats: int) -> list[tuple[str, str, float, float]]:
    results = []
    queries = {which.value: (lambda s, f, w=which: workspace.po_list(s, w, f)) for which in workspace.PoList}
    queries["confirmation_history"] = workspace.confirmation_history
    queries["consignment_receipts"] = workspace.consignment_receipts
    queries["onhand"] = workspace.onhand
    for name, query in queries.items():
        for page in (1, 100):
            for vendor in (None, "fabrikam"):
                times = []
                with Session(engine) as session:
                    for _ in range(repeats):
                        t0 = time.perf_counter()
                        query(session, workspace.Filters(vendor=vendor, page=page, size=50))
                        times.append((time.perf_counter() - t0) * 1000)
                p50 = statistics.median(times)
                p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 20 else max(times)
                results.append((name, f"page {page}" + (f", vendor {vendor}" if vendor else ""), p50, p95))
    return results


class Costs:
    """What phase 1 costs: statements sent and transactions, counted on PostgreSQL at the driver (psycopg's
    cursors, which the lifecycle's fast paths use directly too) and on SQLite as SQLAlchemy sends them; the CPU
    time of this process and, when PostgreSQL runs on this machine, of its server processes (/proc), which a
    loaded machine does not inflate the way it does wall time."""

    def __init__(self, engine: Engine) -> None:
        self.statements = self.commits = 0
        self.engine = engine
        self.patched: dict[str, Any] = {}
        self.backends: dict[int, float] = {}  # server process id -> its CPU seconds when first seen
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def _checkout(self, dbapi_connection: Any, *_: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        if pid not in self.backends:
            self.backends[pid] = _process_cpu(pid)

    def __enter__(self) -> Costs:
        event.listen(self.engine, "commit", self._commit)
        if self.engine.dialect.name != "postgresql":
            event.listen(self.engine, "before_cursor_execute", self._statement)
            return self
        event.listen(self.engine, "checkout", self._checkout)
        import psycopg

        for name in ("execute", "executemany"):
            self.patched[name] = original = getattr(psycopg.Cursor, name)

            def counted(cursor: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                self.statements += 1
                return _original(cursor, *args, **kwargs)
            setattr(psycopg.Cursor, name, counted)
        return self

    def __exit__(self, *_: Any) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.server = sum(_process_cpu(pid) - cpu for pid, cpu in self.backends.items())
        event.remove(self.engine, "commit", self._commit)
        if self.engine.dialect.name != "postgresql":
            event.remove(self.engine, "before_cursor_execute", self._statement)
            return
        event.remove(self.engine, "checkout", self._checkout)
        import psycopg

        for name, original in self.patched.items():
            setattr(psycopg.Cursor, name, original)

    def per_document(self, documents: int) -> str:
        """A statement (an executemany too), a BEGIN and a COMMIT are a round trip each."""
        trips = self.statements + 2 * self.commits
        per = 1000 / documents
        server = f", server CPU {self.server * per:.2f} ms" if self.backends and self.server >= 0 else ""
        return (f"{self.statements / documents:.2f} statements, {trips / documents:.2f} round trips, "
                f"{self.commits / documents:.3f} commits per document; per document: wall {self.wall * per:.2f} ms, "
                f"this process's CPU {self.cpu * per:.2f} ms{server}")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process of this machine; NaN when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(label: str, engine: Engine, pos: int, target: int, repeats: int, lists_only: bool = False,
        batch: int = 1, versions_only: bool = False) -> None:
    print(f"\n== {label} ==", flush=True)
    install(engine, load_partners(DEFAULT_PARTNERS))
    if not lists_only:
        how = f"an interchange of {batch} at a time" if batch > 1 else "one transaction per document"
        print(f"phase 1: {pos} POs x 2 versions of {LINES} lines, each answered and confirmed ({how})", flush=True)
        with Costs(engine) as trips:
            vps, dps, docs = phase1(engine, pos, batch)
        print(f"\n{label}: {2 * pos} versions applied at {vps:.0f} versions/s ({docs} documents, "
              f"{dps:.0f} documents/s; load average {os.getloadavg()[0]:.2f})\n  {trips.per_document(docs)}",
              flush=True)
        if versions_only:
            return
    print(f"phase 2: seeding to {target} POs", flush=True)
    phase2_seed(engine, target)
    rows = phase2_queries(engine, repeats)
    print(f"{label}: list queries at {target} POs ({repeats} runs each), ms")
    print(f"  {'list':<22} {'which':<26} {'p50':>7} {'p95':>7}")
    for name, which, p50, p95 in rows:
        print(f"  {name:<22} {which:<26} {p50:7.2f} {p95:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1/10 of the sizes")
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--lists-only", action="store_true", help="skip phase 1 (versions/s)")
    parser.add_argument("--batch", type=int, default=1, help="documents per interchange (unit of work)")
    parser.add_argument("--versions-only", action="store_true", help="phase 1 only (versions/s)")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    pos, target, repeats = (500, 10_000, 20) if args.quick else (5_000, 100_000, 40)
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            run("SQLite", engine, pos, target, repeats, args.lists_only, args.batch, args.versions_only)
            engine.dispose()
    if args.only in (None, "postgres"):
        name = f"gw_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(args.postgres_url.rsplit("/", 1)[0] + f"/{name}")
            run("PostgreSQL", engine, pos, target, repeats, args.lists_only, args.batch, args.versions_only)
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
