"""Writing X12: a receiver's profile, text cleaning, and the ISA/GS/ST..SE/GE/IEA envelopes with their counts.

Pure: control numbers come from a `ControlNumbers` allocator and the clock is a parameter. Gateway code
builds the `Profile` from a partner (DESIGN section 4: the receiver's delimiters and version, the original
sender's identity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mappers.errors import quoted
from mappers.x12.common import Text
from mappers.x12.segments import ControlNumbers, Delimiters, MappingError, Segment
from mappers.x12.writable import CONTROL, control_name

# GS01 per transaction set (X12.md section 1, data element 479).
FUNCTIONAL_IDS = {
    "850": "PO", "855": "PR", "860": "PC", "865": "CA", "861": "RC", "846": "IB", "852": "PD",
    "856": "SH", "810": "IN", "997": "FA", "999": "FA", "824": "AG",
}


@dataclass(frozen=True)
class Profile:
    """How to write for one receiver, and as whom."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08
    sender_gs: str  # GS02
    receiver_gs: str  # GS03
    version: str = "004010"  # GS08, the receiver's x12_version (004010, 004010VICS, 005010...)
    delimiters: Delimiters = field(default_factory=lambda: Delimiters(repetition="^"))
    usage: Literal["P", "T"] = "P"  # ISA15
    ack_requested: bool = False  # ISA14: TA1 requested
    changes_as: Literal["860", "850-replace"] = "860"  # how later PO versions reach this receiver
    bak_dates: Literal["BAK04=ack", "BAK04=order"] = "BAK04=order"  # 855 date convention (X12.md section 4)
    encoding: str = "ascii"
    newline: bool = True  # a line break after each segment terminator (not when the terminator is one)

    @property
    def isa_version(self) -> str:
        """ISA12: the first five digits of GS08 (004010 -> 00401, 005010X231 -> 00501)."""
        return self.version[:5]

    @property
    def uses_repetition(self) -> bool:
        """ISA11 is a repetition separator from 00402 on; before, it is the literal standards id U."""
        return self.isa_version >= "00402"


@dataclass(frozen=True)
class OutboundSet:
    """One transaction set to envelope: its ST01, the segments between ST and SE, and ST03 when wanted."""

    set_id: str
    body: Sequence[Segment]
    implementation: str | None = None


class ThrowawayNumbers:
    """In-memory allocator for dry runs (`gateway render`, `validate --ack`): consumes nothing anywhere."""

    def __init__(self, start: int = 1) -> None:
        self._next = {"isa": start, "gs": start, "st": start}

    def next(self, kind: str) -> int:
        if kind not in self._next:
            raise ValueError(f"unknown control number kind {kind!r}; expected isa, gs or st")
        value = self._next[kind]
        self._next[kind] = value + 1
        return value


def check_delimiters(profile: Profile) -> Delimiters:
    d = profile.delimiters
    chars = [d.element, d.component, d.segment]
    if profile.uses_repetition:
        if d.repetition is None:
            raise MappingError(f"version {profile.version} needs a repetition separator (ISA11)")
        chars.append(d.repetition)
    if len(set(chars)) != len(chars) or any(len(c) != 1 for c in chars):
        raise MappingError(f"delimiters must be single, distinct characters, got {chars}")
    if any(c.isalnum() or c == " " for c in chars):
        raise MappingError(f"delimiters must not be letters, digits or spaces, got {chars}")
    return d


def _forbidden(d: Delimiters, uses_repetition: bool) -> str:
    chars = d.element + d.component + d.segment + "\r\n"
    return chars + d.repetition if uses_repetition and d.repetition else chars


def render_segment(segment: Segment, d: Delimiters, forbidden: str, position: int | None = None) -> str:
    """One segment as text. Free text (`Text`) has delimiter characters replaced by spaces; any other
    value holding one (an id, a code) is refused, because changing it would change what it identifies.
    A control character is refused in every value: no X12 element can carry one."""
    values = [segment.tag]
    for index, value in enumerate(segment.elements[1:], start=1):
        if any(c in value for c in forbidden):
            if not isinstance(value, Text):
                raise MappingError(f"value {quoted(value)} contains a delimiter character and is not free text",
                                   segment.tag, position, index)
            # An AN element may not end in spaces: a delimiter (or the CR of a CRLF) at the end goes altogether.
            value = "".join(" " if c in forbidden else c for c in value).rstrip(" ")
        found = CONTROL.search(value)
        if found:
            raise MappingError(f"value {quoted(value)} holds the control character {control_name(found.group())}",
                               segment.tag, position, index)
        values.append(value)
    return d.element.join(values) + d.segment


