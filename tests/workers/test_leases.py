"""The poll lease: two processes competing for one partner never hold it at once, and each grant's fencing token
is larger than the last; a lease whose holder died or stalled passes on, and the late holder cannot free it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from gateway.leases import FileLeases, RedisLeases, leases_for
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def contenders(kind: str, where: str, log: Path, rounds: int = 40, hold: str | None = None) -> list[subprocess.Popen]:
    argv = [sys.executable, "-m", "tests.workers.lease_contender", kind, where, "poll:contoso", str(log), str(rounds)]
    return [subprocess.Popen(argv + ([hold] if hold else []), cwd=ROOT) for _ in range(2)]


def assert_never_held_twice(log: Path) -> None:
    lines = [line.split() for line in log.read_text().splitlines()]
    holders = {pid for _, _, pid in lines}
    assert len(holders) == 2, "both processes should have held the lease at some point"
    tokens = []
    for start, end in zip(lines[::2], lines[1::2], strict=True):
        assert start[0] == "start" and end == ["end", *start[1:]], f"overlap: {start} then {end}"
        tokens.append(int(start[1]))
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens), "fencing tokens must only grow"


def run_to_end(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        assert p.wait(timeout=30) == 0


def test_two_processes_never_hold_a_redis_lease_at_once(tmp_path, redis_url, redis_prefix):
    log = tmp_path / "log"
    run_to_end(contenders("redis", f"{redis_url}|{redis_prefix}", log))
    assert_never_held_twice(log)


def test_two_processes_never_hold_a_file_lease_at_once(tmp_path):
    log = tmp_path / "log"
    run_to_end(contenders("file", str(tmp_path / "leases"), log))
    assert_never_held_twice(log)


def test_an_expired_redis_lease_passes_on_and_the_late_holder_cannot_free_it(redis_url, redis_prefix):
    leases = RedisLeases(redis.Redis.from_url(redis_url), redis_prefix)
    late = leases.acquire("poll:fabrikam", 0.2)
    assert late is not None and leases.acquire("poll:fabrikam", 5) is None
    time.sleep(0.3)
    successor = leases.acquire("poll:fabrikam", 5)
    assert successor is not None and successor.token > late.token
    assert not leases.renew(late, 5)
    leases.release(late)  # the late holder wakes up and lets go: the successor keeps its lease
    assert leases.acquire("poll:fabrikam", 5) is None and leases.renew(successor, 5)
    leases.release(successor)
    assert leases.acquire("poll:fabrikam", 5) is not None


def test_a_file_lease_is_freed_when_its_holder_is_killed(tmp_path):
    log = tmp_path / "log"
    holder = subprocess.Popen([sys.executable, "-m", "tests.workers.lease_contender", "file",
                               str(tmp_path / "leases"), "poll:contoso", str(log), "0", "60"], cwd=ROOT)
    try:
        deadline = time.monotonic() + 15
        while not (log.exists() and "holding" in log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        leases = FileLeases(tmp_path / "leases")
        assert leases.acquire("poll:contoso", 5) is None
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        taken = leases.acquire("poll:contoso", 5)
        assert taken is not None and taken.token == 2
    finally:
        holder.kill()


def test_the_broker_picks_the_kind_of_lease(tmp_path, redis_url):
    assert isinstance(leases_for(Settings(data_dir=tmp_path, broker_url="")), FileLeases)
    assert isinstance(leases_for(Settings(data_dir=tmp_path, broker_url=redis_url)), RedisLeases)


def test_redis_down_is_retryable(tmp_path):
    from gateway.errors import Retryable

    leases = leases_for(Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0"))
    with pytest.raises(Retryable, match="lease poll:contoso: Redis is unreachable"):
        leases.acquire("poll:contoso", 5)


def test_a_broker_other_than_redis_is_refused_rather_than_leased_per_machine(tmp_path):
    from gateway.errors import ConfigError

    with pytest.raises(ConfigError, match="GATEWAY_BROKER_URL: amqp:// is not supported"):
        leases_for(Settings(data_dir=tmp_path, broker_url="amqp://guest@localhost//"))
