"""The rules every polled transport applies to what it finds, so that folder and SFTP partners behave alike.

- A file still being written is never read: names starting with `.` or ending in `.tmp`/`.part` are skipped (the
  partner writes under such a name and renames into place), and a file is taken only once its size and mtime
  have not changed for the channel's `settle_seconds` (0: partners that rename into place).
- A file larger than the channel's `max_bytes` is refused whole, unread.
- A name that came from the other side is never used as a local path unchecked: one with `/`, `..`, control
  characters or nothing printable is refused.
"""

from __future__ import annotations

import unicodedata

INCOMPLETE_SUFFIXES = (".tmp", ".part")
# Unicode categories that have no business in a file name: controls, format characters, undecodable bytes
# (surrogates), line and paragraph separators.
_UNPRINTABLE = ("Cc", "Cf", "Cs", "Zl", "Zp")
MAX_NAME_LENGTH = 255


def still_being_written(name: str) -> bool:
    """True for the names partners write under before they rename a file into place."""
    return name.startswith(".") or name.lower().endswith(INCOMPLETE_SUFFIXES)


def settled(mtime: float, now: float, settle_seconds: float) -> bool:
    """True once the file has not changed for `settle_seconds`: a write moves mtime, so an mtime that old means
    neither size nor content changed since."""
    return settle_seconds <= 0 or now - mtime >= settle_seconds


def unsafe_name(name: str) -> str | None:
    """Why `name` cannot be used as a local file name, or None when it can."""
    if not name or not name.strip():
        return "the file name is empty"
    if name in (".", "..") or ".." in name.split("/") or ".." in name.split("\\"):
        return f"the file name {name!r} climbs out with '..'"
    if "/" in name or "\\" in name:
        return f"the file name {name!r} contains a path separator"
    if any(unicodedata.category(c) in _UNPRINTABLE for c in name):
        return f"the file name {name!r} contains control characters"
    if len(name.encode("utf-8", errors="surrogateescape")) > MAX_NAME_LENGTH:
        return f"the file name is longer than {MAX_NAME_LENGTH} bytes"
    return None


def unsendable(name: str) -> str | None:
    """Why we cannot deliver a file under `name`, or None: partners read it as a local name too, and skip the
    names of files still being written."""
    return unsafe_name(name) or (
        f"{name!r} is a name partners skip as still being written" if still_being_written(name) else None)


def too_large(size: int, max_bytes: int) -> str | None:
    """Why a file of `size` bytes is refused, or None."""
    if size > max_bytes:
        return f"the file is {size:,} bytes, over the limit of {max_bytes:,} bytes (max_bytes)"
    return None


def readable_name(name: str) -> str:
    """A name safe to show and to store a refused file under: control characters and separators become '_'."""
    cleaned = "".join("_" if unicodedata.category(c) in _UNPRINTABLE or c in "/\\" else c for c in name)
    cleaned = cleaned.strip(".") or "unnamed"
    return cleaned[:200]
