"""The interchange envelope at the character level: delimiters, fixed-width ISA, segment boundaries.

pyx12 reads the delimiters of the first ISA only, stops silently at an empty segment (`~~`) and raises on a
short ISA. This module does that work itself, before any validation, so that each of those inputs becomes a
precise error with its TA1 code (X12.md section 8, I18) instead of a traceback or a silent stop:

- delimiters come from the ISA at fixed offsets (X12.md section 1): element separator [3], repeated at
  every element boundary, ISA11 [82] (the 5010 repetition separator), component separator [104],
  segment terminator [105];
- CR/LF after a terminator is a suffix, not data; `\\n` itself may be the terminator;
- a file may hold several interchanges, each with its own delimiters; "ISA" starts one only at the start
  of the file or right after a segment terminator (never inside data such as `NM1*...*ISAAC`);
- what partners' tools commonly add is tolerated: a UTF-8 byte order mark before an ISA, and blanks (spaces,
  tabs, line ends) between a terminator and the next segment; a run of empty segments is one error, not one
  per terminator;
- input is read in bounded memory: a segment, a set or an interchange longer than its `Limits` stops the
  reading with an error naming the limit (a file with no terminator is never scanned to its end).

Pure: text in, segments and errors out. The reader may reuse `detect_delimiters` and `split_interchanges`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple, overload

from mappers.x12.segments import Delimiters

ISA_LENGTH = 106  # including the segment terminator
BOM = "\ufeff"  # a UTF-8 byte order mark, decoded
BOM_AS_LATIN1 = "\xef\xbb\xbf"  # the same bytes read as latin-1 (how ASCII partners' input is decoded)
_BLANKS = "\r\n \t"
LIMIT_CODE = "024"  # TA105 Invalid Interchange Content: what a limit breach is answered with


@dataclass(frozen=True)
class Limits:
    """The most input read at once, in characters (bytes, for ASCII partners); beyond it reading stops.

    A segment is at most a few kilobytes in every set we map; a set is held whole while it is validated and
    mapped, so its limit bounds memory; an interchange's bounds how long one file may keep a worker busy.
    The gateway's settings (GATEWAY_X12_MAX_SEGMENT, _SET, _INTERCHANGE) override these defaults.
    """

    segment: int = 1 << 20
    set: int = 16 << 20
    interchange: int = 1 << 30
# Width of ISA01..ISA16 (X12.md section 1); the element separator sits between them.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
SEPARATOR_OFFSETS: tuple[int, ...] = tuple(3 + sum(w + 1 for w in ISA_WIDTHS[:i]) for i in range(16))
_LINE_ENDS = "\r\n"


@dataclass(frozen=True)
class IsaHeader:
    """ISA01..ISA16: the one reading of an interchange header, shared by validation, the reader, the ack reader
    and the message store."""

    elements: tuple[str, ...]  # ISA01..ISA16 as sent, padding kept

    def get(self, index: int) -> str:
        """ISA`index` (1-based) as sent, "" when absent."""
        return self.elements[index - 1] if 0 < index <= len(self.elements) else ""

    @property
    def sender_qualifier(self) -> str:
        return self.get(5)

    @property
    def sender_id(self) -> str:
        return self.get(6).strip()

    @property
    def receiver_qualifier(self) -> str:
        return self.get(7)

    @property
    def receiver_id(self) -> str:
        return self.get(8).strip()

    @property
    def control_number(self) -> str:
        return self.get(13)


def isa_header(text: str) -> IsaHeader | None:
    """The ISA at the start of `text`, read at its fixed offsets when the element separator sits at each of them
    (a separator repeated inside an element, a broken 5010 ISA11, then shifts nothing), else split on the
    separator (an ISA whose padding was trimmed still names its sender, for the TA1 that refuses it); None when
    neither gives sixteen elements."""
    if len(text) < 4 or not text.startswith("ISA"):
        return None
    separator = text[3]
    if len(text) >= ISA_LENGTH - 1 and all(text[o] == separator for o in SEPARATOR_OFFSETS):
        return IsaHeader(tuple(text[o + 1:o + 1 + w] for o, w in zip(SEPARATOR_OFFSETS, ISA_WIDTHS, strict=True)))
    elements = text.split(separator)[1:17]
    return IsaHeader(tuple(elements)) if len(elements) == 16 else None


@dataclass(frozen=True)
class EnvelopeError:
    """An interchange-level problem, with the TA1 code (TA105, data element I18) that reports it."""

    code: str
    message: str
    offset: int = 0  # character offset in the input where the problem was found


class BrokenISA(ValueError):
    """The ISA cannot be read: no delimiter can be trusted, so nothing after it can be either."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# A space cannot be told from padding, and a NUL is no character at all (C strings end there); both would also
