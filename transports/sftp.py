"""SFTP (paramiko): a partner's server as its mailbox. We poll `inbound_dir` and upload to `outbound_dir`.

- fetch: lists `inbound_dir` once per poll and applies the rules every polled channel shares (transports.rules);
  a file is downloaded whole and checked unchanged afterwards (size and mtime), or left for the next poll. Small
  files are held in memory, larger ones streamed to a private file under the work directory that `settle` or
  `close()` removes; `max_bytes` is enforced from the listing and again while reading.
- settle: deletes the remote file, or moves it into `archive_dir` (refused files into `refused_dir`), only after
  the caller committed it; a file already gone counts as settled, a file changed since it was read is left.
- send: uploads under a temporary dot-name, checks its size, then renames with the plain SFTP rename, which
  OpenSSH refuses when the target exists (unlike posix-rename@openssh.com, which replaces it); a retry finding
  the same bytes under that name is a success, a different file there is TransportRejected.

One connection serves a poll (or a run of sends): it is opened on first use, dropped after any error (the next
call reconnects) and closed by `close()`, which the poll calls when it ends (senders: `with SftpTransport(...)`).
"""

from __future__ import annotations

import posixpath
import secrets
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

import paramiko
from pydantic import Field, field_validator, model_validator

from transports import rules
from transports.base import Inbound, Receipt, TransportContext
from transports.config import PollingLimits
from transports.errors import TransportRejected, TransportRetryable
from transports.ssh import Endpoint, connect, network_errors, pinned_keys

IN_MEMORY_BYTES = 1024 * 1024  # files up to this size are held in memory; larger ones go to a local file
# A local copy this old belongs to no running poll (a poll renews its lease or loses it long before): its worker
# died before it could remove it.
STALE_COPY_SECONDS = 24 * 3600
_CHUNK = 1024 * 1024


class SftpConfig(PollingLimits):
    kind: Literal["sftp"]
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    private_key: Path | None = None  # must lie inside the key directory (GATEWAY_KEY_DIR); checked with the file
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")  # the variable's name
    host_key: str = Field(min_length=1, description="the server's public host key, pinned")
    inbound_dir: str = "outbound"
    outbound_dir: str = "inbound"
    archive_dir: str | None = None  # on the server; none: settled files are deleted
    refused_dir: str | None = None  # on the server; default <inbound_dir>/refused
    poll_seconds: int = Field(default=60, ge=1)
    connect_timeout: float = Field(default=15, gt=0, le=600)  # TCP connect, SSH handshake and login
    operation_timeout: float = Field(default=60, gt=0, le=3600)  # each SFTP request once logged in

    @field_validator("host_key")
    @classmethod
    def _pins_a_key(cls, value: str) -> str:
        pinned_keys(value)
        return value

    @model_validator(mode="after")
    def _has_a_secret(self) -> SftpConfig:
        if self.private_key is None and self.password_env is None:
            raise ValueError("no way to log in; expected private_key (a key file) or password_env (the name of an "
                             "environment variable holding the password)")
        return self


