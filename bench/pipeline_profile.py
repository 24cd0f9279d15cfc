"""Where one file's time and database work go in the pipeline, without Celery: round trips and commits per step.

Run as `.venv/bin/python bench/pipeline_profile.py [--singles N] [--profile]` (a benchmark, not a test). On a
fresh PostgreSQL database (GATEWAY_TEST_POSTGRES_URL, default the local server) with the demo partners on
folders under a temporary root, it takes each file the way the workers do, inline:
- receive (what a poll hands each file to),
- process, counted as one try (`attempts.begin` / `end`, as the inbound task does), and the outbound messages it
  queued looked up,
- deliver them to the partners' folders, as the inbound task does right after processing (`deliver_all`: each
  counted as one try; any it leaves, as the outbound task does),
first for `--singles` one-PO files, then for one file of 100 POs. It prints, per file, the statements sent
(SQLAlchemy's `before_cursor_execute`), commits, transactions and all database round trips (the statements and
each transaction's BEGIN, COMMIT or ROLLBACK and the pool's ping) of each step, the CPU it took (this process's,
and that of the PostgreSQL backends serving its connections, read from /proc: the server must be on this
machine), and with
`--profile` a cProfile top 25 of the single-PO files and of the batch file (sorted by PROFILE_SORT, default
cumulative; `tottime` shows where the process itself spends).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402

from gateway.health import HealthNotes  # noqa: E402
from gateway.messages.states import MessageState  # noqa: E402
from gateway.partners import PartnersFile, load_partners  # noqa: E402
from gateway.pipeline import attempts  # noqa: E402
from gateway.pipeline.deliver import deliver, deliver_all  # noqa: E402
from gateway.pipeline.services import Outcome, process, receive  # noqa: E402
from tests.conftest import created_database  # noqa: E402
from tests.workers.pipeline_gateway import PipelineGateway  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from pipeline import NOW, interchange  # noqa: E402  (bench/pipeline.py: the same files)

STEPS = ("receive", "process", "deliver")


class Counts:
    """What the engine sent, by the step that sent it: statements, commits, transactions, and all round trips
    (statements, and each transaction's BEGIN and COMMIT or ROLLBACK and the pool's ping at checkout)."""

    KINDS = ("statements", "commits", "transactions", "round trips")

    def __init__(self, engine: Engine) -> None:
        self.step = "other"
        self.counts: dict[str, Counter[str]] = {kind: Counter() for kind in self.KINDS}
        event.listen(engine, "before_cursor_execute", lambda *_: self._add("statements"))
        # In autocommit (gateway.db.read_session(snapshot=False)) the driver sends no BEGIN, COMMIT or ROLLBACK
        event.listen(engine, "begin", lambda conn: _sent(conn) and self._add("transactions", "round trips"))
        event.listen(engine, "commit", lambda conn: _sent(conn) and self._add("commits", "round trips"))
        event.listen(engine, "rollback", lambda conn: _sent(conn) and self._add("round trips"))
        if engine.pool._pre_ping:  # type: ignore[attr-defined]  (gateway.db pings only connections long idle)
            event.listen(engine.pool, "checkout", lambda *_: self._add("round trips"))

    def _add(self, *kinds: str) -> None:
        for kind in kinds:
            self.counts[kind][self.step] += 1
        if "statements" in kinds:
            self.counts["round trips"][self.step] += 1

    def reset(self) -> None:
        for counter in self.counts.values():
            counter.clear()


def _sent(conn: Connection) -> bool:
    return bool(conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT")


class Cpu:
    """CPU seconds of this process and of the PostgreSQL backends serving the engine's connections (their
    /proc entries: 0 for a server elsewhere)."""

    def __init__(self, engine: Engine) -> None:
        self.backends: set[int] = set()
        event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_conn: object, _record: object) -> None:
        cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_backend_pid()")
        self.backends.add(int(cursor.fetchone()[0]))
        cursor.close()

    def seconds(self) -> tuple[float, float]:
        """(this process, the backends) so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        backends = 0.0
        for pid in self.backends:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # closed meanwhile, or another machine's
                continue
            backends += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return time.process_time(), backends


