"""Parsed X12 as plain data: what readers produce, what mappers consume and what writers render.

Hand-written on purpose: pyx12 validates, but its tokens carry no loop-aware, position-aware API that pure
mappers can use without I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from mappers.errors import MapperError


class MappingError(MapperError):
    """A document cannot be mapped: names the segment, its position (counted from ST as in AK302) and element."""

    def __init__(self, message: str, segment: str | None = None, position: int | None = None,
                 element: int | None = None) -> None:
        where = ""
        if segment:
            where = f"{segment}{element:02d}" if element else segment
            if position is not None:
                where += f" (segment {position})"
            where += ": "
        super().__init__(where + message)
        self.segment = segment
        self.position = position
        self.element = element


class LimitExceeded(MappingError):
    """An input is larger than a configured limit (a segment, a set, an interchange): refused unread."""


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None  # 5010 ISA11; None in 4010 (ISA11 is the literal "U")


class Segment(NamedTuple):
    """One segment. `elements[0]` is the tag, so `elements[1]` is e.g. BEG01; components stay joined.

    A tuple: every segment read is one (a set of 200,000 lines holds a million of these), and a tuple is built
    in half the time of a frozen dataclass and is as small as a slotted one. (Unlike a plain tuple of strings,
    a tuple subclass stays tracked by the garbage collector: a long set's segments are scanned by each full
    collection while the set is read.)"""

    elements: tuple[str, ...]
    position: int = 0  # 1-based from ST (ST itself is 1); 0 when not inside a transaction set

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, index: int) -> str | None:
        """Element `index` (1-based), or None when absent or empty."""
        if index < len(self.elements) and self.elements[index] != "":
            return self.elements[index]
        return None

    def required(self, index: int) -> str:
        value = self.get(index)
        if value is None:
            raise MappingError("mandatory element is missing", self.tag, self.position, index)
        return value


@dataclass
class Transaction:
    """One transaction set, ST to SE inclusive, with the envelope identity it arrived in."""

    set_id: str  # ST01, e.g. "850"
    control_number: str  # ST02, kept exactly (leading zeros included)
    segments: list[Segment] = field(default_factory=list)
    version: str = ""  # GS08
    implementation: str | None = None  # ST03 [5010]
    delimiters: Delimiters = field(default_factory=Delimiters)  # of the interchange: split composites with it

    # These run over every segment of a set, several times for each set mapped: they read the tag as
    # elements[0] rather than through the property.

    def all(self, tag: str) -> list[Segment]:
        return [s for s in self.segments if s.elements[0] == tag]

    def first(self, tag: str) -> Segment | None:
        for s in self.segments:
            if s.elements[0] == tag:
                return s
        return None

    def one(self, tag: str) -> Segment:
        seg = self.first(tag)
        if seg is None:
            raise MappingError(f"mandatory segment {tag} is missing from the {self.set_id}", tag)
        return seg

    def loops(self, tag: str, within: Sequence[Segment] | None = None,
              ends: frozenset[str] = frozenset({"CTT", "SE"})) -> Iterator[list[Segment]]:
        """Yield each loop that starts with `tag`, up to the next `tag` or one of `ends`."""
        current: list[Segment] | None = None
        for seg in self.segments if within is None else within:
            seg_tag = seg.elements[0]
            if seg_tag == tag:
                if current is not None:
                    yield current
                current = [seg]
            elif seg_tag in ends:
                if current is not None:
                    yield current
                current = None
            elif current is not None:
                current.append(seg)
        if current is not None:
            yield current


@dataclass
class Group:
    """A functional group: GS..GE."""

    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    control_number: str  # GS06
    version: str  # GS08
    transactions: list[Transaction] = field(default_factory=list)


@dataclass
class Interchange:
    """An interchange: ISA..IEA, with the identities DESIGN section 4 routes on."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, trimmed
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trimmed
    control_number: str  # ISA13
    version: str  # ISA12
    ack_requested: bool  # ISA14
    usage: str  # ISA15
    delimiters: Delimiters = field(default_factory=Delimiters)
    groups: list[Group] = field(default_factory=list)
    ta1s: list[Segment] = field(default_factory=list)  # TA1 segments sent between ISA and the first GS


class ControlNumbers(Protocol):
    """Allocates envelope control numbers; `kind` is "isa", "gs" or "st". A number is never handed out twice."""

    def next(self, kind: str) -> int: ...
