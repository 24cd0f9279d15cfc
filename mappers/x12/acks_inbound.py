"""The acknowledgments partners send us: TA1, 997 and 999 read into canonical documents.

Our own acknowledgments are written by `mappers.x12.acks`, which re-exports these.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import BinaryIO

from gateway.canonical import ElementNote, FunctionalAck, InterchangeAck, SegmentNote, SetAck
from mappers.x12.envelope import IsaHeader, Limits, RawInterchange, split_interchanges
from mappers.x12.reader import decoded_pieces
from mappers.x12.segments import Delimiters, MappingError, Segment, Transaction
from mappers.x12.validate_report import ACK_SETS


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
    for raw in _interchanges(data, encoding):
        if raw.delimiters is None or raw.header is None:
            raise MappingError(raw.errors[0].message if raw.errors else "not an X12 interchange")
        d = raw.delimiters
        isa = raw.header
        sender_q, sender, isa13 = isa.sender_qualifier, isa.sender_id, isa.control_number
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
    for raw in _interchanges(source, encoding, limits):
        if raw.header is None or raw.delimiters is None:
            break
        out += [_ta1(Segment(tuple(s.elements)), raw.header) for s in raw.segments()
                if s is not None and s.tag == "TA1"]
    return out


def _interchanges(source: bytes | BinaryIO, encoding: str, limits: Limits | None = None) -> Iterator[RawInterchange]:
    # "ascii" is read as latin-1: any byte decodes, so a stray one does not stop the acks from being read.
    return split_interchanges(decoded_pieces(source, "latin-1" if encoding == "ascii" else encoding), limits)


def _ta1(seg: Segment, isa: IsaHeader) -> InterchangeAck:
    try:
        return InterchangeAck(control_number=seg.required(1), date=seg.required(2), time=seg.required(3),
                              status=seg.required(4), code=seg.required(5), sender_qualifier=isa.sender_qualifier,
                              sender_id=isa.sender_id, interchange_control_number=isa.control_number)
    except ValueError as e:
        raise MappingError(f"malformed TA1: {e}") from None


def _functional_ack(segs: Sequence[Segment], d: Delimiters, sender_q: str, sender: str, isa13: str) -> FunctionalAck:
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
