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

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Literal

from gateway.canonical import ElementNote, FunctionalAck, InterchangeAck, SegmentNote, SetAck
from mappers.errors import quoted
from mappers.x12.envelope import Limits, RawSegment, split_interchanges
from mappers.x12.reader import decoded_pieces
from mappers.x12.segments import ControlNumbers, Delimiters, MappingError, Segment, Transaction
from mappers.x12.validate import GroupReport, InterchangeReport, SetReport, ValidationError
from mappers.x12.validate_report import ACK_SETS
from mappers.x12.writer import ThrowawayNumbers, render_segment

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
    """The segments between ST and SE of the 997 or 999 that answers `group`."""
    return list(_functional_ack_body(group, kind))


def _functional_ack_body(group: GroupReport, kind: str) -> Iterator[Segment]:
    """`functional_ack_body` one segment at a time: an ack for many sets is rendered without holding them all."""
    five = kind == "999"
    yield Segment(("AK1", group.functional_id, group.control_number) + ((group.version,) if five else ()))
    for tx in group.sets:
        if not _echoable(tx):
            continue  # no valid AK2 can name it; AK9 still counts it as received and not accepted
        ak2 = ("AK2", tx.set_id, tx.control_number) + ((tx.implementation,) if five and tx.implementation else ())
        yield Segment(ak2)
        yield from _segment_notes(tx, five)
        yield Segment(("IK5" if five else "AK5", *_set_status(tx)))
    accepted = sum(1 for tx in group.sets if tx.accepted)
    included = group.declared_sets if group.declared_sets is not None else len(group.sets)
    group_codes = _first_codes(e.code for e in group.errors)
    yield Segment(("AK9", group.status, str(included), str(len(group.sets)), str(accepted), *group_codes))


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
    # Delimiters the envelope check refused (TA1 004/026/027) are not echoed back: answer with standard ones.
    refused = any(e.code in _DELIMITER_CODES for e in ic.errors if e.level == "interchange")
    d = options.delimiters or (None if refused else ic.delimiters) or Delimiters(repetition="^")
    if not addressable(ic, d):
        return Answer(None)
    groups = [] if ic.errors or ic.has_ta1 else [g for g in ic.groups if g.functional_id != "FA" and
                                                   acknowledgeable(g) and
                                                   not any(tx.set_id in ACK_SETS for tx in g.sets)]
    try:  # a dry run first, so that a refusal uses up no control numbers
        _render(_interchange(ic, options, d, groups, ThrowawayNumbers(), now), d)
    except MappingError as e:
        if options.ta1 == "never":
            return Answer(None, f"no acknowledgment can be written ({e}) and the partner takes no TA1")
        refusal = ta1_segment(ic, now, ("R", _UNWRITABLE))
        data = _render(_interchange(ic, options, d, [], numbers, now, refusal), d)
        return Answer(data.encode(options.encoding, errors="replace"),
                      f"answered with TA1 R {_UNWRITABLE}: the functional acknowledgment cannot be written: {e}")
    ta1 = ta1_segment(ic, now) if wants_ta1(ic, options) else None
    if ta1 is None and not groups:
        return Answer(None)
    data = _render(_interchange(ic, options, d, groups, numbers, now, ta1), d)
    return Answer(data.encode(options.encoding, errors="replace"))


def _interchange(ic: InterchangeReport, options: AckOptions, d: Delimiters, groups: list[GroupReport],
                 numbers: ControlNumbers, now: datetime, ta1: Segment | None = None) -> Iterator[Segment]:
    """The ack's segments as they are written (control numbers are taken as the generator reaches them)."""
    version = ic.version if len(ic.version) == 5 and ic.version.isdigit() else "00401"
    if any(ack_type(g, options) == "999" for g in groups):
        version = max(version, "00501")
    isa11 = (d.repetition or "^") if version >= "00501" else "U"
    isa13 = numbers.next("isa")
    yield Segment((
        "ISA", "00", " " * 10, "00", " " * 10, ic.receiver_qualifier.ljust(2), ic.receiver_id.ljust(15),
        ic.sender_qualifier.ljust(2), ic.sender_id.ljust(15), now.strftime("%y%m%d"), now.strftime("%H%M"),
        isa11, version, f"{isa13:09d}", "0", ic.usage if ic.usage in ("P", "T") else "P", d.component))
    if ta1 is not None:
        yield ta1
    # One GS per (sender, receiver, version) in order of first appearance, one 997/999 per inbound group.
    outbound: dict[tuple[str, str, str], list[GroupReport]] = {}
    for g in groups:
        outbound.setdefault((g.receiver, g.sender, _ack_version(g, options)), []).append(g)
    for (gs02, gs03, gs08), members in outbound.items():
        gs06 = str(numbers.next("gs"))
        yield Segment(("GS", "FA", gs02, gs03, now.strftime("%Y%m%d"), now.strftime("%H%M"), gs06, "X", gs08))
        for g in members:
            kind = ack_type(g, options)
            st02 = f"{numbers.next('st'):04d}"
            yield Segment(("ST", kind, st02) + ((gs08,) if kind == "999" else ()))
            count = 0
            for segment in _functional_ack_body(g, kind):
                count += 1
                yield segment
            yield Segment(("SE", str(count + 2), st02))
        yield Segment(("GE", str(len(members)), gs06))
    yield Segment(("IEA", str(len(outbound)), f"{isa13:09d}"))


