"""End-to-end pipeline throughput and latency with real parts: folder partners, Redis, PostgreSQL, `gateway
worker` (1 and 2 processes) and `gateway scheduler`.

Run as `.venv/bin/python bench/pipeline.py [--quick]` (a benchmark, not a test). For each worker count it
measures, on a fresh database:
- batch files: contoso drops files of 100 POs each; POs/s from the first drop until every vendor file and every
  997 is written;
- single-PO files: as many one-PO files dropped at once; files/s the same way;
- latency: one-PO files offered at 10 files/s; p50/p99 from a file's drop (renamed into place) to the later of
  its vendor file and its 997 being written.
and, for the single-PO files, the CPU they took per file: the gateway's processes (worker, its pool, scheduler),
the PostgreSQL backends serving the run's database and Redis (the whole server: shared with whatever else uses
it), read from /proc (the servers must be on this machine);
and, in the same run, the X12 engine alone on the same kind of POs (bench/x12.py's "ours": validate + ack +
read + map, no database), so that the pipeline's overhead shows as a ratio.

Partners poll every 0.5 s (`poll_seconds`, a partners-file setting; the demo default is 5 s, which alone would
put p99 above 2 s). Everything else is production settings. PostgreSQL: GATEWAY_TEST_POSTGRES_URL (default the
local server); Redis: GATEWAY_TEST_REDIS_URL (default the local server, keys under a prefix of this run's own).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from gateway.partners import load_partners  # noqa: E402
from gateway.settings import DEFAULT_PARTNERS  # noqa: E402
from gateway.x12_profiles import profile_for  # noqa: E402
from mappers.x12.translate import RenderRequest, render  # noqa: E402
from mappers.x12.writer import ThrowawayNumbers  # noqa: E402
from tests.conftest import created_database  # noqa: E402
from tests.factories import line, order  # noqa: E402
from tests.workers.pipeline_gateway import PipelineGateway  # noqa: E402

REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PARTNERS = load_partners(DEFAULT_PARTNERS)
PROFILE = profile_for(PARTNERS.get("fabrikam"), PARTNERS.get("contoso"))  # both 004010 with `*`: as contoso sends
NOW = datetime(2026, 11, 25, 12, 0)


def interchange(isa13: int, first_po: int, pos: int) -> bytes:
    """An 850 interchange from contoso to fabrikam with `pos` POs of two lines."""
    requests = [RenderRequest(order(f"B-{n:07d}", [line(1), line(2)])) for n in range(first_po, first_po + pos)]
    return render("850", requests, PROFILE, ThrowawayNumbers(isa13), NOW)


class Run:
    """One gateway on a fresh database with `processes` worker processes."""

    def __init__(self, root: Path, database_url: str, processes: int) -> None:
        self.gateway = PipelineGateway(root, database_url, REDIS_URL, f"bench-{uuid.uuid4().hex[:8]}:")
        self.gateway.install()
        self.gateway.start("scheduler")
        self.gateway.start("worker", "--concurrency", str(processes))
        self.isa13 = 1000
        self.dropped: dict[str, float] = {}

    def drop(self, pos: int) -> None:
        self.isa13 += 1
        name = f"in-{self.isa13}.edi"
        self.gateway.drop("contoso", name, interchange(self.isa13, self.isa13 * 1000, pos))
        self.dropped[name] = time.time()

    def done(self) -> bool:
        """Every dropped file routed and everything it caused sent."""
        with self.gateway.engine.connect() as conn:
            routed, waiting = conn.execute(text(
                "SELECT count(*) FILTER (WHERE direction = 'in' AND state = 'routed'), "
                "count(*) FILTER (WHERE direction = 'out' AND state <> 'sent') FROM message")).one()
        return bool(routed == len(self.dropped) and waiting == 0)

    def wait(self, timeout: float = 600) -> float:
        self.gateway.wait(self.done, timeout, "every file processed and delivered")
        return time.time()

    def latencies(self) -> list[float]:
        """Per dropped file: seconds from its drop to the later of its vendor file and its 997 being written."""
        folders = {"fabrikam": self.gateway.outbound("fabrikam"), "contoso": self.gateway.outbound("contoso")}
        with self.gateway.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT i.channel_id, o.partner_id, o.file_name FROM message i JOIN message o ON o.caused_by_id = i.id "
                "WHERE i.direction = 'in'")).all()
        written: dict[str, float] = {}
        for channel_id, partner, file_name in rows:
            mtime = (folders[partner] / file_name).stat().st_mtime
            written[channel_id] = max(written.get(channel_id, 0.0), mtime)
        return [written[name] - dropped for name, dropped in self.dropped.items()]

    def stop(self) -> None:
        self.gateway.stop()

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each process, by part: gateway (every process of the sessions the gateway's
        commands were started in, reaped children included), postgres (the backends of this run's database but
        the bench's own), redis."""
        sessions = {process.pid for process in self.gateway.processes}
        with self.gateway.engine.connect() as conn:
            backends = set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                             "AND pid <> pg_backend_pid()")).scalars())
        found: dict[str, dict[int, float]] = {"gateway": {}, "postgres": {}, "redis": {}}
        ticks = os.sysconf("SC_CLK_TCK")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            fields, pid = tail.split(), int(entry.name)
            seconds = sum(int(f) for f in fields[11:15]) / ticks  # utime, stime, cutime, cstime
            part = ("gateway" if int(fields[3]) in sessions else "postgres" if pid in backends
                    else "redis" if head.endswith("(redis-server") else None)
            if part:
                found[part][pid] = seconds
        return found


