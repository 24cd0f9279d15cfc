"""What we write is held to the rules we read by: checks before and after `render`.

Before: the canonical document itself, field by field, for what no X12 element can carry whatever the set
(control characters, numbers too large to write), so the refusal names the canonical field
(`lines[0].unit_price`) the sender of the JSON can fix. After: the rendered interchange goes through the
same validator as inbound documents (`mappers.x12.validate`), so nothing we send would be refused by our own
`validate`: an 850 with no lines, a 401-digit quantity element, a character outside a 4010 partner's
character set. The refusal then names the X12 element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from pydantic import BaseModel

from mappers.errors import quoted
from mappers.x12.segments import MappingError

MAX_DIGITS = 18  # the widest numeric element of the X12 dictionaries (R and N0, 1/18)
SHOWN = 5  # problems listed in one refusal; the rest are counted

# Control characters no X12 element may hold. Line ends are allowed here: free text (notes) is split on them
# into several MSG/MTX segments, and `render_segment` refuses them anywhere else.
CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 27: "ESC", 28: "FS", 29: "GS", 30: "RS", 31: "US", 127: "DEL"}


def control_name(char: str) -> str:
    code = ord(char)
    return f"{_NAMES[code]} (U+{code:04X})" if code in _NAMES else f"U+{code:04X}"


def check_document(document: BaseModel, name: str = "") -> None:
    """Raise MappingError naming every field (first few) whose value no X12 element can carry."""
    problems = list(_problems(document, name))
    if problems:
        raise MappingError(f"{type(document).__name__} cannot be written as X12: {summary(problems)}")


def summary(problems: list[str]) -> str:
    more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return "; ".join(problems[:SHOWN]) + more


def _problems(value: object, path: str) -> Iterator[str]:
    if isinstance(value, BaseModel):
        for field in type(value).model_fields:
            yield from _problems(getattr(value, field), f"{path}.{field}" if path else field)
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _problems(item, f"{path}[{index}]")
    elif isinstance(value, str):
        found = CONTROL.search(value)
        if found:
            yield (f"{path}: the control character {control_name(found.group())} at position {found.start() + 1} "
                   "cannot be written in X12")
    elif isinstance(value, Decimal):
        digits = _digits(value)
        if digits is None:
            yield f"{path}: {value} is not a number X12 can write"
        elif digits > MAX_DIGITS:
            yield f"{path}: {quoted(str(value), 30)} needs {digits:,} digits, an X12 number holds at most {MAX_DIGITS}"


def _digits(value: Decimal) -> int | None:
    """How many digits `value` takes written without exponent and trailing zeros (None if not finite)."""
    if not value.is_finite():
        return None
    _, digits, exponent = value.as_tuple()  # not normalize(): it would round to the context's 28 digits
    assert isinstance(exponent, int)
    count = len(digits)
    while exponent < 0 and count > 1 and digits[count - 1] == 0:
        count, exponent = count - 1, exponent + 1
    if exponent >= 0:
        return count + exponent
    return max(count, -exponent + 1)


def check_rendered(data: bytes, encoding: str) -> None:
    """Raise MappingError when our own validator refuses `data`, naming the elements in error."""
    from mappers.x12.validate import validate  # pyx12 is loaded only when something is rendered

    errors = validate(data, encoding=encoding).errors
    if errors:
        problems = [f"{e.pointer or e.where} ({e.level} error {e.code}): {e.message}" for e in errors]
        raise MappingError(f"the X12 it would write breaks the X12 rules: {summary(problems)}")