# make the acknowledgment we send back unreadable. Other control characters (FS, GS, US, LF) are real delimiters.
_NOT_DELIMITERS = (" ", "\x00")


def detect_delimiters(isa: str) -> Delimiters:
    """The delimiters of an interchange, from its first 106 characters; raise BrokenISA with the TA1 code.

    The element separator must recur at every fixed offset: a copy/paste that trimmed the padding of ISA06
    is caught here (022) rather than read with shifted fields.
    """
    if not isa.startswith("ISA"):
        raise BrokenISA("022", f"an interchange must start with ISA, found {isa[:3]!r}")
    if len(isa) < ISA_LENGTH:
        raise BrokenISA("023", f"the ISA segment is {len(isa)} characters long, it must be {ISA_LENGTH} "
                               "(file ends inside the ISA)")
    element = isa[3]
    if element.isalnum() or element in _NOT_DELIMITERS:
        raise BrokenISA("026", f"the element separator (ISA position 4) is {element!r}: it must be a special "
                               "character")
    for index, offset in enumerate(SEPARATOR_OFFSETS[1:], start=1):
        if isa[offset] != element:
            # Report the element whose width is wrong, the thing a person can fix.
            found = isa[SEPARATOR_OFFSETS[index - 1] + 1:].split(element, 1)[0]
            raise BrokenISA("022", f"ISA{index:02d} is {len(found)} characters wide ({found[:20]!r}), it must be "
                                   f"{ISA_WIDTHS[index - 1]}: the ISA is fixed width, its element separator "
                                   f"{element!r} must be at position {offset + 1}")
    component, segment = isa[104], isa[105]
    if segment.isalnum() or segment in _NOT_DELIMITERS or segment == element:
        raise BrokenISA("004", f"the segment terminator (ISA position 106) is {segment!r}: it must be a special "
                               "character other than the element separator")
    if component.isalnum() or component in _NOT_DELIMITERS or component in (element, segment):
        raise BrokenISA("027", f"the component separator (ISA16) is {component!r}: it must be a special "
                               "character other than the element separator and segment terminator")
    repetition = None
    if isa[84:89] >= "00501":
        repetition = isa[82]
        if repetition.isalnum() or repetition in _NOT_DELIMITERS:
            raise BrokenISA("022", f"ISA11 is {repetition!r} in a {isa[84:89]} interchange: from 00501 on it is "
                                   "the repetition separator and must be a special character (4010 used 'U' here)")
        # I18 has no code for the repetition separator: the code names the delimiter it collides with, which
        # the partner can no longer use unambiguously either.
        for other, code, name in ((element, "026", "element separator"), (component, "027", "component separator"),
                                  (segment, "004", "segment terminator")):
            if repetition == other:
                raise BrokenISA(code, f"ISA11, the repetition separator of a {isa[84:89]} interchange, is "
                                      f"{repetition!r}, the same character as the {name}: each delimiter must "
                                      "be different")
    return Delimiters(element=element, component=component, segment=segment, repetition=repetition)


