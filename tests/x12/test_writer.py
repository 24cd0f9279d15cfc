"""The writer: fixed-width ISA, versions, counts and control numbers, identities, text cleaning."""

from __future__ import annotations

from datetime import datetime

import pytest

from mappers.x12.common import Text, seg
from mappers.x12.reader import read_interchanges
from mappers.x12.segments import Delimiters, MappingError
from mappers.x12.writer import OutboundSet, Profile, ThrowawayNumbers, render_interchange
from tests.x12.golden import assert_bots_accepts

NOW = datetime(2026, 11, 25, 9, 5)


def profile(**kw: object) -> Profile:
    base: dict[str, object] = dict(sender_qualifier="ZZ", sender_id="CONTOSO", receiver_qualifier="01",
                                   receiver_id="123456789", sender_gs="CONTOSO", receiver_gs="NORTHWIND")
    base.update(kw)
    return Profile(**base)  # type: ignore[arg-type]


def po_body(po_number: str = "PO1", name: str = "ACME") -> list:  # type: ignore[type-arg]
    return [seg("BEG", "00", "SA", po_number, None, "20261125"), seg("N1", "ST", Text(name)),
            seg("PO1", "1", "2", "EA"), seg("CTT", "1")]


def lines(data: bytes) -> list[str]:
    return data.decode().splitlines()


def test_isa_is_fixed_width_with_4010_standards_id() -> None:
    data = render_interchange(profile(version="004010", delimiters=Delimiters("*", ">", "~", None)),
                              ThrowawayNumbers(), [OutboundSet("850", po_body())], NOW)
    isa = lines(data)[0]
    assert len(isa) == 106
    assert isa == ("ISA*00*          *00*          *ZZ*CONTOSO        *01*123456789      *261125*0905*U*00401*"
                   "000000001*0*P*>~")
    assert lines(data)[1] == "GS*PO*CONTOSO*NORTHWIND*20261125*0905*1*X*004010~"
    assert_bots_accepts(data)


def test_5010_writes_the_repetition_separator_and_the_partners_delimiters() -> None:
    p = profile(version="005010", delimiters=Delimiters("|", ":", "~", "^"), usage="T", ack_requested=True)
    data = render_interchange(p, ThrowawayNumbers(), [OutboundSet("850", po_body())], NOW)
    isa = lines(data)[0]
    assert len(isa) == 106 and isa[82] == "^" and isa[84:89] == "00501" and isa[102] == "T" and isa[100] == "1"
    assert isa[104] == ":" and lines(data)[1].endswith("|X|005010~")
    assert_bots_accepts(data)


def test_gs08_keeps_the_partners_version_suffix() -> None:
    data = render_interchange(profile(version="004010VICS", delimiters=Delimiters("*", ">", "~", None)),
                              ThrowawayNumbers(), [OutboundSet("850", po_body())], NOW)
    assert lines(data)[0][84:89] == "00401" and lines(data)[1].endswith("*X*004010VICS~")


def test_counts_and_control_numbers_pair_up() -> None:
    numbers = ThrowawayNumbers(start=41)
    sets = [OutboundSet("850", po_body("A")), OutboundSet("860", [seg("BCH", "01", "SA", "B", None, None,
                                                                       "20261125")]),
            OutboundSet("850", po_body("C"))]
    data = render_interchange(profile(), numbers, sets, NOW)
    (i,) = read_interchanges(data)  # the reader checks every count and control number pair
    assert i.control_number == "000000041"
    assert [(g.functional_id, g.control_number, [t.control_number for t in g.transactions]) for g in i.groups] == [
        ("PO", "41", ["0041", "0042"]), ("PC", "42", ["0043"])]
    assert "SE*6*0041~" in lines(data) and "GE*2*41~" in lines(data) and lines(data)[-1] == "IEA*2*000000041~"
    assert numbers.next("isa") == 42 and numbers.next("st") == 44


def test_no_line_break_when_asked_or_when_the_terminator_is_one() -> None:
    one_line = render_interchange(profile(newline=False), ThrowawayNumbers(), [OutboundSet("850", po_body())],
                                  NOW)
    assert b"\n" not in one_line
    nl = render_interchange(profile(delimiters=Delimiters("*", ">", "\n", "^")), ThrowawayNumbers(),
                            [OutboundSet("850", po_body())], NOW)
    assert b"\n\n" not in nl and read_interchanges(nl)[0].delimiters.segment == "\n"


def test_free_text_is_cleaned_of_delimiters_but_identifiers_are_refused() -> None:
    p = profile(version="005010", delimiters=Delimiters("|", ":", "~", "^"))
    data = render_interchange(p, ThrowawayNumbers(), [OutboundSet("850", po_body(name="A|B:C~D^E\nF"))], NOW)
    assert "N1|ST|A B C D E F~" in lines(data)
    with pytest.raises(MappingError, match="BEG03.*delimiter"):
        render_interchange(p, ThrowawayNumbers(), [OutboundSet("850", po_body(po_number="PO|1"))], NOW)


def test_characters_outside_the_receivers_encoding_are_refused() -> None:
    with pytest.raises(MappingError, match="encoding ascii"):
        render_interchange(profile(), ThrowawayNumbers(), [OutboundSet("850", po_body(name="CAF\u00c9"))], NOW)
    data = render_interchange(profile(encoding="latin-1"), ThrowawayNumbers(),
                              [OutboundSet("850", po_body(name="CAF\u00c9"))], NOW)
    assert "CAF\u00c9".encode("latin-1") in data


@pytest.mark.parametrize(("kw", "message"), [
    (dict(sender_id="X" * 16), "ISA06"),
    (dict(receiver_id="AB*CD"), "ISA08.*delimiter"),
    (dict(receiver_gs="AB*CD"), "GS03.*delimiter"),
    (dict(version="005010", delimiters=Delimiters("*", ">", "~", None)), "repetition separator"),
    (dict(delimiters=Delimiters("*", "*", "~", "^")), "distinct"),
    (dict(delimiters=Delimiters("A", ">", "~", "^")), "letters"),
])
def test_bad_profiles_are_refused(kw: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(MappingError, match=message):
        render_interchange(profile(**kw), ThrowawayNumbers(), [OutboundSet("850", po_body())], NOW)


def test_unknown_sets_and_exhausted_numbers_are_refused() -> None:
    with pytest.raises(MappingError, match="functional group"):
        render_interchange(profile(), ThrowawayNumbers(), [OutboundSet("123", po_body())], NOW)
    with pytest.raises(MappingError, match="outside 1..999999999"):
        render_interchange(profile(), ThrowawayNumbers(start=1_000_000_000), [OutboundSet("850", po_body())], NOW)
