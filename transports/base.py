"""The seam every transport implements, whatever moves the bytes (a folder, SFTP, AS2).

Polled channels (folder, SFTP) are asked for what has arrived: `fetch()` yields each complete file once per poll,
and the caller `settle()`s it (deleted, or moved to an archive directory) only after the gateway has stored and
committed it, so a crash in between means the file is read again and duplicate detection answers it, never that
it is lost. Pushed channels (AS2) receive in the HTTP app and hand the bytes to the same receive service; they
implement `send` only. `send` delivers stored bytes under a given name, atomically and never over another file;
sending the same bytes under the same name again is a success, so delivery tasks may retry freely.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_BYTES = 1024 * 1024  # what a receiver holds of a file at a time


@dataclass(frozen=True)
class Inbound:
    """One incoming file or message, as a transport found it.

    `refusal` is set when the transport refuses it whole before anyone reads it (too large, an unsafe name, not a
    regular file): the caller reports the reason and settles it, which sets it aside instead of archiving it.
    `stamp` is what the transport saw when it fetched the file (size, mtime); settling checks it still holds.
    """

    channel_id: str  # identifies it on its channel: the file name in the inbound directory, an AS2 Message-ID
    name: str
    size: int
    path: Path | None = None  # a readable local file, or
    data: bytes | None = None  # the bytes in hand
    refusal: str | None = None
    stamp: tuple[int, int] | None = None

    def open(self) -> BinaryIO:
        """The content as a binary stream (a 100 MB file is never read whole here)."""
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The content piece by piece, for a receiver that stores it without ever holding it whole."""
        if self.path is None:
            yield self.data or b""
            return
        with self.path.open("rb") as stream:
            while chunk := stream.read(size):
                yield chunk

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()


@dataclass(frozen=True)
class Receipt:
    """What a transport confirms after `send`: the bytes are in place under `name` at `where`."""

    name: str
    where: str
    size: int
    sha256: str
    already_there: bool = False  # a retry found the same bytes already delivered under that name

    @staticmethod
    def of(name: str, where: str, data: bytes, already_there: bool = False) -> Receipt:
        return Receipt(name, where, len(data), hashlib.sha256(data).hexdigest(), already_there)


@dataclass(frozen=True)
class TransportContext:
    """What the gateway tells an adapter besides its configuration record."""

    partner_id: str = ""  # named in the adapter's errors
    work_dir: Path | None = None  # where it may keep local copies (under the data directory); None: the system's


@runtime_checkable
class Transport(Protocol):
    """What every transport does: deliver bytes under a name."""

    kind: str

    def send(self, name: str, data: bytes) -> Receipt:
        """Write `data` as `name` atomically; never overwrite. The same bytes already there count as sent; a
        different file under that name raises TransportRejected."""
        ...


@runtime_checkable
class PolledTransport(Transport, Protocol):
    """A transport the gateway polls (folder, SFTP)."""

    def fetch(self) -> Iterator[Inbound]:
        """Each complete file not yet settled, in name order."""
        ...

    def settle(self, inbound: Inbound) -> None:
        """Done with this file: delete or archive it (refused ones are set aside, never deleted). Idempotent."""
        ...
