"""The seam between the envelope pass and a set validator: what one must offer, and where its findings go.

The envelope pass (`validate_interchange`) pairs ISA/IEA, GS/GE and ST/SE, counts and checks control numbers;
everything that needs the maps goes through a `SetValidator`:

- `map_for(GS08, GS01, ST01)`: the map of a group or of one set of it (None when there is none);
- `supports_version(GS08)`: whether any map exists for that version (716 2 rather than 716 1);
- `envelope_errors("ISA" | "GS", ISA12, text, delimiters)`: the element checks of the control map for the ISA
  or a GS, as (element index, code, message) with index 0 for a segment-level finding;
- `check_set(map, segments, delimiters, wide, sink)`: placement and element checks of one set, reported to
  `sink` with AK3/AK4 (IK3/IK4) codes.

Two implement it: `validate_pyx12.Pyx12Validator` (pyx12's walker) and `compiled.CompiledValidator` (the maps
compiled into tables). This module imports neither, and neither imports the envelope pass: no cycle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from mappers.x12.envelope import RawSegment
from mappers.x12.segments import Delimiters


class SetMap(Protocol):
    @property
    def id(self) -> str | None: ...  # the transaction set the map is for (ST01), e.g. "850"


class SetSink(Protocol):
    """Where a set validator reports; positions count from ST = 1, elements and components from 1."""

    def segment(self, code: str, message: str, segment: str, position: int) -> None: ...

    def element(self, code: str, message: str, segment: str, position: int, element: int,
                component: int | None, value: str | None, trigger: int | None) -> None: ...

    def set_error(self, code: str, message: str) -> None: ...


class SetValidator(Protocol):
    def map_for(self, version: str, functional_id: str, set_id: str | None = None) -> SetMap | None: ...

    def supports_version(self, version: str) -> bool: ...

    def envelope_errors(self, segment: str, isa12: str, text: str, delimiters: Delimiters,
                        ) -> list[tuple[int, str, str]]: ...

    def check_set(self, set_map: SetMap, segments: Sequence[RawSegment], delimiters: Delimiters, wide: bool,
                  sink: SetSink) -> None: ...


ChooseValidator = Callable[[str], SetValidator]
"""ISA12 -> the validator for that interchange."""

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
SYNTAX_RULE = re.compile(r"Syntax Error \(([PRCEL])((?:\d\d)+)\)")


def rule_target(kind: str, digits: str, elements: Sequence[str]) -> tuple[int, int | None]:
    """The element an X12 syntax rule error is about, and the element that triggered the rule (None for R).

    `elements` are the segment's elements with the ID first (RawSegment.elements). pyx12 names the rule's first
    element; the 723 code (2 conditional required missing, 10 exclusion violated) is about the one that is
    missing or too many: P (paired) and R (at least one): the first empty one; C and L (if the first, then the
    others): the first empty one after the first; E (only one of): the second one present. The trigger is what
    the 999 reports as the situational trigger (CTX): the first element of a C or L note, the first present one
    of a P or E note; an R note has none, nothing present asks for it."""
    def get(index: int) -> str:
        return elements[index] if index < len(elements) else ""

    numbers = [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    present = [e for e in numbers if get(e) != ""]
    if kind == "E":
        return (present[1], present[0]) if len(present) > 1 else (numbers[0], None)
    candidates = numbers[1:] if kind in ("C", "L") else numbers
    target = next((e for e in candidates if get(e) == ""), numbers[0])
    if kind in ("C", "L"):
        return target, numbers[0]
    return target, (present[0] if kind == "P" and present else None)


def ascii_mask(text: str) -> str:
    """Non-ASCII characters as '?' (same length) for the element checks, which take ASCII; U+FFFD (undecodable)
    stays and is reported as an invalid character."""
    if text.isascii():
        return text
    return "".join(c if c.isascii() or c == "\ufffd" else "?" for c in text)