def _ack_version(group: GroupReport, options: AckOptions) -> str:
    """GS08 of the ack: the group's own version for a 997; a 999 is written to its implementation guide,
    005010X231A1 (GS08 and ST03), which is also what tells a 999 from a 5010 997 in an FA group. AK103
    still names the version of the group it answers."""
    if ack_type(group, options) == "999":
        return "005010X231A1"
    if not group.supported:  # answering in a version we do not have would make the 997 itself invalid
        return "005010" if group.version >= "005010" else "004010"
    return group.version


def _render(segments: Iterable[Segment], d: Delimiters) -> str:
    """The ack as text; MappingError naming the element when a value cannot be written correctly."""
    eol = "" if d.segment in "\r\n" else "\n"
    out = io.StringIO()
    delimiters = d.element + d.component + d.segment + (d.repetition or "")
    for s in segments:
        if s.tag in ("AK4", "IK4") and len(s.elements) > 4 and any(c in s.elements[4] for c in delimiters):
            s = Segment(s.elements[:4])  # AK404 is optional: a copy that would break the ack is left out
        if s.tag == "ISA":  # its ids were checked by `addressable`; ISA11 and ISA16 are delimiters themselves
            out.write(render_segment(s, d, "") + eol)
            continue
        out.write(_ack_segment(s, d, delimiters) + eol)
    return out.getvalue()


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


# ---------------------------------------------------------------------------------------------------------
# Inbound 997/999/TA1
# ---------------------------------------------------------------------------------------------------------

def parse_acks(data: bytes | BinaryIO, encoding: str = "ascii") -> list[FunctionalAck | InterchangeAck]:
    """Every TA1, 997 and 999 in `data` as canonical documents; a malformed ack raises MappingError."""
    try:
        return _parse_acks(data, encoding)
    except MappingError:
        raise
    except ValueError as e:  # a value the canonical documents refuse (a status code, a position...)
        raise MappingError(f"malformed acknowledgment: {e}") from None


def functional_ack_from(tx: Transaction, sender_qualifier: str = "", sender_id: str = "",
                        interchange_control_number: str = "") -> FunctionalAck:
    """A 997/999 already read as a Transaction (the `translate` registry's way in); the identity of the
    interchange that carried it is the caller's to give. A malformed ack raises MappingError."""
    if tx.set_id not in ACK_SETS:
        raise MappingError(f"a {tx.set_id} is not a functional acknowledgment", "ST", 1, 1)
    try:
        return _functional_ack(tx.segments, tx.delimiters, sender_qualifier, sender_id, interchange_control_number)
    except ValueError as e:
        raise MappingError(f"malformed acknowledgment: {e}") from None


