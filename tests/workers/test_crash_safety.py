"""Crash safety, proven with real processes: a batch of 200 interchanges (850s from contoso to fabrikam and
northwind) goes through workers that are SIGKILLed, a Redis that restarts empty, a database that refuses
connections for a while, and two workers from different working directories. Every time, each interchange is
processed exactly once: the vendors' folders hold each PO once under distinct ISA13s, contoso's folder one 997 per
interchange, and no message is failed or dead.

Production settings throughout, except two the test sets and says so: the sweeper wakes messages untouched for
10 s (GATEWAY_STUCK_SECONDS, production 300) every 2 s (GATEWAY_SWEEP_SECONDS), and a killed poller's lease
frees its partner after 10 s (GATEWAY_POLL_LEASE_SECONDS, production 60), so that the test takes seconds where
production would take minutes. Retry backoff, visibility timeouts and the tries limit are untouched.
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from mappers.x12.reader import read_interchanges
from tests.factories import line, order
from tests.hub import sent_by
from tests.workers.own_redis import OwnRedis
from tests.workers.pipeline_gateway import PipelineGateway, free_port
from tests.workers.recording import entries

pytestmark = pytest.mark.slow
BATCH = 200
VENDORS = ("fabrikam", "northwind")
TEST_SETTINGS = {"GATEWAY_STUCK_SECONDS": "10", "GATEWAY_SWEEP_SECONDS": "2", "GATEWAY_POLL_LEASE_SECONDS": "10"}


def gateway_for(root: Path, database_url: str, broker_url: str, prefix: str = "") -> PipelineGateway:
    gateway = PipelineGateway(root, database_url, broker_url, prefix, **TEST_SETTINGS)
    gateway.install()
    return gateway


def drop_batch(gateway: PipelineGateway, first: int = 0, count: int = BATCH) -> dict[str, str]:
    """`count` interchanges from contoso, one PO each, alternating vendors; returns PO number -> vendor."""
    sent = {}
    for n in range(first, first + count):
        vendor, po = VENDORS[n % 2], f"CRASH-{n:04d}"
        data = sent_by("contoso", vendor, "850", order(po, [line(1), line(2)], vendor=vendor), 10_000 + n)
        gateway.drop("contoso", f"po-{n:04d}.edi", data)
        sent[po] = vendor
    return sent


def delivered_pos(gateway: PipelineGateway, vendor: str) -> tuple[list[str], list[str]]:
    """The PO numbers (BEG03 of every set) and ISA13s of every interchange in `vendor`'s folder: a file may hold
    several POs, since routing envelopes an applied batch's sets for one vendor together."""
    pos, isa13s = [], []
    for path in gateway.delivered(vendor):
        for interchange in read_interchanges(path.read_bytes(), "ascii"):
            isa13s.append(interchange.control_number)
            pos += [tx.one("BEG").elements[3] for g in interchange.groups for tx in g.transactions]
    return pos, isa13s


def progress(gateway: PipelineGateway) -> int:
    return sum(len(delivered_pos(gateway, v)[0]) for v in VENDORS)


def settled(gateway: PipelineGateway) -> bool:
    """No message left in a middle state (a worker killed between a send and its mark leaves one `sending`
    until the sweeper wakes it)."""
    with gateway.engine.connect() as conn:
        middle = conn.execute(text("SELECT count(*) FROM message WHERE state IN ('received', 'validated', "
                                   "'acknowledged', 'applied', 'queued', 'sending')")).scalar_one()
    return middle == 0


