"""`gateway run`, as `make run` starts it: HTTP, a worker and the scheduler in one process group on the embedded
default (SQLite, filesystem broker), polling a folder partner; Ctrl-C stops them all, and a dead worker stops
everything instead of leaving a gateway that serves but never processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port  # noqa: F401  (others import it from here too)
from tests.workers.recording import entries
from tests.workers.test_worker import EDI, PARTNERS, ROOT, Gateway, wait_for


def children_of(pid: int) -> dict[int, str]:
    """The child processes of `pid` with their command lines, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


def group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def running(tmp_path: Path):
    gateway = Gateway(tmp_path)
    (tmp_path / "partners.toml").write_text(PARTNERS.format(root=tmp_path, poll=1))
    port = free_port()
    gateway.env["GATEWAY_PORT"] = str(port)
    process = gateway.start("run")
    url = f"http://127.0.0.1:{port}/health"

    def healthy() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, 30, "gateway run to serve", gateway)
    yield gateway, process
    gateway.stop()


@pytest.mark.slow
def test_gateway_run_serves_polls_and_stops_as_one_group_on_ctrl_c(running):
    gateway, process = running
    (gateway.inbound / "850_a.edi").write_bytes(EDI)
    wait_for(lambda: not (gateway.inbound / "850_a.edi").exists(), 30, "the scheduled poll", gateway)
    assert [e["name"] for e in entries(gateway.record)] == ["850_a.edi"]
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    assert process.wait(timeout=30) == 0
    wait_for(lambda: group_is_gone(process.pid), 30, "every process of the group to end", gateway)


@pytest.mark.slow
def test_gateway_run_stops_everything_when_its_worker_dies(running):
    gateway, process = running
    wait_for(lambda: any(" worker" in c for c in children_of(process.pid).values()), 10, "the worker", gateway)
    worker = next(pid for pid, command in children_of(process.pid).items() if " worker" in command)
    os.kill(worker, signal.SIGKILL)
    assert process.wait(timeout=30) == 1
    wait_for(lambda: "gateway run: the worker stopped (exit status -9); stopping everything" in gateway.logs(), 5,
             "the reason", gateway)
    wait_for(lambda: group_is_gone(process.pid), 30, "every process of the group to end", gateway)


def test_a_worker_refuses_to_start_without_a_writable_data_dir(tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the data directory should be")
    done = subprocess.run([sys.executable, "-m", "gateway", "worker"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "GATEWAY_DATA_DIR": str(blocked / "data")})
    assert done.returncode == 1
    assert f"gateway: GATEWAY_DATA_DIR {blocked / 'data'}: cannot be written and read back" in done.stderr
    assert "Traceback" not in done.stderr
