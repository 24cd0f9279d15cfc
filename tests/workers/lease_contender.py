"""One contender for a lease, run as its own process by test_leases: takes the lease `rounds` times, writing
`start TOKEN PID` after taking it and `end TOKEN PID` before giving it up, so the log shows any overlap."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import redis

from gateway.leases import FileLeases, Leases, RedisLeases


def contend(leases: Leases, name: str, log: Path, rounds: int) -> None:
    taken = 0
    deadline = time.monotonic() + 20
    while taken < rounds and time.monotonic() < deadline:
        lease = leases.acquire(name, 5)
        if lease is None:
            time.sleep(0.001)
            continue
        _line(log, f"start {lease.token} {os.getpid()}")
        time.sleep(0.005)  # hold it a while, so the other contender tries meanwhile
        _line(log, f"end {lease.token} {os.getpid()}")
        leases.release(lease)
        taken += 1
        time.sleep(0.002)


def _line(log: Path, text: str) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, (text + "\n").encode())
    os.close(fd)


if __name__ == "__main__":
    kind, where, name, log, rounds = sys.argv[1:6]
    leases: Leases = (RedisLeases(redis.Redis.from_url(where.split("|")[0]), where.split("|")[1])
                      if kind == "redis" else FileLeases(Path(where)))
    contend(leases, name, Path(log), int(rounds))
    if len(sys.argv) > 6:  # "hold": take it and keep it until killed
        lease = leases.acquire(name, float(sys.argv[6]))
        _line(Path(log), f"holding {lease.token if lease else None} {os.getpid()}")
        time.sleep(60)
