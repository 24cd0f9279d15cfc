"""Acknowledgments: the TA1/997/999 we send, built from validation errors, and the ones partners send us.

We never use pyx12's own 997/999 writer (notes/pyx12.md: wrong GS08, ISA13 from the clock, fixed separators,
a 999 cut after AK1). Rules kept here (X12.md section 8 and pitfall 11):
- one 997 or 999 per functional group, one AK2 per set; 997 for a 4010 group and 999 for 5010 unless the
  partner says otherwise; AK9 counts the sets included (GE01), received and accepted, with P when some sets
  were rejected and others accepted;
- a TA1 reports envelope errors (TA105 = the first I18 code) and answers ISA14 = 1, per the partner's `ta1`
  option (on_request: when requested or when the envelope is in error; always; never);
- an interchange rejected at the envelope gets its TA1 only: its groups were not taken in;
- a 997, 999 or TA1 is never acknowledged;
- the ack answers as the party that was addressed: its ISA sender is the inbound receiver, and its GS sender
  the inbound GS receiver.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Literal

from mappers.errors import quoted
from mappers.x12.acks_inbound import functional_ack_from, interchange_acks_in, parse_acks
from mappers.x12.envelope import RawSegment
from mappers.x12.segments import ControlNumbers, Delimiters, MappingError, Segment
from mappers.x12.validate import GroupReport, InterchangeReport, SetReport, ValidationError
from mappers.x12.writer import ThrowawayNumbers, render_segment

__all__ = ["AckOptions", "AckStream", "Answer", "acknowledge", "acknowledgeable", "addressable", "answer",
           "functional_ack_body", "functional_ack_from", "interchange_acks_in", "parse_acks", "ta1_segment",
           "wants_ta1"]

_MAX_AK4 = 99  # AK4/IK4 max use per AK3 loop
_MAX_CODES = 5  # AK502..AK506, AK905..AK909


@dataclass(frozen=True)
class AckOptions:
    """The partner options that shape our acknowledgments (DESIGN section 4)."""

    functional_ack: Literal["997", "999"] | None = None  # None: 997 for 4010 groups, 999 from 5010 on
    ta1: Literal["on_request", "always", "never"] = "on_request"
    delimiters: Delimiters | None = None  # None: answer with the delimiters the partner used
    encoding: str = "ascii"


def ack_type(group: GroupReport, options: AckOptions) -> str:
    return options.functional_ack or ("999" if group.version >= "005010" else "997")


def wants_ta1(ic: InterchangeReport, options: AckOptions) -> bool:
    if ic.has_ta1 or options.ta1 == "never" or ic.control_number is None:
        return False
    return options.ta1 == "always" or ic.ack_requested or bool(ic.errors)


def ta1_segment(ic: InterchangeReport, now: datetime, verdict: tuple[str, str] | None = None) -> Segment:
    """TA102/TA103 echo ISA09/ISA10; when those are the error (014/015), the time we received it stands in.
    `verdict` (TA104, TA105) overrides the one the validation gives."""
    status, code = verdict or (("R", ic.errors[0].code) if ic.errors else ("A", "000"))
    date = ic.date if re.fullmatch(r"\d{6}", ic.date) else now.strftime("%y%m%d")
    time = ic.time if re.fullmatch(r"\d{4}", ic.time) else now.strftime("%H%M")
    return Segment(("TA1", ic.control_number or "", date, time, status, code))


# The X12 extended character set of 4010 (pyx12's `rec_ID_E`): what an AN value in our acks may hold.
_AN = re.compile(r"""[A-Za-z0-9!"&'()*+,\-./:;?= %~@\[\]_{}\\|<>#$]+""")


def addressable(ic: InterchangeReport, d: Delimiters) -> bool:
    """Whether an answer can be addressed: both identities and ISA13 readable (else no TA1 can be formed)."""
    delimiters = d.element + d.component + d.segment + (d.repetition or "")
    ids_ok = all(re.fullmatch(r"[A-Z0-9]{2}", q) for q in (ic.sender_qualifier, ic.receiver_qualifier)) and \
        all(len(i) <= 15 and _AN.fullmatch(i) and not any(c in i for c in delimiters)
            for i in (ic.sender_id, ic.receiver_id))
    return ids_ok and re.fullmatch(r"\d{9}", ic.control_number or "") is not None


