"""Our TA1/997/999 follow the rules of X12.md section 8, validate with our own maps, and parse back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gateway.canonical import FunctionalAck, InterchangeAck
from mappers.x12.acks import AckOptions, acknowledge, parse_acks
from mappers.x12.segments import MappingError
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x12"
NOW = datetime(2026, 11, 25, 12, 30)


def _ack(data: bytes, options: AckOptions | None = None) -> bytes | None:
    report = validate(data)
    acks = [acknowledge(ic, options or AckOptions(), ThrowawayNumbers(), NOW) for ic in report.interchanges]
    assert len(acks) == 1
    return acks[0]


def _segments(ack: bytes) -> list[list[str]]:
    return [s.strip().split("*") for s in ack.decode().split("~") if s.strip()]


def _po(extra_line: str | None = None) -> bytes:
    """The VICS 850 of the fixtures, with two sets: the second one optionally broken."""
    text = (FIXTURES / "850_vics_4010.edi").read_text()
    head, rest = text.split("ST*", 1)
    body, tail = ("ST*" + rest).split("GE*", 1)
    second = body.replace("*0001~", "*0002~")
    if extra_line:
        second = second.replace("BEG*", extra_line + "~\nBEG*", 1)
    return (head + body + second + "GE*2*" + tail.split("*", 1)[1]).encode()


def test_clean_850_gets_a_997_that_answers_as_the_addressed_party() -> None:
    data = _po()
    ack = _ack(data)
    assert ack is not None
    segs = _segments(ack)
    inbound = _segments(data)
    assert segs[0][6].strip() == inbound[0][8].strip() and segs[0][8].strip() == inbound[0][6].strip()
    gs = next(s for s in segs if s[0] == "GS")
    inbound_gs = next(s for s in inbound if s[0] == "GS")
    assert (gs[1], gs[2], gs[3], gs[8]) == ("FA", inbound_gs[3], inbound_gs[2], inbound_gs[8])
    assert [s for s in segs if s[0] == "AK1"] == [["AK1", "PO", inbound_gs[6]]]
    assert [s for s in segs if s[0] == "AK9"] == [["AK9", "A", "2", "2", "2"]]
    assert validate(ack).ok, validate(ack).errors  # our 997 is valid X12 under our own 997 map


def test_one_bad_set_gives_partial_acceptance_with_the_segment_pointed_at() -> None:
    ack = _ack(_po(extra_line="ZZZ*1"))
    assert ack is not None
    segs = _segments(ack)
    assert ["AK2", "850", "0002"] in segs
    ak3 = next(s for s in segs if s[0] == "AK3")
    assert ak3[1] == "ZZZ" and ak3[2] == "2" and ak3[4] == "1"  # ST=1, ZZZ=2: 720 1 unrecognized segment ID
    assert [s[1:] for s in segs if s[0] == "AK5"] == [["A"], ["R", "4", "5"]]  # SE01 now counts one short too
    assert next(s for s in segs if s[0] == "AK9") == ["AK9", "P", "2", "2", "1"]
    assert validate(ack).ok


def test_5010_group_gets_a_999_that_our_999_map_accepts() -> None:
    data = (FIXTURES / "850_5010_pipe.edi").read_bytes()
    ack = _ack(data, AckOptions(ta1="never"))
    assert ack is not None
    text = ack.decode()
    assert "|999|" in text and "IK5|A" in text and "TA1" not in text
    assert validate(ack).ok, validate(ack).errors


def test_functional_ack_override_sends_997_to_a_5010_partner() -> None:
    ack = _ack((FIXTURES / "850_5010_pipe.edi").read_bytes(), AckOptions(functional_ack="997", ta1="never"))
    assert ack is not None and "|997|" in ack.decode() and "AK5|A" in ack.decode()


def test_ta1_options() -> None:
    data = _po()
    assert "TA1" not in (_ack(data) or b"").decode()  # ISA14 = 0: on_request sends none
    always = _ack(data, AckOptions(ta1="always"))
    assert always is not None and "TA1*" in always.decode() and "*A*000~" in always.decode()
    requested = data.replace(b"*0*P*>", b"*1*P*>", 1)
    assert requested != data
    assert "TA1*" in (_ack(requested) or b"").decode()
    assert "TA1" not in (_ack(requested, AckOptions(ta1="never")) or b"").decode()


def test_envelope_error_gets_a_rejecting_ta1_and_no_997() -> None:
    data = _po().replace(b"IEA*1*000000101", b"IEA*1*000000102")
    ack = _ack(data)
    assert ack is not None
    segs = _segments(ack)
    assert next(s for s in segs if s[0] == "TA1")[4:] == ["R", "001"]  # I18 001: ISA13 and IEA02 differ
    assert not any(s[0] == "ST" for s in segs)


def test_acks_are_never_acknowledged() -> None:
    ack = _ack(_po())
    assert ack is not None
    assert _ack(ack, AckOptions(ta1="always")) is not None  # a TA1 for the envelope is still allowed...
    assert not any(s[0] == "ST" for s in _segments(_ack(ack, AckOptions(ta1="always")) or b""))  # ...no 997
    with_ta1 = _ack(_po(), AckOptions(ta1="always"))
    assert with_ta1 is not None
    assert _ack(with_ta1, AckOptions(ta1="always")) is None  # it carries a TA1: nothing at all is owed


def test_throwaway_numbers_consume_nothing_and_ack_parses_back() -> None:
    ack = _ack(_po(extra_line="ZZZ*1"), AckOptions(ta1="always"))
    assert ack is not None
    parsed = parse_acks(ack)
    ta1 = next(a for a in parsed if isinstance(a, InterchangeAck))
    assert ta1.control_number == "000000101" and ta1.accepted
    fa = next(a for a in parsed if isinstance(a, FunctionalAck))
    assert (fa.ack_type, fa.functional_id, fa.status, fa.included, fa.received, fa.accepted) == \
        ("997", "PO", "P", 2, 2, 1)
    bad = fa.sets[1]
    assert not bad.accepted and bad.codes == ("4", "5")
    assert bad.segments[0].segment == "ZZZ" and bad.segments[0].position == 2 and bad.segments[0].code == "1"


def test_parse_inbound_999_with_element_notes() -> None:
    data = (b"ISA|00|          |00|          |ZZ|VENDOR         |ZZ|GATEWAY        |261125|1200|^|00501|"
            b"000000007|0|P|:~GS|FA|VENDOR|GATEWAY|20261125|1200|7|X|005010~ST|999|0001|005010~"
            b"AK1|PC|42|005010~AK2|860|0001~IK3|POC|5||8~IK4|3:2|330|6|1X~IK5|R|5~AK9|R|1|1|0~SE|8|0001~"
            b"GE|1|7~IEA|1|000000007~")
    (fa,) = parse_acks(data)
    assert isinstance(fa, FunctionalAck)
    assert (fa.group_control_number, fa.version, fa.status) == ("42", "005010", "R")
    note = fa.sets[0].segments[0]
    assert (note.segment, note.position, note.code) == ("POC", 5, "8")
    element = note.elements[0]
    assert (element.position, element.component, element.reference, element.code, element.value) == \
        (3, 2, "330", "6", "1X")


def test_isa_that_is_not_fixed_width_still_gets_its_rejecting_ta1() -> None:
    data = _po().replace(b"*ZZ*CONTOSO        *", b"*ZZ*CONTOSO*", 1)
    ack = _ack(data)
    assert ack is not None
    segs = _segments(ack)
    assert segs[0][6].strip() == "LITWARE" and segs[0][8].strip() == "CONTOSO"  # answers as the addressed party
    assert next(s for s in segs if s[0] == "TA1") == ["TA1", "000000101", "261120", "0930", "R", "022"]
    assert not any(s[0] == "ST" for s in segs)


def test_unreadable_isa_without_identity_gets_no_ack() -> None:
    assert _ack(b"ISA*00*garbage~GS*PO~") is None


@pytest.mark.parametrize("broken", [
    b"TA1*000000101*261120*0930*Q*000~",  # TA104 must be A, E or R
    b"GS*FA*A*B*20261125*1200*1*X*004010~ST*997*0001~AK1*PO*1~AK2*850*0001~AK3*BEG*X**8~AK5*R*5~"
    b"AK9*R*1*1*0~SE*7*0001~GE*1*1~",  # AK302 is a position
    b"GS*FA*A*B*20261125*1200*1*X*004010~ST*997*0001~AK1*PO*1~SE*3*0001~GE*1*1~",  # no AK9
])
def test_malformed_inbound_ack_is_a_mapping_error(broken: bytes) -> None:
    isa = b"ISA*00*          *00*          *ZZ*VENDOR         *ZZ*GATEWAY        *261125*1200*U*00401*000000007*0*P*>~"
    with pytest.raises(MappingError):
        parse_acks(isa + broken + b"IEA*1*000000007~")


ACKED = sorted(FIXTURES.glob("*.edi")) + sorted((FIXTURES / "malformed").glob("*.edi"))


@pytest.mark.parametrize("path", ACKED, ids=[p.name for p in ACKED])
@pytest.mark.parametrize("kind", ["997", "999"])
def test_every_functional_ack_we_write_parses_in_bots_and_validates_clean(path: Path, kind: str) -> None:
    """Point 8: every document we write, acks included, is standard X12 for an independent parser too."""
    from tests.x12.golden import assert_bots_accepts

    report = validate(path.read_bytes())
    options = AckOptions(functional_ack=kind, ta1="never")  # type: ignore[arg-type]
    acks = [a for ic in report.interchanges if (a := acknowledge(ic, options, ThrowawayNumbers(), NOW))]
    functional = [a for a in acks if b"GS" in a]
    if not functional:  # refused whole: only a TA1 answers a broken envelope (none here, ta1 = "never")
        assert acks == [] and any(e.level == "interchange" for e in report.errors), path.name
        return
    for ack in functional:
        assert_bots_accepts(ack)
        assert validate(ack).ok, [str(e) for e in validate(ack).errors]
        assert f"ST*{kind}*".encode() in ack or f"ST|{kind}|".encode() in ack
