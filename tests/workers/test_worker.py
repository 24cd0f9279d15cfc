"""Real worker processes (`python -m gateway worker`) on Redis and on the embedded filesystem broker, polling a
folder partner and handing each file to a recording receive service."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.settings import Settings
from tests.workers.own_redis import OwnRedis
from tests.workers.recording import entries
from workers.app import POLL_TASK, create_app

ROOT = Path(__file__).resolve().parents[2]
EDI = (ROOT / "fixtures" / "x12" / "850_vics_4010.edi").read_bytes()
PARTNERS = """
[[partners]]
id = "contoso"
role = "customer"
name = "Contoso"
isa_qualifier = "ZZ"
isa_id = "CONTOSO"
gs_id = "CONTOSO"
x12_version = "004010"
[partners.transport]
kind = "folder"
inbound_dir = "{root}/contoso/out"
outbound_dir = "{root}/contoso/in"
create_dirs = true
poll_seconds = {poll}
"""


class Gateway:
    """A data directory, a partners file and the environment a worker of this test runs with."""

    def __init__(self, root: Path, broker_url: str = "", prefix: str = "", poll: float = 1) -> None:
        self.root = root
        self.inbound = root / "contoso" / "out"
        self.inbound.mkdir(parents=True)
        self.record = root / "record.jsonl"
        partners = root / "partners.toml"
        partners.write_text(PARTNERS.format(root=root, poll=poll))
        self.env = {**os.environ, "GATEWAY_DATA_DIR": str(root / "data"), "GATEWAY_BROKER_URL": broker_url,
                    "GATEWAY_BROKER_KEY_PREFIX": prefix, "GATEWAY_PARTNERS": str(partners),
                    "GATEWAY_RECEIVE_SERVICE": "tests.workers.recording:intake",
                    "GATEWAY_TEST_RECORD": str(self.record)}
        self.settings = Settings(data_dir=root / "data", broker_url=broker_url, broker_key_prefix=prefix,
                                 partners=partners)
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *command: str, **env: str) -> subprocess.Popen[bytes]:
        with open(self.root / f"{command[0]}-{len(self.processes)}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "gateway", *command], cwd=ROOT,
                                       env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def poll(self, partner_id: str = "contoso") -> None:
        app = create_app(self.settings)
        with app.connection_for_write() as connection:
            app.send_task(POLL_TASK, args=(partner_id,), connection=connection)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.root.glob("*.log")))

    def stop(self) -> None:
        for process in self.processes:  # the whole group: a parent gone first may have left children
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(condition: Callable[[], object], seconds: float, what: str, gateway: Gateway) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"waited {seconds} s for {what}; worker logs:\n{gateway.logs()[-4000:]}")


@pytest.fixture(params=["redis", "filesystem"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gateway]:
    if request.param == "redis":
        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        running = Gateway(tmp_path, url, prefix)
    else:
        running = Gateway(tmp_path)
    yield running
    running.stop()


def received(gateway: Gateway) -> list[str]:
    return [str(e["name"]) for e in entries(gateway.record) if e["event"] == "received"]


@pytest.mark.slow
def test_a_worker_polls_a_folder_partner_and_settles_only_what_was_received(gateway):
    (gateway.inbound / "850_a.edi").write_bytes(EDI)
    (gateway.inbound / "850_b.edi.part").write_bytes(EDI[:100])  # still being written
    (gateway.inbound / "not_x12_reject.txt").write_bytes(b"hello")
    gateway.start("worker", "--concurrency", "1")
    gateway.poll()
    wait_for(lambda: received(gateway), 30, "the poll", gateway)
    wait_for(lambda: not (gateway.inbound / "850_a.edi").exists(), 5, "the file to be settled", gateway)
    (record,) = [e for e in entries(gateway.record) if e["event"] == "received"]
    assert record["name"] == "850_a.edi" and record["sha256"] == hashlib.sha256(EDI).hexdigest()
    assert sorted(p.name for p in gateway.inbound.iterdir()) == ["850_b.edi.part", "not_x12_reject.txt"]
    wait_for(lambda: "not_x12_reject.txt left in place: not_x12_reject.txt is not X12" in gateway.logs(), 5,
             "the rejection to be logged", gateway)


@pytest.mark.slow
def test_a_worker_killed_mid_task_gets_its_task_back_and_the_file_is_received_once(gateway):
    """The poll stalls in the receive service holding the partner's lease, and its pool process is SIGKILLed
    mid-task. The task goes back to the broker and runs again (retrying while the dead poller's lease lasts); the
    file is received exactly once, and settled only then."""
    (gateway.inbound / "850_a.edi").write_bytes(EDI)
    gateway.start("worker", "--concurrency", "1", GATEWAY_TEST_STALL="60", GATEWAY_POLL_LEASE_SECONDS="2")
    gateway.poll()
    wait_for(lambda: entries(gateway.record), 30, "the task to start", gateway)
    (started,) = entries(gateway.record)
    assert started["event"] == "started"
    assert (gateway.inbound / "850_a.edi").exists()  # not settled before it was received
    os.kill(int(started["pid"]), signal.SIGKILL)  # the pool process running the task, mid-task
    wait_for(lambda: received(gateway), 40, "the task to run again", gateway)
    wait_for(lambda: not (gateway.inbound / "850_a.edi").exists(), 5, "the file to be settled", gateway)
    events = entries(gateway.record)
    assert [e["event"] for e in events] == ["started", "received"]
    assert events[1]["pid"] != started["pid"]
    task_id = re.search(r"poll_partner\[([0-9a-f-]+)\] received", gateway.logs())
    assert task_id, "the task was never received"
    wait_for(lambda: re.search(rf"{task_id.group(1)}\] succeeded .*'received': \['850_a.edi'\]", gateway.logs()),
             5, "the killed task itself to have received the file", gateway)


@pytest.mark.slow
def test_an_unreachable_folder_is_retried_with_backoff_until_it_is_back(tmp_path):
    gateway = Gateway(tmp_path)
    try:
        gateway.inbound.rmdir()
        (tmp_path / "partners.toml").write_text(PARTNERS.format(root=tmp_path, poll=3600)
                                                .replace("create_dirs = true", "create_dirs = false"))
        gateway.start("worker", "--concurrency", "1")
        gateway.poll()
        wait_for(lambda: "is unreachable" in gateway.logs() and "Retry in" in gateway.logs(), 30,
                 "a retry", gateway)
        gateway.inbound.mkdir()
        (gateway.inbound / "850_a.edi").write_bytes(EDI)
        wait_for(lambda: received(gateway), 30, "the retried poll", gateway)
        gateway.poll("nobody")  # rejected: retrying cannot help
        wait_for(lambda: "partner 'nobody' is not in the partners file" in gateway.logs(), 30, "the failure", gateway)
        failed = re.search(r"poll_partner\[([0-9a-f-]+)\] raised unexpected: ConfigError", gateway.logs())
        assert failed and f"{failed.group(1)}] retry" not in gateway.logs().lower()
    finally:
        gateway.stop()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="SKIPPED LOUDLY: no redis-server binary")
def test_a_worker_that_celery_stops_on_an_unrecoverable_error_exits_non_zero(tmp_path):
    """A Redis that refuses a command the broker needs (here BRPOP, renamed away as some managed Redis do): Celery
    stops the worker, and `gateway worker` says so with its exit status, for its supervisor to see."""
    redis = OwnRedis(tmp_path, "--rename-command", "BRPOP", "")
    redis.start()
    gateway = Gateway(tmp_path, redis.url)
    try:
        worker = gateway.start("worker", "--concurrency", "1")
        wait_for(lambda: worker.poll() is not None, 60, "the worker to stop", gateway)
        assert worker.returncode not in (0, -signal.SIGKILL), gateway.logs()[-4000:]
        assert "Unrecoverable error" in gateway.logs() and "unknown command 'BRPOP'" in gateway.logs()
    finally:
        gateway.stop()
        redis.stop()