def _parse_acks(data: bytes | BinaryIO, encoding: str) -> list[FunctionalAck | InterchangeAck]:
    out: list[FunctionalAck | InterchangeAck] = []
    for raw in split_interchanges(decoded_pieces(data, "latin-1" if encoding == "ascii" else encoding)):
        if raw.delimiters is None or raw.isa is None:
            raise MappingError(raw.errors[0].message if raw.errors else "not an X12 interchange")
        d = raw.delimiters
        isa = raw.isa
        sender_q, sender, isa13 = isa.get(5), isa.get(6).strip(), isa.get(13)
        st_segments: list[Segment] | None = None
        for raw_seg in raw.segments():
            if raw_seg is None:
                raise MappingError("empty segment (two segment terminators in a row) in an acknowledgment")
            seg = Segment(tuple(raw_seg.elements))
            if seg.tag == "TA1":
                out.append(_ta1(seg, isa))
            elif seg.tag == "ST":  # only acks are kept: a large PO in the same file is not held for nothing
                st_segments = [Segment(seg.elements, 1)] if seg.get(1) in ACK_SETS else None
            elif st_segments is not None:
                st_segments.append(Segment(seg.elements, len(st_segments) + 1))
                if seg.tag == "SE":
                    out.append(_functional_ack(st_segments, d, sender_q, sender, isa13))
                    st_segments = None
    return out


def interchange_acks_in(source: bytes | BinaryIO, encoding: str = "ascii",
                       limits: Limits | None = None) -> list[InterchangeAck]:
    """The TA1s of `source`, read in bounded memory; whatever else is wrong with it is left to the caller
    that validates or translates it (reading stops quietly at an ISA that cannot be read)."""
    out: list[InterchangeAck] = []
    for raw in split_interchanges(decoded_pieces(source, "latin-1" if encoding == "ascii" else encoding), limits):
        if raw.isa is None:
            break
        out += [_ta1(Segment(tuple(s.elements)), raw.isa) for s in raw.segments() if s is not None and s.tag == "TA1"]
    return out


def _ta1(seg: Segment, isa: RawSegment) -> InterchangeAck:
    try:
        return InterchangeAck(control_number=seg.required(1), date=seg.required(2), time=seg.required(3),
                              status=seg.required(4), code=seg.required(5), sender_qualifier=isa.get(5),
                              sender_id=isa.get(6).strip(), interchange_control_number=isa.get(13))
    except ValueError as e:
        raise MappingError(f"malformed TA1: {e}") from None


def _functional_ack(segs: list[Segment], d: Delimiters, sender_q: str, sender: str, isa13: str) -> FunctionalAck:
    st = segs[0]
    kind = st.required(1)
    ak1 = next((s for s in segs if s.tag == "AK1"), None)
    ak9 = next((s for s in segs if s.tag == "AK9"), None)
    if ak1 is None or ak9 is None:
        raise MappingError(f"the {kind} has no {'AK1' if ak1 is None else 'AK9'}", "AK1" if ak1 is None else "AK9")
    sets: list[SetAck] = []
    current: dict[str, object] | None = None
    notes: list[SegmentNote] = []
    elements: list[ElementNote] = []

    def close_note() -> None:
        nonlocal elements
        if notes and elements:
            notes[-1] = notes[-1].model_copy(update={"elements": tuple(elements)})
        elements = []

    for s in segs[1:]:
        if s.tag == "AK2":
            current = {"set_id": s.required(1), "control_number": s.required(2), "implementation": s.get(3)}
            notes = []
        elif s.tag in ("AK3", "IK3"):
            close_note()
            notes.append(SegmentNote(segment=s.required(1), position=_int(s, 2), loop=s.get(3), code=s.get(4)))
        elif s.tag in ("AK4", "IK4"):
            where = s.required(1).split(d.component)
            elements.append(ElementNote(position=int(where[0]), component=int(where[1]) if len(where) > 1 else None,
                                        reference=s.get(2), code=s.required(3), value=s.get(4)))
        elif s.tag in ("AK5", "IK5"):
            close_note()
            if current is None:
                raise MappingError(f"{s.tag} without AK2", s.tag, s.position)
            sets.append(SetAck(status=s.required(1),
                               codes=tuple(v for v in s.elements[2:] if v), segments=tuple(notes), **current))
            current = None
    return FunctionalAck(
        ack_type=kind,
        functional_id=ak1.required(1), group_control_number=ak1.required(2), version=ak1.get(3),
        status=ak9.required(1), included=_int(ak9, 2), received=_int(ak9, 3),
        accepted=_int(ak9, 4), codes=tuple(v for v in ak9.elements[5:] if v), sets=tuple(sets),
        sender_qualifier=sender_q, sender_id=sender, interchange_control_number=isa13,
        control_number=st.required(2))


def _int(seg: Segment, index: int) -> int:
    value = seg.required(index)
    if not value.isdigit():
        raise MappingError(f"{value!r} is not a number", seg.tag, seg.position, index)
    return int(value)