def measure(processes: int, batch_files: int, singles: int, offered_seconds: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    for label in ("batch", "single", "latency"):
        with created_database() as url, tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), url, processes)
            try:
                time.sleep(3)  # the worker and the scheduler start up
                if label == "batch":
                    start = time.time()
                    for _ in range(batch_files):
                        run.drop(100)
                    figures["batch POs/s"] = batch_files * 100 / (run.wait() - start)
                elif label == "single":
                    before = run.cpu()
                    start = time.time()
                    for _ in range(singles):
                        run.drop(1)
                    figures["single files/s"] = singles / (run.wait() - start)
                    after = run.cpu()
                    for part, now in after.items():
                        figures[f"{part} CPU ms"] = 1000 * sum(
                            seconds - before[part].get(pid, 0.0) for pid, seconds in now.items()) / singles
                else:
                    start = time.time()
                    for n in range(int(offered_seconds * 10)):
                        time.sleep(max(0.0, start + n / 10 - time.time()))
                        run.drop(1)
                    run.wait()
                    lat = sorted(run.latencies())
                    figures["p50 s"] = statistics.median(lat)
                    figures["p99 s"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            finally:
                run.stop()
    return figures


def engine_alone(pos: int) -> float:
    """bench/x12.py's "ours" (validate + ack + read + map) on `pos` POs of this bench's shape: POs/s."""
    sys.path.insert(0, str(ROOT / "bench"))
    import x12 as x12_bench  # bench/x12.py

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.edi"
        path.write_bytes(interchange(1, 1, pos))
        x12_bench._ours(path)  # warm: imports and maps
        start = time.perf_counter()
        x12_bench._ours(path)
        return pos / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (a minute or two in all)")
    args = parser.parse_args()
    batch_files, singles, offered = (3, 60, 10) if args.quick else (10, 200, 30)
    from gateway.x12_maps import install

    install()  # the pyx12 map directories this process validates with (the gateway's processes build their own)
    engine = engine_alone(batch_files * 100)
    print(f"X12 engine alone (validate + ack + read + map, no database): {engine:,.0f} POs/s")
    print(f"{'workers':>7} {'batch POs/s':>12} {'x engine':>9} {'single files/s':>15} {'p50 s':>7} {'p99 s':>7}"
          f" {'CPU ms/file':>22}   (batch: {batch_files} files of 100 POs; single: {singles} files; latency: 10 "
          f"files/s for {offered:g} s; CPU of the single files: gateway + PostgreSQL + Redis)")
    for processes in (1, 2):
        f = measure(processes, batch_files, singles, offered)
        print(f"{processes:>7} {f['batch POs/s']:12.1f} {f['batch POs/s'] / engine:9.3f} {f['single files/s']:15.1f} "
              f"{f['p50 s']:7.2f} {f['p99 s']:7.2f} {f['gateway CPU ms']:8.1f} + {f['postgres CPU ms']:4.1f} + "
              f"{f['redis CPU ms']:4.1f}", flush=True)


if __name__ == "__main__":
    main()