def check_set(member: OutboundSet, profile: Profile) -> None:
    """MappingError when `member`'s segments cannot be written with `profile`'s delimiters and encoding: what
    `render_interchange` would refuse for this set, found before it joins others in an interchange."""
    d = check_delimiters(profile)
    forbidden = _forbidden(d, profile.uses_repetition)
    text = "".join(render_segment(segment, d, forbidden, position)
                   for position, segment in enumerate(member.body, start=2))
    try:
        text.encode(profile.encoding)
    except UnicodeEncodeError as e:
        raise MappingError(f"character {text[e.start]!r} cannot be written in the receiver's encoding "
                           f"{profile.encoding}") from None


def render_interchange(profile: Profile, numbers: ControlNumbers, sets: Iterable[OutboundSet],
                       now: datetime) -> bytes:
    """One interchange: a functional group per GS01 in order of first appearance, each set numbered."""
    d = check_delimiters(profile)
    forbidden = _forbidden(d, profile.uses_repetition)
    groups: dict[str, list[OutboundSet]] = {}
    for s in sets:
        fid = FUNCTIONAL_IDS.get(s.set_id)
        if fid is None:
            raise MappingError(f"no functional group is known for transaction set {s.set_id}")
        groups.setdefault(fid, []).append(s)
    if not groups:
        raise MappingError("an interchange needs at least one transaction set")
    isa13 = _control(numbers.next("isa"), "ISA13")
    eol = "\n" if profile.newline and d.segment not in "\r\n" else ""
    isa = _isa(profile, d, isa13, now)
    for index, value in enumerate(isa.elements[1:16], start=1):  # ISA11 and ISA16 hold delimiters themselves
        if index != 11 and any(c in value for c in forbidden):
            raise MappingError(f"value {value!r} contains a delimiter character", "ISA", None, index)
    out = [render_segment(isa, d, "") + eol]
    for fid, members in groups.items():
        gs06 = str(_control(numbers.next("gs"), "GS06"))
        gs = Segment(("GS", fid, profile.sender_gs, profile.receiver_gs, now.strftime("%Y%m%d"),
                      now.strftime("%H%M"), gs06, "X", profile.version))
        out.append(render_segment(gs, d, forbidden) + eol)
        for member in members:
            st02 = f"{_control(numbers.next('st'), 'ST02'):04d}"
            st = ("ST", member.set_id, st02) + ((member.implementation,) if member.implementation else ())
            body = [Segment(st), *member.body]
            for position, segment in enumerate(body, start=1):
                out.append(render_segment(segment, d, forbidden, position) + eol)
            out.append(render_segment(Segment(("SE", str(len(body) + 1), st02)), d, forbidden) + eol)
        out.append(render_segment(Segment(("GE", str(len(members)), gs06)), d, forbidden) + eol)
    out.append(render_segment(Segment(("IEA", str(len(groups)), isa13_text(isa13))), d, forbidden) + eol)
    text = "".join(out)
    try:
        return text.encode(profile.encoding)
    except UnicodeEncodeError as e:
        raise MappingError(f"character {text[e.start]!r} cannot be written in the receiver's encoding "
                           f"{profile.encoding}") from None


def isa13_text(number: int) -> str:
    return f"{number:09d}"


def _control(number: int, what: str) -> int:
    if not 1 <= number <= 999_999_999:
        raise MappingError(f"control number {number} for {what} is outside 1..999999999")
    return number


def _fixed(value: str, width: int, what: str) -> str:
    if len(value) > width:
        raise MappingError(f"{what} {value!r} is longer than its {width} characters")
    return value.ljust(width)


def _isa(profile: Profile, d: Delimiters, isa13: int, now: datetime) -> Segment:
    """ISA is fixed width: 106 characters with the terminator (X12.md section 1)."""
    isa11 = d.repetition if profile.uses_repetition and d.repetition else "U"
    return Segment((
        "ISA", "00", " " * 10, "00", " " * 10,
        _fixed(profile.sender_qualifier, 2, "ISA05"), _fixed(profile.sender_id, 15, "ISA06"),
        _fixed(profile.receiver_qualifier, 2, "ISA07"), _fixed(profile.receiver_id, 15, "ISA08"),
        now.strftime("%y%m%d"), now.strftime("%H%M"), isa11, _fixed(profile.isa_version, 5, "ISA12"),
        isa13_text(isa13), "1" if profile.ack_requested else "0", profile.usage, d.component,
    ))
