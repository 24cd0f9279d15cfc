"""A local (or mounted) folder as a partner's mailbox: the demo's and the tests' channel, and real for shared
drives. The partner drops files in `inbound_dir` and picks ours up from `outbound_dir`."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field

from transports import rules
from transports.base import Inbound, Receipt, TransportContext
from transports.config import LocalDir, PollingLimits
from transports.errors import TransportError, TransportRejected, TransportRetryable


class FolderConfig(PollingLimits):
    kind: Literal["folder"]
    inbound_dir: LocalDir
    outbound_dir: LocalDir
    archive_dir: LocalDir | None = None  # where settled files go; none: they are deleted once committed
    refused_dir: LocalDir | None = None  # where refused files are set aside; default <inbound_dir>/refused
    create_dirs: bool = False  # create missing directories (the demo); off, a missing one is "unreachable"
    poll_seconds: float = Field(default=5, gt=0)


class FolderTransport:
    kind = "folder"

    def __init__(self, config: FolderConfig, context: TransportContext | None = None) -> None:
        self.config = config  # the context has nothing a folder needs: it names itself by its directories

    # -- polled side --------------------------------------------------------------------------------------
    def fetch(self) -> Iterator[Inbound]:
        inbound_dir = self._ready(self.config.inbound_dir, "inbound")
        try:  # listed at once: what arrives during the poll waits for the next one
            entries = sorted(os.scandir(inbound_dir), key=lambda e: e.name)
        except OSError as e:
            raise _os_failure(e, f"inbound directory {inbound_dir}") from e
        now = time.time()
        for entry in entries:
            found = self._inbound(inbound_dir, entry, now)
            if found is not None:
                yield found

    def _inbound(self, inbound_dir: Path, entry: os.DirEntry[str], now: float) -> Inbound | None:
        if rules.still_being_written(entry.name):
            return None
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # taken by someone else between listing and looking
            return None
        if stat.S_ISDIR(st.st_mode) or not rules.settled(st.st_mtime, now, self.config.settle_seconds):
            return None
        refusal = (rules.unsafe_name(entry.name)
                   or (None if stat.S_ISREG(st.st_mode) else "it is not a regular file (a link or a device)")
                   or rules.too_large(st.st_size, self.config.max_bytes))
        return Inbound(channel_id=entry.name, name=entry.name, size=st.st_size, path=inbound_dir / entry.name,
                       refusal=refusal, stamp=(st.st_size, st.st_mtime_ns))

    def settle(self, inbound: Inbound) -> None:
        source = self.config.inbound_dir / inbound.channel_id
        try:
            st = os.stat(source, follow_symlinks=False)
        except FileNotFoundError:  # settled already (a retry after a crash)
            return
        if inbound.stamp is not None and (st.st_size, st.st_mtime_ns) != inbound.stamp:
            raise TransportRejected(f"{rules.readable_name(inbound.name)} changed after it was read; left in "
                                    f"{self.config.inbound_dir} to be read again")
        if inbound.refusal is not None:
            target = self.config.refused_dir or self.config.inbound_dir / "refused"
        elif self.config.archive_dir is not None:
            target = self.config.archive_dir
        else:
            _guard(lambda: _delete(source), f"inbound directory {source.parent}")
            return
        target = self._ready(target, "archive", create=True)
        _guard(lambda: _move_without_overwriting(source, target, rules.readable_name(inbound.name)),
               f"archive directory {target}")

    # -- sending side -------------------------------------------------------------------------------------
    def send(self, name: str, data: bytes) -> Receipt:
        reason = rules.unsendable(name)
        if reason:
            raise TransportRejected(f"cannot send {rules.readable_name(name)}: {reason}")
        outbound_dir = self._ready(self.config.outbound_dir, "outbound")
        final = outbound_dir / name
        temporary = outbound_dir / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            try:
                _write_synced(temporary, data)
                os.link(temporary, final)  # unlike rename, link never replaces a file of the same name
            except FileExistsError:
                return self._already_there(final, data)
            finally:  # a half-written temporary (disk full) must not stay behind
                temporary.unlink(missing_ok=True)
            _fsync_dir(outbound_dir)
        except OSError as e:
            raise _os_failure(e, f"outbound directory {outbound_dir}") from e
        return Receipt.of(name, str(final), data)

    def _already_there(self, final: Path, data: bytes) -> Receipt:
        if final.read_bytes() == data:
            return Receipt.of(final.name, str(final), data, already_there=True)
        raise TransportRejected(f"a different file named {final.name} is already in {final.parent}; "
                                "it was not overwritten")

    def _ready(self, directory: Path, role: str, create: bool = False) -> Path:
        if not directory.is_dir():
            if not (create or self.config.create_dirs):
                raise TransportRetryable(f"{role} directory {directory} is unreachable: no such directory")
            _guard(lambda: directory.mkdir(parents=True, exist_ok=True), f"{role} directory {directory}")
        return directory


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_without_overwriting(source: Path, directory: Path, name: str) -> None:
    """Move into `directory` under `name`, or `name.1`, `name.2`... when a file of that name is archived already."""
    for attempt in range(10_000):
        target = directory / (name if attempt == 0 else f"{name}.{attempt}")
        try:
            os.link(source, target)
            break
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            _copy_across_devices(source, target)
            break
    else:
        raise TransportRejected(f"{directory} already holds 10,000 files named {name}")
    _fsync_dir(directory)
    _delete(source)


def _delete(source: Path) -> None:
    os.unlink(source)
    _fsync_dir(source.parent)


def _copy_across_devices(source: Path, target: Path) -> None:
    with source.open("rb") as reading, open(target, "xb") as writing:
        shutil.copyfileobj(reading, writing, 1024 * 1024)
        writing.flush()
        os.fsync(writing.fileno())


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink durable: the entry lives in the directory, which has its own fsync."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _guard(action: Callable[[], object], what: str) -> None:
    try:
        action()
    except OSError as e:
        raise _os_failure(e, what) from e


# Errors where the name, not the place, is at fault; every other OSError is the environment and may pass.
_NAME_ERRORS = {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ}


def _os_failure(e: OSError, what: str) -> TransportError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return TransportRetryable(f"{what}: the disk is full ({e.strerror})")
    if e.errno in _NAME_ERRORS:
        return TransportRejected(f"{what}: {e.strerror}")
    return TransportRetryable(f"{what} is unreachable: {e.strerror}")