def functional_ack_body(group: GroupReport, kind: str) -> list[Segment]:
    """The segments between ST and SE of the 997 or 999 that answers `group` (its sets kept in the report)."""
    five = kind == "999"
    return [_ak1(group, five), *(s for tx in group.sets for s in _set_answer(tx, five)), _ak9(group)]


def _ak1(group: GroupReport, five: bool) -> Segment:
    return Segment(("AK1", group.functional_id, group.control_number) + ((group.version,) if five else ()))


def _set_answer(tx: SetReport, five: bool) -> list[Segment]:
    """The AK2 loop of one set: AK2, its segment and element notes, AK5 (IK5); none for a set no AK2 can name."""
    if not _echoable(tx):
        return []  # AK9 still counts it as received and not accepted
    ak2 = ("AK2", tx.set_id, tx.control_number) + ((tx.implementation,) if five and tx.implementation else ())
    return [Segment(ak2), *_segment_notes(tx, five), Segment(("IK5" if five else "AK5", *_set_status(tx)))]


def _ak9(group: GroupReport) -> Segment:
    included = group.declared_sets if group.declared_sets is not None else group.received
    group_codes = _first_codes(e.code for e in group.errors)
    return Segment(("AK9", group.status, str(included), str(group.received), str(group.accepted), *group_codes))


def _echoable(tx: SetReport) -> bool:
    """Whether ST01/ST02 can be echoed in AK201/AK202. They are echoed as sent even when their length is wrong:
    718 6 and 7 exist to tell the partner exactly that, in the AK2 that names the set. An empty value or one
    with characters X12 does not allow cannot be written, and that set gets no AK2 (AK9 still counts it)."""
    return re.fullmatch(r"[A-Za-z0-9]{1,3}", tx.set_id) is not None and len(tx.control_number) <= 9 and \
        _AN.fullmatch(tx.control_number) is not None and not tx.control_number.endswith(" ")


def acknowledgeable(group: GroupReport) -> bool:
    """AK101 is an ID of 2, AK102 an N0 of 1 to 9 (AK103 an AN of 1 to 12): a group whose GS01/GS06 break that
    cannot be answered by a 997/999; its interchange is rejected instead (TA1 024, see validation)."""
    return re.fullmatch(r"[A-Z]{2}", group.functional_id) is not None and \
        re.fullmatch(r"\d{1,9}", group.control_number) is not None and \
        re.fullmatch(r"[A-Za-z0-9]{1,12}", group.version) is not None


def _segment_notes(tx: SetReport, five: bool) -> list[Segment]:
    by_segment: dict[tuple[int, str], list[ValidationError]] = {}
    for e in tx.errors:
        # AK301 is an ID of 2-3 characters: a segment whose ID is itself the error (lower case, a space, one
        # letter) gets no AK3; its set is still rejected with 718 5.
        tag = e.segment or ""
        if e.level in ("segment", "element") and e.position and re.fullmatch(r"[A-Z][A-Z0-9]{1,2}", tag):
            by_segment.setdefault((e.position, tag), []).append(e)
    out: list[Segment] = []
    for (position, tag), errors in sorted(by_segment.items()):
        codes = list(dict.fromkeys(e.code for e in errors if e.level == "segment"))
        elements = [e for e in errors if e.level == "element"]
        if elements and "8" not in codes:
            codes.append("8")  # 720 8: Segment Has Data Element Errors
        for code in codes:
            out.append(Segment(("IK3" if five else "AK3", tag, str(position), "", code)))
            if code != "8":
                continue
            for e in elements[:_MAX_AK4]:
                where = _composite(str(e.element), *([str(e.component)] if e.component else []))
                out.append(Segment(("IK4" if five else "AK4", where, "", e.code, *_bad_value(e.value))))
                if five and e.trigger is not None:
                    out.append(_element_context(tag, position, e.trigger, e.trigger_component))
    return out