class RawSegment(NamedTuple):
    """One segment as text split on the element separator; components and repetitions stay joined."""

    elements: tuple[str, ...]  # a plain tuple of strings: the garbage collector untracks it
    offset: int  # character offset of the segment's first character in the input
    text: str  # the segment without its terminator

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, index: int) -> str:
        return self.elements[index] if index < len(self.elements) else ""


_new = tuple.__new__


class HeldSegments(Sequence[RawSegment]):
    """The segments of the set being validated, held as plain tuples and made RawSegments again as they are read.

    A plain tuple of strings and ints is untracked by the garbage collector, a RawSegment (a tuple subclass) never
    is: a set of 10,000 lines held as RawSegments put 30,000 more objects in each full collection while it was
    read (`mappers.x12.segments.Segments` does the same for the readers)."""

    __slots__ = ("rows",)

    def __init__(self, first: RawSegment | None = None) -> None:
        self.rows: list[tuple[tuple[str, ...], int, str]] = [first[:]] if first is not None else []

    def append(self, segment: RawSegment) -> None:
        self.rows.append(segment[:])  # a slice of a tuple subclass is a plain tuple

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[RawSegment]:
        return map(_new, repeat(RawSegment), self.rows)

    @overload
    def __getitem__(self, index: int) -> RawSegment: ...

    @overload
    def __getitem__(self, index: slice) -> list[RawSegment]: ...

    def __getitem__(self, index: int | slice) -> RawSegment | list[RawSegment]:
        if isinstance(index, slice):
            return [_new(RawSegment, row) for row in self.rows[index]]
        return _new(RawSegment, self.rows[index])


@dataclass
class RawInterchange:
    """An interchange cut out of a file: its ISA, then its other segments as a stream, read once.

    The segments are produced while they are consumed, so a large interchange is never held as a list; an
    empty segment (`~~`) comes through as None at its place. `errors` and `closed` are complete once the
    stream is exhausted (split_interchanges exhausts it itself before moving on).
    """

    offset: int
    delimiters: Delimiters | None
    header: IsaHeader | None = None  # the ISA, read when its delimiters could be trusted
    errors: list[EnvelopeError] = field(default_factory=list)
    isa_text: str = ""
    closed: bool = False  # the IEA was reached
    over_limit: bool = False  # reading stopped at a limit: nothing after it, in this file, was read
    _rest: Iterator[RawSegment | None] = field(default_factory=lambda: iter(()))

    def segments(self) -> Iterator[RawSegment | None]:
        """The segments after the ISA, up to and including the IEA; None for an empty segment."""
        return self._rest


def split_interchanges(text: str | Iterable[str], limits: Limits | None = None) -> Iterator[RawInterchange]:
    """Cut `text` into interchanges; everything that is not one is reported, never silently dropped.

    `text` is the whole input, or the input as successive pieces (decoded chunks of a file): then only about
    one piece plus the segment being read is held at a time, whatever the size of the input.

    An interchange runs from its ISA to its IEA. A new ISA before the IEA closes the previous interchange
    with 023 (premature end); text that follows an IEA and is not an ISA is reported as 022 on an
    interchange of its own (no delimiters), as is a file that does not start with ISA.
    """
    cursor = _Cursor(text) if isinstance(text, str) else _Cursor("", iter(text))
    cursor.limits = limits or Limits()
    cursor.skip_line_ends()
    while cursor.ensure(1):
        cursor.skip_bom()
        pos = cursor.pos
        cursor.ensure(3)
        if not cursor.text.startswith("ISA", cursor.pos):
            junk = cursor.junk()
            if junk:
                where = "the file does not start with an ISA segment" if cursor.offset(pos) == 0 else \
                    "data after the interchange trailer (IEA) that is not an ISA segment"
                yield RawInterchange(offset=cursor.offset(pos), delimiters=None, errors=[EnvelopeError(
                    "022", f"{where}: {junk[:30]!r}", cursor.offset(pos))])
            return
        raw = cursor.interchange()
        yield raw
        for _ in raw.segments():  # whatever the consumer left unread
            pass
        if raw.over_limit:
            return
        cursor.skip_line_ends()


