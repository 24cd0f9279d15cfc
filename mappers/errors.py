"""The one base of every error the mappers raise on purpose, so that callers catch one class.

    ValueError
    └── MapperError                  the document cannot be read, mapped or written; retrying will not help
        ├── MappingError             X12 (mappers.x12.segments): names segment, position and element
        │   └── LimitExceeded        an input larger than a configured limit (segment, set, interchange)
        └── XmlError                 canonical XML (mappers.xml.errors) and its subclasses

Messages are for people and end up in logs, terminals and dashboards: a hostile input must not be able to
flood them. Every message is therefore cut to a bounded length (a 10 MB element is not echoed whole) and its
control characters are shown escaped (a NUL or an ESC in a partner's id never reaches a terminal raw).
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 1000  # characters of a message kept; longer ones keep their head and tail
VALUE_LIMIT = 60  # characters of a quoted value kept by `quoted`

# C0 controls but the line feed (XmlError lists one problem per line), DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


class MapperError(ValueError):
    """A document cannot be read, mapped or written; the input is wrong, retrying will not help."""

    def __init__(self, message: str) -> None:
        super().__init__(shorten(message))


def escape_controls(text: str) -> str:
    """`text` with control characters written as `\\x00`-style escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shorten(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` escaped and, when longer than `limit`, cut in the middle with the number of characters cut."""
    text = escape_controls(text)
    if len(text) <= limit:
        return text
    tail = limit // 5
    head = limit - tail - 40
    return f"{text[:head]}… [{len(text) - head - tail:,} characters cut] …{text[-tail:]}"


def quoted(value: str, limit: int = VALUE_LIMIT) -> str:
    """`repr(value)` for a message, cut to about `limit` characters with the full length said."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value):,} characters)"