# AK401/IK401 (C030) and CTX05 are composites: their components are joined with this placeholder, which
# `_render` turns into the receiver's component separator once each component is known to be writable.
_COMPONENT_MARK = "\x00"
# CTX01-1 of the 999's Element Context (005010X231A1, loop 2110): the one context name it defines
SITUATIONAL_TRIGGER = "SITUATIONAL TRIGGER"


def _composite(*components: str) -> str:
    return _COMPONENT_MARK.join(components)


def _element_context(tag: str, position: int, trigger: int, component: int | None = None) -> Segment:
    """The 999 CTX after an IK4 whose error a syntax note caused (723/621 2 or 10): the element whose presence
    made the reported one required (or excluded), in the same segment. CTX02/CTX03 name that segment as IK301/
    IK302 do, CTX05 the trigger's position (and its component, for a note inside a composite). A business unit
    CTX (loop 2100) is not written: X231A1 defines business unit names for health care sets only (TRN02,
    CLM01...), and one PO set is its own unit, named by AK2."""
    where = _composite(str(trigger), *([str(component)] if component is not None else []))
    return Segment(("CTX", SITUATIONAL_TRIGGER, tag, str(position), "", where))


def _bad_value(value: str | None) -> tuple[str, ...]:
    """AK404: a copy of the bad data, when it can be written safely (X12 characters, at most 99 of them)."""
    value = (value or "")[:99].rstrip(" ")  # trailing spaces are themselves an error in an AN element
    if not value or not _AN.fullmatch(value):
        return ()
    return (value,)


def _set_status(tx: SetReport) -> list[str]:
    if tx.accepted:
        return ["A"]
    codes = [e.code for e in tx.errors if e.level == "set"]
    if any(e.level in ("segment", "element") for e in tx.errors):
        codes.append("5")  # 718 5: One or More Segments in Error
    return ["R", *_first_codes(codes)]


def _first_codes(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))[:_MAX_CODES]


_DELIMITER_CODES = frozenset({"004", "026", "027"})  # TA105: bad segment terminator, element, component separator


@dataclass(frozen=True)
class Answer:
    """What we send back for an interchange (None when nothing is owed), and why it is only a TA1 when the
    functional acks could not be written (an echoed id holds one of the ack's delimiters, for one)."""

    data: bytes | None
    fallback: str | None = None


_UNWRITABLE = "024"  # TA105 Invalid Interchange Content: the fallback when no 997/999 can echo the groups


def acknowledge(ic: InterchangeReport, options: AckOptions, numbers: ControlNumbers,
                now: datetime) -> bytes | None:
    """The interchange we send back for `ic`, or None when nothing is owed (an ack, or TA1 never and no group)."""
    return answer(ic, options, numbers, now).data


def answer(ic: InterchangeReport, options: AckOptions, numbers: ControlNumbers, now: datetime) -> Answer:
    """`acknowledge` with the reason when the 997/999 had to give way to a TA1.

    Everything a 997/999 echoes (GS02/GS03, AK1, AK2, ST03...) came from the partner, read with the partner's
    delimiters; our ack may use others (the partner's configured ones). A value that cannot be written
    correctly in the ack's delimiters and character set is never escaped or altered (the partner would match
    it to nothing): the interchange is answered by a TA1 R 024 instead, and `fallback` says why.
    """
    with AckStream(options) as stream:
        for group in ic.groups:
            stream.group_opened(ic, group)
            for tx in group.sets:
                stream.set_closed(ic, group, tx, ())
            stream.group_closed(ic, group)
        return stream.answer(ic, numbers, now)


_SPOOLED = 1 << 20  # characters of a group's ack body kept in memory before it goes to a temporary file


@dataclass
class _Body:
    """The rendered segments between ST and SE of the 997/999 answering one group, or the first that could not
    be written."""

    group: GroupReport
    kind: str
    d: Delimiters
    # closed by AckStream.close
    text: IO[str] = field(default_factory=lambda: tempfile.SpooledTemporaryFile(_SPOOLED, "w+", newline=""))  # noqa: SIM115
    count: int = 0
    error: MappingError | None = None

    def write(self, segments: Iterable[Segment]) -> None:
        if self.error is not None:
            return
        try:
            for s in segments:
                self.text.write(_ack_line(s, self.d))
                self.count += 1
        except MappingError as e:
            self.error = e

    def lines(self) -> Iterator[str]:
        self.text.seek(0)
        while chunk := self.text.read(_SPOOLED):
            yield chunk
        self.text.seek(0, 2)


