"""Leases: at most one holder of a name (a partner's poll) at a time, across processes and machines.

Each grant carries a fencing token that only grows for that name, so a holder that stalled past its lease can be
told apart from the one that took over. Two implementations behind one interface:

- `RedisLeases` when the broker is Redis (several machines): `SET NX PX` with an expiry, released and renewed
  only by the holder of the token (a Lua compare-and-act), so a late holder never frees its successor's lease.
- `FileLeases` for the embedded default (one machine, no Redis, no database): an exclusive `flock` on a file
  under the data directory. The kernel drops it when its process dies, which plays the part of the expiry.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gateway.errors import ConfigError, Retryable

if TYPE_CHECKING:
    import redis

    from gateway.settings import Settings


@dataclass(frozen=True)
class Lease:
    name: str
    token: int  # fencing token: larger than every token granted for this name before


class Leases(Protocol):
    def acquire(self, name: str, seconds: float) -> Lease | None:
        """The lease, or None when someone else holds it."""
        ...

    def renew(self, lease: Lease, seconds: float) -> bool:
        """Extend a lease still held; False when it was lost (expired, and perhaps taken by someone else)."""
        ...

    def release(self, lease: Lease) -> None:
        """Give it up; a lease already lost is left to its new holder."""
        ...


@contextmanager
def held(leases: Leases, name: str, seconds: float) -> Iterator[Lease | None]:
    lease = leases.acquire(name, seconds)
    try:
        yield lease
    finally:
        if lease is not None:
            leases.release(lease)


_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisLeases:
    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix

    def acquire(self, name: str, seconds: float) -> Lease | None:
        with _redis_errors(name):
            token = int(self.client.incr(f"{self.prefix}lease-token:{name}"))
            taken = self.client.set(self._key(name), token, nx=True, px=_ms(seconds))
        return Lease(name, token) if taken else None

    def renew(self, lease: Lease, seconds: float) -> bool:
        with _redis_errors(lease.name):
            return bool(self.client.eval(_RENEW, 1, self._key(lease.name), lease.token, _ms(seconds)))

    def release(self, lease: Lease) -> None:
        with _redis_errors(lease.name):
            self.client.eval(_RELEASE, 1, self._key(lease.name), lease.token)

    def _key(self, name: str) -> str:
        return f"{self.prefix}lease:{name}"


class FileLeases:
    """Leases held as `flock`s under `directory`; the token is a counter kept in the lock file itself."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._open: dict[tuple[str, int], int] = {}  # the file descriptors of the leases this object holds

    def acquire(self, name: str, seconds: float) -> Lease | None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / f"{re.sub(r'[^A-Za-z0-9_.:-]', '_', name)}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        token = int(os.pread(fd, 32, 0).strip() or b"0") + 1
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(token).encode(), 0)
        os.fsync(fd)
        self._open[(name, token)] = fd
        return Lease(name, token)

    def renew(self, lease: Lease, seconds: float) -> bool:
        return (lease.name, lease.token) in self._open  # a flock lasts as long as its process: nothing expires

    def release(self, lease: Lease) -> None:
        fd = self._open.pop((lease.name, lease.token), None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


@contextmanager
def _redis_errors(name: str) -> Iterator[None]:
    import redis

    try:
        yield
    except redis.RedisError as e:
        raise Retryable(f"lease {name}: Redis is unreachable: {e}") from e


def leases_for(settings: Settings) -> Leases:
    """Redis leases when the broker is Redis (workers on several machines), file leases otherwise."""
    if settings.broker_is_redis:
        import redis

        return RedisLeases(redis.Redis.from_url(settings.broker_url), settings.broker_key_prefix)
    if settings.broker_url:  # file leases hold on one machine only; another broker means several machines
        raise ConfigError([f"GATEWAY_BROKER_URL: {settings.broker_url.split('://')[0]}:// is not supported; "
                           "expected redis://... or nothing (the embedded broker)"])
    return FileLeases(settings.data_dir / "leases")
