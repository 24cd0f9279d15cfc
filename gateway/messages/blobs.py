"""Raw documents, archived content-addressed: the seam a shared volume or object storage sits behind.

`put` and `put_stream` return only once the bytes are on disk: written under a temporary name, fsynced, renamed
into place and the directory fsynced, so a crash leaves either nothing or the whole file. The same bytes twice are
one file. `put_stream` takes a document piece by piece and hashes it while writing, so a 100 MB interchange is
never held whole; past its `max_bytes` it stops, removes what it wrote and raises TooLarge.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from gateway.errors import Retryable, TooLarge

_SHA256 = re.compile("[0-9a-f]{64}")
ABANDONED_SECONDS = 24 * 3600  # a document still being written after a day was abandoned by its writer


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class BlobStore(Protocol):
    def put(self, data: bytes) -> StoredBlob: ...
    def put_stream(self, chunks: Iterable[bytes], max_bytes: int | None = None) -> StoredBlob: ...
    def get(self, sha256: str) -> bytes: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def path(self, sha256: str) -> Path: ...
    def delete(self, sha256: str) -> None: ...


class FileBlobStore:
    """Blobs under `root/ab/cd/<sha256>`; documents being written sit in `root` as `.incoming-*.tmp`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return StoredBlob(digest, len(data))
        return self.put_stream((data,))

    def put_stream(self, chunks: Iterable[bytes], max_bytes: int | None = None) -> StoredBlob:
        """Store the pieces as one document, hashed while written to a temporary file under the store's root (the
        same volume, so the rename into place is atomic). More than `max_bytes` in all raises TooLarge, and
        nothing is left behind."""
        temp: Path | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self.root, prefix=".incoming-", suffix=".tmp")
            temp = Path(name)
            with os.fdopen(fd, "wb") as f:
                blob = _write_hashed(f, chunks, max_bytes)
                f.flush()
                os.fsync(f.fileno())
            target = self.path(blob.sha256)
            if not (target.exists() and target.stat().st_size == blob.size):  # else: the same bytes came before
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, target)
                _fsync_dir(target.parent)
        except OSError as e:  # disk full, volume gone: nothing was taken in, the sender may try again
            raise Retryable(f"cannot archive a document under {self.root}: {e.strerror or e}") from e
        finally:
            if temp is not None:  # renamed away already, or a duplicate, a refusal, a failure: never left behind
                temp.unlink(missing_ok=True)
        return blob

    def remove_abandoned(self, before: float) -> int:
        """Remove documents being written that were abandoned (a worker killed mid-write) and untouched since
        `before` (seconds since the epoch): longer ago than any receive takes. Returns how many went."""
        removed = 0
        for temp in self.root.glob(".incoming-*.tmp"):
            with contextlib.suppress(FileNotFoundError):  # finished or removed meanwhile
                if temp.stat().st_mtime < before:
                    temp.unlink()
                    removed += 1
        return removed

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        """The document for reading piece by piece (a 100 MB interchange is never held whole)."""
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def check(self) -> None:
        """That this process can write and read the store (a worker checks at start)."""
        blob = self.put(b"gateway blob store check\n")
        if self.get(blob.sha256) != b"gateway blob store check\n":
            raise Retryable(f"the blob store under {self.root} does not read back what was written")


def _write_hashed(f: BinaryIO, chunks: Iterable[bytes], max_bytes: int | None) -> StoredBlob:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(max_bytes)
        digest.update(chunk)
        f.write(chunk)
    return StoredBlob(digest.hexdigest(), size)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
