"""Parsed X12 as plain data: what readers produce, what mappers consume and what writers render.

Hand-written on purpose: pyx12 validates, but its tokens carry no loop-aware, position-aware API that pure
mappers can use without I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count, repeat
from typing import NamedTuple, Protocol, overload

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

    A tuple: one is built each time a segment of a set is read (`Segments`), and a tuple is built in half the
    time of a frozen dataclass and is as small as a slotted one."""

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


_new = tuple.__new__


class Segments(Sequence[Segment]):
    """A set's segments, held as their elements and made `Segment`s (numbered from ST) each time they are read.

    A plain tuple of strings is untracked by the garbage collector, a Segment (a tuple subclass) never is: a
    set of 10,000 lines held as Segments put 30,000 more objects in each full collection while it was mapped
    (a sixth of the time spent reading it). Read as a whole, a set's segments cost a tuple each per pass."""

    __slots__ = ("rows", "first")

    def __init__(self, rows: Iterable[tuple[str, ...]] = (), first: int = 1) -> None:
        self.rows = rows if isinstance(rows, list) else list(rows)
        self.first = first  # the position of rows[0]

    def append(self, elements: tuple[str, ...]) -> None:
        self.rows.append(elements)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Segment]:
        return map(_new, repeat(Segment), zip(self.rows, count(self.first)))

    @overload
    def __getitem__(self, index: int) -> Segment: ...

    @overload
    def __getitem__(self, index: slice) -> Segments: ...

    def __getitem__(self, index: int | slice) -> Segment | Segments:
        """A slice stays a `Segments`, its positions kept (`tx.segments[2:]` makes no Segment)."""
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self.rows))
            if step != 1:
                raise ValueError("segments are sliced with a step of 1")
            return Segments(self.rows[start:stop], self.first + start)
        position = index if index >= 0 else index + len(self.rows)
        return Segment(self.rows[index], self.first + position)


@dataclass
class Transaction:
    """One transaction set, ST to SE inclusive, with the envelope identity it arrived in."""

    set_id: str  # ST01, e.g. "850"
    control_number: str  # ST02, kept exactly (leading zeros included)
    segments: Sequence[Segment] = field(default_factory=Segments)
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
