"""Delivery to an SFTP partner through real `gateway worker` + `gateway scheduler` processes on Redis and
PostgreSQL, with the suite's OpenSSH server as fabrikam's: the server stopped for a while (deliveries wait, retry
with the task's backoff and complete, nothing lost or doubled), and the worker SIGKILLed while an upload is under
way (the file arrives once, complete: the sweeper wakes the message left `sending`, and the plain rename that
never overwrites plus "already there" make the resend exactly once).

As in tests/workers/test_crash_safety.py, the sweeper wakes messages untouched for 10 s (production 300)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from mappers.x12.reader import read_interchanges
from tests.factories import line, order
from tests.hub import sent_by
from tests.transports.sshd import Sshd
from tests.workers.conftest import fresh_postgres, gateways  # noqa: F401  (fixtures)
from tests.workers.pipeline_gateway import PipelineGateway
from tests.workers.remote_partners import put_on_sftp
from tests.workers.test_crash_safety import TEST_SETTINGS, settled

pytestmark = pytest.mark.slow


def fabrikam_on_sftp(tmp_path: Path, database_url: str, redis_url: str, prefix: str, server: Sshd,
                     started: list[PipelineGateway]) -> tuple[PipelineGateway, Path]:
    """A gateway with contoso on its folder and fabrikam on SFTP; where fabrikam's deliveries land."""
    gateway = PipelineGateway(tmp_path, database_url, redis_url, prefix, GATEWAY_KEY_DIR=str(tmp_path / "keys"),
                              **TEST_SETTINGS)
    started.append(gateway)
    deliveries = put_on_sftp(gateway, "fabrikam", server)[1]
    gateway.install()
    return gateway, deliveries


def drop_orders(gateway: PipelineGateway, count: int, lines: int = 2) -> list[str]:
    pos = [f"SFTP-{n:03d}" for n in range(count)]
    for n, po in enumerate(pos):
        data = sent_by("contoso", "fabrikam", "850", order(po, [line(i) for i in range(1, lines + 1)],
                                                           vendor="fabrikam"), 20_000 + n)
        gateway.drop("contoso", f"po-{n:03d}.edi", data)
    return pos


def assert_each_once_and_complete(gateway: PipelineGateway, deliveries: Path, pos: list[str]) -> None:
    def done() -> bool:
        return len([p for p in deliveries.iterdir() if not p.name.startswith(".")]) >= len(pos) and settled(gateway)

    gateway.wait(done, 240, f"{len(pos)} POs on fabrikam's SFTP server and every message settled")
    time.sleep(2)  # a second copy would land now
    delivered = [p for p in deliveries.iterdir() if not p.name.startswith(".")]
    found = [tx.one("BEG").elements[3] for p in delivered
             for g in read_interchanges(p.read_bytes(), "ascii")[0].groups for tx in g.transactions]
    assert sorted(found) == sorted(pos), "a PO lost or delivered twice"
    assert not [po for po, n in Counter(found).items() if n > 1]
    with gateway.engine.connect() as conn:
        states = dict(conn.execute(text("SELECT direction || ' ' || state, count(*) FROM message "
                                        "WHERE partner_id = 'fabrikam' GROUP BY direction, state")).all())
    assert states == {"out sent": len(pos)}, states


def test_sftp_server_down_for_a_while_deliveries_wait_retry_and_complete(
        tmp_path: Path, sshd: Sshd, fresh_postgres: str, redis_url: str, redis_prefix: str,  # noqa: F811
        gateways: list[PipelineGateway]) -> None:  # noqa: F811
    gateway, deliveries = fabrikam_on_sftp(tmp_path, fresh_postgres, redis_url, redis_prefix, sshd, gateways)
    gateway.start("worker")
    gateway.start("scheduler")
    sshd.stop()
    try:
        pos = drop_orders(gateway, 10)

        def failing() -> bool:
            with gateway.engine.connect() as conn:
                return bool(conn.execute(text("SELECT consecutive_failures FROM partner_health WHERE partner_id = "
                                              "'fabrikam'")).scalar())

        gateway.wait(failing, 60, "deliveries to fabrikam failing while its server is down")
        time.sleep(5)
        assert [p for p in deliveries.iterdir() if not p.name.startswith(".")] == []
    finally:
        sshd.start()
    assert_each_once_and_complete(gateway, deliveries, pos)


def test_worker_killed_during_an_sftp_upload_the_file_arrives_once_complete(
        tmp_path: Path, sshd: Sshd, fresh_postgres: str, redis_url: str, redis_prefix: str,  # noqa: F811
        gateways: list[PipelineGateway]) -> None:  # noqa: F811
    gateway, deliveries = fabrikam_on_sftp(tmp_path, fresh_postgres, redis_url, redis_prefix, sshd, gateways)
    worker = gateway.start("worker")
    gateway.start("scheduler")
    killed = threading.Event()

    def kill_mid_upload() -> None:  # the worker goes the moment an upload's temporary file is on the server
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed.is_set():
            if any(p.name.endswith(".tmp") for p in deliveries.iterdir()):
                gateway.kill(worker)
                killed.set()
            time.sleep(0.0005)

    watcher = threading.Thread(target=kill_mid_upload, daemon=True)
    watcher.start()
    pos = drop_orders(gateway, 3, lines=1500)  # large enough for the upload to take a moment
    watcher.join(130)
    assert killed.is_set(), f"no upload seen under way\n{gateway.logs()}"
    partial = [p for p in deliveries.iterdir() if p.name.endswith(".tmp")]
    gateway.start("worker")
    assert_each_once_and_complete(gateway, deliveries, pos)
    # The killed upload's temporary file stays, under its dot name that partners' pollers skip.
    assert all(p.exists() and p.name.startswith(".") for p in partial)
