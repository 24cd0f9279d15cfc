"""The syntax notes the rule book gained from EdiEngine's 004010 dictionary (schemas/x12/definitions/notes.py):
each broken once in a clean 850 (the 860 and 865 for POC), in both releases, with the element and code X12.md
section 11 gives, and pyx12 run on its own with our maps rejecting the same segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.x12.test_maps import envelope
from tests.x12.test_maps import validate as pyx12_validate
from tests.x12.test_rulebook import BASES, RELEASES, _element_errors

# (set, the segment the broken one goes after, broken segment, element the AK4/IK4 names, 723 code)
CASES = [
    ("850", "REF", "FOB*PP**ORIGIN", 2, "2"),  # C0302: a location needs its qualifier
    ("850", "REF", "ITD*01*3*2", 4, "2"),  # L03040513: a discount percent needs a discount date, days or amount
    ("850", "DTM", "PKG*F", 4, "2"),  # R040506: a description, code or text
    ("850", "DTM", "TD1*CTN25", 2, "2"),  # C0102: a packaging code needs its lading quantity
    ("850", "DTM", "TD5**2", 3, "2"),  # C0203: an id code qualifier needs its carrier id
    ("850", "DTM", "TD4*****Y", 1, "2"),  # R010204: a handling code, hazardous material or description
    ("850", "DTM", "N9*L1", 2, "2"),  # R0203: a reference id or a description
    ("850", "PO1", "PID*F****WIDGET**X", 3, "2"),  # C0703: a source subqualifier needs its agency
    ("850", "PO1", "PO4*4*4", 3, "2"),  # P0203: a size and its unit of measure
    ("850", "QTY", "SCH*6*EA*ST**002*20240201", 4, "2"),  # C0304: an entity code needs its name
    # POC, checked as C0305 (notes.DEPARTURES): a quantity needs its unit (the POC replaces the clean one)
    ("860", "POC", "POC*1*QD*60*60**12.50**VP*W-1", 5, "2"),
    ("865", "POC", "POC*1*QD*60*60**12.50**VP*W-1", 5, "2"),
]


def _document(set_id: str, release: str, after: str, segment: str) -> str:
    fic, body = BASES[set_id]
    at = next(i for i, s in enumerate(body) if s.split("*")[0] == after)
    if after == segment.split("*")[0]:  # the broken segment stands in for the clean one
        body = [*body[:at], segment, *body[at + 1:]]
    else:
        body = [*body[:at + 1], segment, *body[at + 1:]]
    isa = RELEASES[release]
    return envelope(fic, release, body, isa) if isa else envelope(fic, release, body)


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize(("set_id", "after", "segment", "element", "code"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_each_note_broken_gives_its_code_on_its_element(set_id: str, after: str, segment: str,
                                                        element: int, code: str, release: str,
                                                        tmp_path: Path) -> None:
    text = _document(set_id, release, after, segment)
    tag = segment.split("*")[0]
    assert _element_errors(text) == [(tag, element, code)]
    ok, pyx12_errors = pyx12_validate(text, tmp_path)
    assert not ok and [(s, c) for s, _, c in pyx12_errors] == [(tag, "8")]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_the_same_segments_written_whole_are_clean(release: str) -> None:
    whole = ["FOB*PP*OR*ORIGIN", "ITD*01*3*2**30", "PKG*F****PALLETIZE", "TD1*CTN25*4", "TD5**2*UPSN",
             "TD4****FRAGILE", "N9*L1**NOTES"]
    fic, body = BASES["850"]
    at = body.index("DTM*002*20240201")  # FOB and ITD go before DTM, the others after it
    line = body.index("PO1*1*12*EA*3.25**VN*A-1")
    doc = [*body[:at], *whole[:2], body[at], *whole[2:], *body[at + 1:line + 1], "PID*F*08***WIDGET",
           "PO4*4*4*EA", *body[line + 1:-1], "SCH*6*EA*ST*STORE 12*002*20240201", body[-1]]
    isa = RELEASES[release]
    text = envelope(fic, release, doc, isa) if isa else envelope(fic, release, doc)
    assert _element_errors(text) == []


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("poc", ["POC*1*QD*60*60*EA*12.50**VP*W-1", "POC*1*PC****12.50**VP*W-1"])
def test_a_poc_with_its_quantity_left_and_unit_or_without_quantity_is_clean(poc: str, release: str) -> None:
    text = _document("860", release, "POC", poc)
    assert _element_errors(text) == []


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("set_id", ["860", "865"])
def test_a_poc_quantity_with_its_unit_and_no_quantity_left_to_receive_is_accepted(set_id: str, release: str) -> None:
    """The standard's C030405 also asks for POC04, which customers' 860s commonly leave out (X12 relaxed the note
    to C0305 in 007020): the KAS guide's own example is accepted (schemas/x12/definitions/notes.py DEPARTURES)."""
    assert _element_errors(_document(set_id, release, "POC", "POC*1*QD*60**EA*12.50**VP*W-1")) == []