def assert_exactly_once(gateway: PipelineGateway, sent: dict[str, str], timeout: float = 300) -> None:
    gateway.wait(lambda: progress(gateway) >= len(sent) and len(gateway.delivered("contoso")) >= len(sent)
                 and settled(gateway), timeout,
                 f"{len(sent)} POs delivered to the vendors, {len(sent)} 997s to contoso, every message settled")
    time.sleep(3)  # a second delivery would land now
    for vendor in VENDORS:
        pos, isa13s = delivered_pos(gateway, vendor)
        twice = [po for po, n in Counter(pos).items() if n > 1]
        assert not twice, f"delivered to {vendor} more than once: {twice}"
        assert sorted(pos) == sorted(po for po, v in sent.items() if v == vendor), f"lost or stray POs at {vendor}"
        assert len(set(isa13s)) == len(isa13s), f"an ISA13 used twice at {vendor}"
    answered = [tx.one("AK1").elements[2] for path in gateway.delivered("contoso")
                for g in read_interchanges(path.read_bytes(), "ascii")[0].groups for tx in g.transactions]
    assert len(answered) == len(set(answered)) == len(sent), "a 997 lost or sent twice"
    with gateway.engine.connect() as conn:
        states = dict(conn.execute(text("SELECT direction || ' ' || state, count(*) FROM message "
                                        "GROUP BY direction, state")).all())
        versions = conn.execute(text("SELECT count(*) FROM po_version")).scalar_one()
    assert states.pop("in routed") == len(sent) and states.pop("out sent") == 2 * len(sent), states
    assert set(states) <= {"in duplicate"}, f"messages left failed, dead or in the middle: {states}"
    assert versions == len(sent)


def test_workers_killed_at_random_points_of_a_batch_lose_nothing_and_double_nothing(
        tmp_path, fresh_postgres, redis_url, redis_prefix, gateways):
    gateway = gateway_for(tmp_path, fresh_postgres, redis_url, redis_prefix)
    gateways.append(gateway)
    gateway.start("scheduler")
    worker = gateway.start("worker")
    sent = drop_batch(gateway)
    for point in sorted(random.sample(range(5, BATCH - 20), 6)):
        gateway.wait(lambda point=point: progress(gateway) >= point, 120, f"{point} POs delivered")
        gateway.kill(worker)  # the whole worker: main process and pool, mid-task
        worker = gateway.start("worker")
    assert_exactly_once(gateway, sent)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="SKIPPED LOUDLY: no redis-server binary")
def test_redis_restarting_empty_in_the_middle_of_a_batch_loses_nothing(tmp_path, fresh_postgres, gateways):
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        gateway = gateway_for(tmp_path, fresh_postgres, redis.url)
        gateways.append(gateway)
        # Not supervised: the worker and the scheduler must ride out the restart themselves (reconnect), and
        # any exit of theirs fails the test (PipelineGateway.wait).
        scheduler, worker = gateway.start("scheduler"), gateway.start("worker")
        sent = drop_batch(gateway)
        for part in (1, 2):  # twice: what kills a worker depends on which socket sees the loss first
            gateway.wait(lambda part=part: progress(gateway) >= part * BATCH // 3, 120,
                         f"{part}/3 of the batch delivered")
            redis.stop()  # every queued wake-up is gone with it, tasks in flight included
            time.sleep(3)
            redis.start()
        assert_exactly_once(gateway, sent)
        assert (worker.poll(), scheduler.poll()) == (None, None), f"a process exited:\n{gateway.logs()}"
    finally:
        redis.stop()