class AckStream:
    """The acknowledgment of one interchange, written as its validation closes sets and groups (a `Listener` of
    `mappers.x12.validate_interchange`): each group's 997/999 body goes to a spooled file set by set, so that an
    interchange of many sets is answered without keeping their reports. `answer` envelopes the bodies once the
    interchange is read: its TA1, counts and control numbers are known only then. Close it (or use `with`) to
    drop the bodies."""

    def __init__(self, options: AckOptions) -> None:
        self.options = options
        self.bodies: list[_Body] = []

    def __enter__(self) -> AckStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for body in self.bodies:
            body.text.close()
        self.bodies = []

    def group_opened(self, ic: InterchangeReport, group: GroupReport) -> None:
        if group.functional_id == "FA" or not acknowledgeable(group):
            return  # an ack is never acknowledged; a group whose GS01/GS06 cannot be echoed gets a TA1
        body = _Body(group, ack_type(group, self.options), self._delimiters(ic))
        self.bodies.append(body)
        body.write([_ak1(group, body.kind == "999")])

    def set_closed(self, ic: InterchangeReport, group: GroupReport, tx: SetReport,
                   segments: Sequence[RawSegment]) -> None:
        if self.bodies and self.bodies[-1].group is group:
            self.bodies[-1].write(_set_answer(tx, self.bodies[-1].kind == "999"))

    def group_closed(self, ic: InterchangeReport, group: GroupReport) -> None:
        if self.bodies and self.bodies[-1].group is group:
            self.bodies[-1].write([_ak9(group)])

    def _delimiters(self, ic: InterchangeReport) -> Delimiters:
        # Delimiters the envelope check refused (TA1 004/026/027) are not echoed back: answer with standard ones.
        refused = any(e.code in _DELIMITER_CODES for e in ic.errors if e.level == "interchange")
        return self.options.delimiters or (None if refused else ic.delimiters) or Delimiters(repetition="^")

    def answer(self, ic: InterchangeReport, numbers: ControlNumbers, now: datetime) -> Answer:
        """What we send back for `ic`, the interchange this stream was told of, now read to its end."""
        options = self.options
        d = self._delimiters(ic)
        if not addressable(ic, d):
            return Answer(None)
        bodies = [] if ic.errors or ic.has_ta1 else [b for b in self.bodies if not b.group.carries_acks]
        # The delimiters are refused only with the ISA, before any group: each body was written with these.
        assert all(b.d == d for b in bodies)
        try:  # a dry run first, so that a refusal uses up no control numbers
            for _ in self._lines(ic, d, bodies, ThrowawayNumbers(), now, None, dry=True):
                pass
        except MappingError as e:
            if options.ta1 == "never":
                return Answer(None, f"no acknowledgment can be written ({e}) and the partner takes no TA1")
            refusal = ta1_segment(ic, now, ("R", _UNWRITABLE))
            data = "".join(self._lines(ic, d, [], numbers, now, refusal))
            return Answer(data.encode(options.encoding, errors="replace"),
                          f"answered with TA1 R {_UNWRITABLE}: the functional acknowledgment cannot be written: {e}")
        ta1 = ta1_segment(ic, now) if wants_ta1(ic, options) else None
        if ta1 is None and not bodies:
            return Answer(None)
        data = "".join(self._lines(ic, d, bodies, numbers, now, ta1))
        return Answer(data.encode(options.encoding, errors="replace"))

    def _lines(self, ic: InterchangeReport, d: Delimiters, bodies: list[_Body], numbers: ControlNumbers,
               now: datetime, ta1: Segment | None, dry: bool = False) -> Iterator[str]:
        """The ack as text, piece by piece (control numbers are taken as they are reached); a dry run raises the
        MappingError of the first value that cannot be written, in the order they would be."""
        version = ic.version if len(ic.version) == 5 and ic.version.isdigit() else "00401"
        if any(b.kind == "999" for b in bodies):
            version = max(version, "00501")
        isa11 = (d.repetition or "^") if version >= "00501" else "U"
        isa13 = numbers.next("isa")
        # its ids were checked by `addressable`; ISA11 and ISA16 are delimiters themselves
        yield render_segment(Segment((
            "ISA", "00", " " * 10, "00", " " * 10, ic.receiver_qualifier.ljust(2), ic.receiver_id.ljust(15),
            ic.sender_qualifier.ljust(2), ic.sender_id.ljust(15), now.strftime("%y%m%d"), now.strftime("%H%M"),
            isa11, version, f"{isa13:09d}", "0", ic.usage if ic.usage in ("P", "T") else "P", d.component)),
            d, "") + _eol(d)
        if ta1 is not None:
            yield _ack_line(ta1, d)
        # One GS per (sender, receiver, version) in order of first appearance, one 997/999 per inbound group.
        outbound: dict[tuple[str, str, str], list[_Body]] = {}
        for b in bodies:
            outbound.setdefault((b.group.receiver, b.group.sender, _ack_version(b.group, self.options)), []).append(b)
        for (gs02, gs03, gs08), members in outbound.items():
            gs06 = str(numbers.next("gs"))
            yield _ack_line(Segment(("GS", "FA", gs02, gs03, now.strftime("%Y%m%d"), now.strftime("%H%M"), gs06,
                                     "X", gs08)), d)
            for b in members:
                st02 = f"{numbers.next('st'):04d}"
                yield _ack_line(Segment(("ST", b.kind, st02) + ((gs08,) if b.kind == "999" else ())), d)
                if b.error is not None:
                    raise b.error
                if not dry:
                    yield from b.lines()
                yield _ack_line(Segment(("SE", str(b.count + 2), st02)), d)
            yield _ack_line(Segment(("GE", str(len(members)), gs06)), d)
        yield _ack_line(Segment(("IEA", str(len(outbound)), f"{isa13:09d}")), d)