class SftpTransport:
    kind = "sftp"

    def __init__(self, config: SftpConfig, context: TransportContext | None = None) -> None:
        context = context or TransportContext()
        self.config = config
        self.endpoint = Endpoint(
            partner=context.partner_id or config.host, host=config.host, port=config.port,
            username=config.username, host_key=config.host_key, private_key=config.private_key,
            password_env=config.password_env, connect_timeout=config.connect_timeout,
            operation_timeout=config.operation_timeout)
        self.work_dir = context.work_dir or Path(tempfile.gettempdir())
        self._session: tuple[paramiko.Transport, paramiko.SFTPClient] | None = None
        self._local_copies: set[Path] = set()  # of large downloads, until settled or closed

    def close(self) -> None:
        """Close the connection and remove the local copies of files fetched but not settled."""
        self._disconnect()
        for path in self._local_copies:
            path.unlink(missing_ok=True)
        self._local_copies.clear()

    def _disconnect(self) -> None:
        if self._session is not None:
            self._session[0].close()
            self._session = None

    def __enter__(self) -> SftpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- polled side --------------------------------------------------------------------------------------
    def fetch(self) -> Iterator[Inbound]:
        self._remove_stale_copies()
        inbound_dir = self.config.inbound_dir
        with self._remote(f"inbound directory {inbound_dir}"):
            entries = sorted(self._sftp().listdir_attr(inbound_dir), key=lambda a: a.filename)
        now = time.time()
        for attrs in entries:
            found = self._inbound(attrs, now)
            if found is not None:
                yield found

    def _inbound(self, attrs: paramiko.SFTPAttributes, now: float) -> Inbound | None:
        name, mode, size, mtime = attrs.filename, attrs.st_mode or 0, attrs.st_size or 0, attrs.st_mtime or 0
        if rules.still_being_written(name) or stat.S_ISDIR(mode):
            return None
        if not rules.settled(mtime, now, self.config.settle_seconds):
            return None
        stamp = (size, int(mtime))
        refusal = (rules.unsafe_name(name)
                   or (None if stat.S_ISREG(mode) else "it is not a regular file (a link or a device)")
                   or rules.too_large(size, self.config.max_bytes))
        if refusal is not None:
            return Inbound(channel_id=name, name=name, size=size, refusal=refusal, stamp=stamp)
        return self._download(name, stamp)

    def _download(self, name: str, stamp: tuple[int, int]) -> Inbound | None:
        """The file as read, or None when it changed while being read (it is taken at a later poll)."""
        remote = posixpath.join(self.config.inbound_dir, name)
        size = stamp[0]
        local: Path | None = None
        with self._remote(f"reading {rules.readable_name(name)} from {self.config.inbound_dir}"):
            sftp = self._sftp()
            try:
                reading = sftp.open(remote, "rb")
            except FileNotFoundError:  # taken by someone else between listing and reading
                return None
            with reading:
                reading.prefetch(size)  # pipelined reads: one round trip per file, not per 32 KB
                if size <= IN_MEMORY_BYTES:
                    data: bytes | None = reading.read(self.config.max_bytes + 1)
                    read = len(data or b"")
                else:
                    data, (local, read) = None, self._stream_to_local(reading)
            after = sftp.stat(remote)
        if read != size or (after.st_size, int(after.st_mtime or 0)) != stamp:
            if local is not None:
                local.unlink(missing_ok=True)
                self._local_copies.discard(local)
            return None
        return Inbound(channel_id=name, name=name, size=size, path=local, data=data, stamp=stamp)

    def _remove_stale_copies(self) -> None:
        limit = time.time() - STALE_COPY_SECONDS
        for path in self.work_dir.glob("sftp-*.part"):
            with suppress(OSError):  # another poller removed it first
                if path.stat().st_mtime < limit:
                    path.unlink()

    def _stream_to_local(self, reading: paramiko.SFTPFile) -> tuple[Path, int]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.work_dir, prefix="sftp-", suffix=".part", delete=False) as local:
            self._local_copies.add(Path(local.name))  # removed by close() even if the download fails halfway
            read = 0
            while chunk := reading.read(_CHUNK):
                read += len(chunk)
                if read > self.config.max_bytes:  # grew past the limit while we read: the next poll refuses it
                    break
                local.write(chunk)
        return Path(local.name), read

    def settle(self, inbound: Inbound) -> None:
        remote = posixpath.join(self.config.inbound_dir, inbound.channel_id)
        with self._remote(f"settling {rules.readable_name(inbound.name)} in {self.config.inbound_dir}"):
            sftp = self._sftp()
            try:
                now = sftp.stat(remote)
            except FileNotFoundError:  # settled already (a retry after a crash)
                return
            if inbound.stamp is not None and (now.st_size, int(now.st_mtime or 0)) != inbound.stamp:
                raise TransportRejected(f"{rules.readable_name(inbound.name)} changed after it was read; left in "
                                        f"{self.config.inbound_dir} to be read again")
            target = (self.config.refused_dir or posixpath.join(self.config.inbound_dir, "refused")
                      if inbound.refusal is not None else self.config.archive_dir)
            if target is None:
                sftp.remove(remote)
            else:
                _move_without_overwriting(sftp, remote, target, rules.readable_name(inbound.name))
        if inbound.path is not None:
            inbound.path.unlink(missing_ok=True)
            self._local_copies.discard(inbound.path)

    # -- sending side -------------------------------------------------------------------------------------
    def send(self, name: str, data: bytes) -> Receipt:
        reason = rules.unsendable(name)
        if reason:
            raise TransportRejected(f"cannot send {rules.readable_name(name)}: {reason}")
        final = posixpath.join(self.config.outbound_dir, name)
        where = f"sftp://{self.config.host}:{self.config.port}/{final}"
        with self._remote(f"sending {name} to {self.config.outbound_dir}"):
            sftp = self._sftp()
            if _exists(sftp, final):  # a retry of a send that got through
                return self._already_there(sftp, final, where, data)
            temporary = posixpath.join(self.config.outbound_dir, f".{name}.{secrets.token_hex(4)}.tmp")
            _upload(sftp, temporary, data)
            try:
                sftp.rename(temporary, final)  # plain SFTP rename: refused when `final` exists
            except OSError:
                if not _exists(sftp, final):
                    raise
                sftp.remove(temporary)
                return self._already_there(sftp, final, where, data)
        return Receipt.of(name, where, data)

    def _already_there(self, sftp: paramiko.SFTPClient, final: str, where: str, data: bytes) -> Receipt:
        with sftp.open(final, "rb") as there:
            there.prefetch()
            same = there.read(len(data) + 1) == data
        if same:
            return Receipt.of(posixpath.basename(final), where, data, already_there=True)
        raise TransportRejected(f"partner {self.endpoint.partner}: a different file named {posixpath.basename(final)}"
                                f" is already in {self.config.outbound_dir} on {self.config.host}; it was not "
                                "overwritten")

    # -- the connection -----------------------------------------------------------------------------------
    def _sftp(self) -> paramiko.SFTPClient:
        if self._session is not None and not self._session[0].is_active():
            self._disconnect()
        if self._session is None:
            self._session = connect(self.endpoint)
        return self._session[1]

    @contextmanager
    def _remote(self, what: str) -> Iterator[None]:
        """Any failure but our own verdicts drops the connection (the next call reconnects) and is retryable."""
        try:
            with network_errors(f"{self.endpoint.where}: {what}"):
                yield
        except TransportRetryable:
            self._disconnect()
            raise


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _upload(sftp: paramiko.SFTPClient, temporary: str, data: bytes) -> None:
    try:
        with sftp.open(temporary, "wx") as writing:  # x: never onto an existing file, even a stray temporary
            writing.set_pipelined(True)
            writing.write(data)
        if sftp.stat(temporary).st_size != len(data):
            raise OSError(f"the server holds {temporary} short of its {len(data):,} bytes")
    except BaseException:
        with suppress(OSError, paramiko.SSHException):  # a half-written temporary is litter: partners skip it
            sftp.remove(temporary)
        raise


def _move_without_overwriting(sftp: paramiko.SFTPClient, source: str, directory: str, name: str) -> None:
    """Rename into `directory` as `name`, or `name.1`, `name.2`... when that name is archived already."""
    if not _exists(sftp, directory):
        sftp.mkdir(directory)
    for attempt in range(10_000):
        target = posixpath.join(directory, name if attempt == 0 else f"{name}.{attempt}")
        try:
            sftp.rename(source, target)
            return
        except OSError:
            if not _exists(sftp, target):
                raise
    raise TransportRejected(f"{directory} already holds 10,000 files named {name}")