class Proxy:
    """A TCP proxy in front of PostgreSQL that the test can close (every connection dropped, new ones refused)
    and open again: the database "refusing connections for a while"."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self) -> None:
        assert self.listener is not None
        with contextlib.suppress(OSError):  # wakes the accepting thread; close alone leaves it listening
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for conn in self.connections:
                # Shut down first: close alone leaves a socket another thread is reading alive, and PostgreSQL
                # would keep that session (and its row locks) open behind a proxy that says it is closed.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def test_a_database_refusing_connections_for_a_while_makes_messages_wait_not_die(
        tmp_path, fresh_postgres, redis_url, redis_prefix, gateways):
    host, rest = fresh_postgres.split("@", 1)[1].split("/", 1)
    proxy = Proxy((host.split(":")[0], int(host.split(":")[1])))
    proxy.open()
    proxied = fresh_postgres.replace(f"@{host}/", f"@127.0.0.1:{proxy.port}/")
    gateway = gateway_for(tmp_path, proxied, redis_url, redis_prefix)
    gateways.append(gateway)
    gateway.start("scheduler")
    gateway.start("worker")
    sent = drop_batch(gateway)
    gateway.wait(lambda: progress(gateway) >= BATCH // 4, 120, "a quarter of the batch delivered")
    proxy.close()
    time.sleep(8)
    proxy.open()
    assert_exactly_once(gateway, sent)
    worker_log = next(tmp_path.glob("worker-*.log")).read_text(errors="replace")
    assert "retry: Retry in" in worker_log and "Connection refused" in worker_log  # the outage was felt


def test_two_workers_from_different_directories_split_the_batch(tmp_path, fresh_postgres, redis_url, redis_prefix,
                                                                 gateways):
    gateway = gateway_for(tmp_path, fresh_postgres, redis_url, redis_prefix)
    gateways.append(gateway)
    gateway.start("scheduler")
    for place in ("a", "b"):
        (tmp_path / place).mkdir()
        gateway.start("worker", cwd=tmp_path / place)
    sent = drop_batch(gateway)
    assert_exactly_once(gateway, sent)
    logs = [p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log"))]
    processed = [len(re.findall(r"Task gateway\.inbound\.process_message\[[^]]+\] succeeded", log)) for log in logs]
    assert len(processed) == 2 and min(processed) > 0, f"the batch was not split: {processed}"


def test_a_message_that_kills_its_worker_three_times_goes_dead_while_the_rest_of_the_batch_goes_through(
        tmp_path, fresh_postgres, redis_url, redis_prefix, gateways):
    # The fault is injected in this test's worker only (tests/workers/poison.py, loaded through the intake
    # setting): applying a PO numbered POISON-* makes the worker process SIGKILL itself, every time.
    record = tmp_path / "kills.jsonl"
    gateway = PipelineGateway(tmp_path, fresh_postgres, redis_url, redis_prefix, **TEST_SETTINGS,
                              GATEWAY_RECEIVE_SERVICE="tests.workers.poison:intake",
                              GATEWAY_TEST_RECORD=str(record))
    gateway.install()
    gateways.append(gateway)
    gateway.start("scheduler")
    worker = gateway.start("worker")
    sent = {f"FINE-{n}": "fabrikam" for n in range(8)}
    for n, po in enumerate([*list(sent)[:4], "POISON-1", *list(sent)[4:]]):
        gateway.drop("contoso", f"po-{n}.edi", sent_by("contoso", "fabrikam", "850", order(po), 20_000 + n))

    def dead() -> tuple[str, str] | None:
        with gateway.engine.connect() as conn:
            return conn.execute(text("SELECT state, coalesce(error, '') FROM message WHERE direction = 'in' "
                                     "AND channel_id LIKE '%po-4.edi' AND state = 'dead'")).first()

    state, error = gateway.wait(dead, 180, "the poisoned message dead")
    assert "started 3 times and never finished: it killed its worker (or the worker was lost) 3 times" in error
    kills = [e for e in entries(record) if e["event"] == "killed"]
    assert [e["po"] for e in kills] == ["POISON-1"] * 3, kills  # tried three times, never a fourth
    assert len({e["pid"] for e in kills}) == 3  # a new worker process each time: the pool restarted it
    assert worker.poll() is None  # the worker itself lives on
    gateway.wait(lambda: len(delivered_pos(gateway, "fabrikam")[0]) >= len(sent) and settled(gateway), 120,
                 "the rest of the batch delivered")
    assert sorted(delivered_pos(gateway, "fabrikam")[0]) == sorted(sent)  # never the poisoned PO
    answered = [tx.one("AK1").elements[2] for path in gateway.delivered("contoso")
                for g in read_interchanges(path.read_bytes(), "ascii")[0].groups for tx in g.transactions]
    assert len(answered) == len(sent) + 1  # its 997 went out before the apply step that kills
    with gateway.engine.connect() as conn:
        states = dict(conn.execute(text("SELECT state, count(*) FROM message WHERE direction = 'in' "
                                        "GROUP BY state")).all())
    assert states == {"routed": len(sent), "dead": 1}