def _ack_version(group: GroupReport, options: AckOptions) -> str:
    """GS08 of the ack: the group's own version for a 997; a 999 is written to its implementation guide,
    005010X231A1 (GS08 and ST03), which is also what tells a 999 from a 5010 997 in an FA group. AK103
    still names the version of the group it answers."""
    if ack_type(group, options) == "999":
        return "005010X231A1"
    if not group.supported:  # answering in a version we do not have would make the 997 itself invalid
        return "005010" if group.version >= "005010" else "004010"
    return group.version


def _eol(d: Delimiters) -> str:
    return "" if d.segment in "\r\n" else "\n"


def _ack_line(s: Segment, d: Delimiters) -> str:
    """One segment of the ack as text, with its line end; MappingError naming the element when a value cannot be
    written correctly."""
    delimiters = d.element + d.component + d.segment + (d.repetition or "")
    if s.tag in ("AK4", "IK4") and len(s.elements) > 4 and any(c in s.elements[4] for c in delimiters):
        s = Segment(s.elements[:4])  # AK404 is optional: a copy that would break the ack is left out
    return _ack_segment(s, d, delimiters) + _eol(d)


def _ack_segment(s: Segment, d: Delimiters, delimiters: str) -> str:
    """One segment of an ack: each value (each component of a composite) in the X12 character set and free of
    the ack's delimiters, else MappingError naming the element; nothing is escaped or altered."""
    values = [s.tag]
    for index, value in enumerate(s.elements[1:], start=1):
        components = value.split(_COMPONENT_MARK)
        for part in components:
            if part and not _AN.fullmatch(part):
                raise MappingError(f"{quoted(part)} holds characters outside the X12 character set", s.tag,
                                   None, index)
            if any(c in part for c in delimiters):
                raise MappingError(f"value {quoted(part)} contains a delimiter character", s.tag, None, index)
        values.append(d.component.join(components))
    return d.element.join(values) + d.segment
