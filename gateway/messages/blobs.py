"""Raw documents, archived content-addressed: the seam a shared volume or object storage sits behind.

`put` returns only once the bytes are on disk: written under a temporary name, fsynced, renamed into place and
the directory fsynced, so a crash leaves either nothing or the whole file. The same bytes twice are one file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from gateway.errors import Retryable


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class BlobStore(Protocol):
    def put(self, data: bytes) -> StoredBlob: ...
    def get(self, sha256: str) -> bytes: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def path(self, sha256: str) -> Path: ...
    def delete(self, sha256: str) -> None: ...


class FileBlobStore:
    """Blobs under `root/ab/cd/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return StoredBlob(digest, len(data))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
            _fsync_dir(target.parent)
        except OSError as e:  # disk full, volume gone: nothing was taken in, the sender may try again
            raise Retryable(f"cannot archive a document under {self.root}: {e.strerror or e}") from e
        return StoredBlob(digest, len(data))

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


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