_KEEP = 1 << 20  # consumed text is dropped from the buffer once this much of it has piled up


class _Cursor:
    """The position in the text, shared by the interchanges' segment streams.

    `text` is a buffer over the input: `fill` appends the next piece and, once `pos` has moved far enough,
    drops what was consumed; `base` is the input offset of `text[0]`. Indexes into `text` are therefore only
    stable until the next `fill` (or `ensure`): code re-reads `self.text` and `self.pos` after calling them.
    """

    def __init__(self, text: str, pieces: Iterator[str] | None = None) -> None:
        self.text = text
        self.pos = 0
        self.base = 0
        self._pieces = pieces
        self.limits = Limits()

    def offset(self, pos: int) -> int:
        return self.base + pos

    def fill(self) -> bool:
        """Append the next piece of input; False at its end."""
        while self._pieces is not None:
            piece = next(self._pieces, None)
            if piece is None:
                self._pieces = None
                break
            if not piece:
                continue
            if self.pos > _KEEP:
                self.base += self.pos
                self.text = self.text[self.pos:]
                self.pos = 0
            self.text += piece
            return True
        return False

    def ensure(self, n: int) -> bool:
        """At least `n` characters available after `pos` (unless the input ends first)."""
        while len(self.text) - self.pos < n:
            if not self.fill():
                return len(self.text) - self.pos >= n
        return True

    def find(self, sub: str, within: int | None = None) -> int:
        """Distance from `pos` to the next `sub`, reading more input as needed; -1 when there is none, -2 when
        there is none within `within` characters (then no more than about that much was read)."""
        scanned = 0
        while True:
            found = self.text.find(sub, self.pos + scanned)
            if found >= 0:
                return found - self.pos if within is None or found - self.pos <= within else -2
            scanned = max(0, len(self.text) - self.pos - len(sub) + 1)
            if within is not None and scanned > within:
                return -2
            if not self.fill():
                return -1

    def skip_line_ends(self, blanks: str = _LINE_ENDS) -> None:
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in blanks:
                pos += 1
            self.pos = pos
            if pos < len(text) or not self.fill():
                return

    def skip_bom(self) -> None:
        """A byte order mark before an ISA is what some Windows tools write first: not data, skipped."""
        self.ensure(len(BOM_AS_LATIN1))
        for mark in (BOM, BOM_AS_LATIN1):
            if self.text.startswith(mark, self.pos):
                self.pos += len(mark)
                return

    def junk(self) -> str:
        """The start of the non-blank text at `pos`, '' when only blanks are left; consumes everything."""
        while True:
            rest = self.text[self.pos:self.pos + 4096].lstrip()
            if rest:
                self.ensure(len(self.text) - self.pos + 64)
                rest = self.text[self.pos:].lstrip()[:64].rstrip()
                self.pos = len(self.text)
                return rest
            self.pos = min(len(self.text), self.pos + 4096)
            if self.pos >= len(self.text) and not self.fill():
                return ""

    def interchange(self) -> RawInterchange:
        self.ensure(2 * ISA_LENGTH)
        text, start = self.text, self.pos
        isa_text = text[start:start + ISA_LENGTH]
        offset = self.offset(start)
        try:
            delimiters = detect_delimiters(isa_text)
        except BrokenISA as e:
            # Without trustworthy delimiters the rest of this interchange cannot be read; resume at the next
            # line that starts with ISA so that a later, good interchange in the same file is still validated.
            # Keep a little more than the ISA: a non-padded ISA can still name its sender and ISA13 (for a TA1).
            head = text[start:start + 2 * ISA_LENGTH]
            skipped = self._to_next_isa_line(3)
            return RawInterchange(offset=offset, delimiters=None, errors=[EnvelopeError(e.code, e.message, offset)],
                                  isa_text=head[:skipped])
        body = text[start:start + ISA_LENGTH - 1]
        self.pos = start + ISA_LENGTH
        raw = RawInterchange(offset=offset, delimiters=delimiters, header=isa_header(body), isa_text=isa_text)
        raw._rest = self._segments(raw, delimiters)
        return raw

    def _segments(self, raw: RawInterchange, d: Delimiters) -> Iterator[RawSegment | None]:
        term, sep, limits = d.segment, d.element, self.limits
        set_start: int | None = None  # input offset of the open set's ST
        # With a line end as the terminator a blank line is layout too; with any other, a second terminator
        # is an empty segment.
        blanks = _BLANKS if term in _LINE_ENDS else _BLANKS.replace(term, "")
        while True:
            if not self.ensure(1):
                return
            if self.text[self.pos] in blanks:  # blanks after a terminator are layout, not data
                self.skip_line_ends(blanks)
                if not self.ensure(1):
                    return
            length = self.find(term, limits.segment)
            if length == -2:
                self._stop(raw, f"a segment is longer than {limits.segment:,} characters (no terminator {term!r} "
                                f"within the limit; starts {self.text[self.pos:self.pos + 30]!r})")
                return
            if length < 0:
                rest = self.text[self.pos:].strip(_BLANKS)
                if rest:
                    raw.errors.append(EnvelopeError(
                        "023", f"the file ends inside a segment (no terminator {term!r} after {rest[:30]!r})",
                        self.offset(self.pos)))
                self.pos = len(self.text)
                return
            seg_start = self.pos
            if length == 0:  # a run of terminators: one empty segment, however long the run
                self.skip_line_ends(term + blanks)
                yield None
                continue
            end = seg_start + length
            body = self.text[seg_start:end]
            if term == "\n":
                body = body.rstrip("\r")  # CRLF line ends around a line-feed terminator
            elements = tuple(body.split(sep))
            if elements[0] == "ISA":
                raw.errors.append(EnvelopeError(
                    "023", "a new interchange (ISA) starts before the trailer (IEA) of this one",
                    self.offset(seg_start)))
                return
            offset = self.offset(seg_start)
            if offset - raw.offset > limits.interchange:
                self._stop(raw, f"the interchange is longer than {limits.interchange:,} characters")
                return
            if elements[0] == "ST":
                set_start = offset
            elif set_start is not None and offset - set_start > limits.set:
                self._stop(raw, f"a transaction set is longer than {limits.set:,} characters")
                return
            if elements[0] == "SE":
                set_start = None
            self.pos = end + 1
            yield _new(RawSegment, (elements, offset, body))  # RawSegment(...), built without a Python call
            if elements[0] == "IEA":
                raw.closed = True
                return

    def _stop(self, raw: RawInterchange, what: str) -> None:
        """A limit is reached: report it and read nothing more of this input."""
        raw.errors.append(EnvelopeError(LIMIT_CODE, f"{what}: reading stopped there (a limit of the gateway's "
                                                    "settings, GATEWAY_X12_MAX_SEGMENT/_SET/_INTERCHANGE)",
                                        self.offset(self.pos)))
        raw.over_limit = True
        self.pos = len(self.text)
        self._pieces = None

    def _to_next_isa_line(self, skip: int) -> int:
        """Move `pos` to the next offset where an ISA starts a line (or the end); the distance moved."""
        moved = skip
        self.pos += skip
        while True:
            found = self.find("ISA")
            if found < 0:
                moved += len(self.text) - self.pos
                self.pos = len(self.text)
                return moved
            if self.text[self.pos + found - 1] in _LINE_ENDS:
                self.pos += found
                return moved + found
            self.pos += found + 3
            moved += found + 3