def one_file(gateway: PipelineGateway, counts: Counts, health: HealthNotes, partners: PartnersFile, data: bytes,
             name: str) -> float:
    """`data` through receive, process and delivery, as the workers take it; seconds it took."""
    engine, settings = gateway.engine, gateway.settings
    start = time.perf_counter()
    counts.step = "receive"
    message_id = receive(engine, settings, data, partner="contoso", transport="folder",
                         channel_id=name).message_id
    counts.step = "process"
    done: list[Outcome] = []
    ran(engine, message_id, attempts.IN_STEPS, lambda: _kept(done, process(engine, settings, message_id, now=NOW)))
    queued = done[-1].queued if done and done[-1].queued is not None else attempts.queued_outbound(engine, message_id)
    counts.step = "deliver"
    for out_id, owed in deliver_all(engine, settings, partners, queued, health=health).left:
        ran(engine, out_id, attempts.OUT_STEPS,
            lambda out_id=out_id, owed=owed: deliver(engine, settings, partners, out_id, health=health,
                                                     count_try=owed).state, counts_itself=True)
    counts.step = "other"
    return time.perf_counter() - start


def _kept(done: list[Outcome], outcome: Outcome) -> MessageState:
    done.append(outcome)
    return outcome.state


def ran(engine: Engine, message_id: int, steps: frozenset[MessageState], work: Callable[[], MessageState],
        counts_itself: bool = False) -> None:
    """One counted try of a step, as workers.tasks runs it (a try that moved the message out of its steps was
    taken back by that move; delivery counts its own try)."""
    if (counts_itself or attempts.begin(engine, message_id, steps)) and work() in steps:
        attempts.end(engine, message_id)


def report(label: str, counts: Counts, files: int, seconds: float, cpu: tuple[float, float]) -> None:
    """Per file: statements/commits/transactions/round trips, in all and by step; time; CPU (this process,
    PostgreSQL)."""
    per = {step: [counts.counts[kind][step] / files for kind in Counts.KINDS] for step in STEPS}
    total = [sum(values[i] for values in per.values()) for i in range(len(Counts.KINDS))]
    steps = "  ".join(f"{step} {'/'.join(f'{v:.0f}' for v in values)}" for step, values in per.items())
    print(f"{label:<20} {'/'.join(Counts.KINDS)} per file: {'/'.join(f'{v:.0f}' for v in total)} "
          f"({steps}); {seconds / files * 1000:.0f} ms per file; CPU {cpu[0] / files * 1000:.0f} ms here + "
          f"{cpu[1] / files * 1000:.0f} ms PostgreSQL per file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--singles", type=int, default=20, help="one-PO files to run (default 20)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile top 25 of each kind of file")
    args = parser.parse_args()
    from gateway.x12_maps import install

    install()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with created_database() as url, tempfile.TemporaryDirectory() as tmp:
        gateway = PipelineGateway(Path(tmp), url)
        gateway.install()
        # What a worker keeps for its life: the partners file, its health notes
        counts, health = Counts(gateway.engine), HealthNotes(gateway.engine)
        cpu = Cpu(gateway.engine)
        gateway.engine.dispose()  # connections from here on are counted
        partners = load_partners(gateway.partners_file)
        one_file(gateway, counts, health, partners, interchange(1, 1, 1), "warm.edi")  # imports, maps, connection pool
        for label, files, pos in ((f"{args.singles} one-PO files", args.singles, 1), ("one 100-PO file", 1, 100)):
            counts.reset()
            profiler = cProfile.Profile() if args.profile else None
            seconds = 0.0
            before = cpu.seconds()
            for n in range(files):
                isa13 = 100 + n + (1000 if pos > 1 else 0)
                data = interchange(isa13, isa13 * 1000, pos)
                if profiler:
                    profiler.enable()
                seconds += one_file(gateway, counts, health, partners, data, f"in-{isa13}.edi")
                if profiler:
                    profiler.disable()
            after = cpu.seconds()
            report(label, counts, files, seconds, (after[0] - before[0], after[1] - before[1]))
            if profiler:
                pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(25)
        gateway.engine.dispose()


if __name__ == "__main__":
    main()
