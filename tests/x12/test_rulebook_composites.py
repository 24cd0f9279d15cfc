"""Syntax notes inside a composite (schemas/x12/definitions/notes.py COMPOSITE_NOTES: C040's P0304 and P0506 in
REF04 and N907), each broken once in every set type and release: the element and component in error with 723 2
(997 AK4 `4>4`), the 999's IK4 `4:4` with its CTX naming the component that triggered the note, and
`gateway validate --json` showing both, whichever validator checks the set's contents (pyx12's or the compiled
one: the composite notes are checked beside either). pyx12 has no rule for composite notes (its maps hold a
segment's notes only): run on its own with our maps it accepts these documents, which is why the check is ours."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from gateway.cli import main
from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.test_maps import validate as pyx12_validate
from tests.x12.test_rulebook import BASES, RELEASES, _document

# (the broken segment, element, component in error, component that triggered the note); `>` is the component
# separator of the test envelope (test_maps.envelope)
CASES = [
    ("REF*DP*038**VN>V-1>IA", 4, 4, 3),  # C040 P0304: a qualifier without its id
    ("REF*DP*038**VN>V-1>>X-9", 4, 3, 4),  # P0304 the other way: an id without its qualifier
    ("REF*DP*038**VN>V-1>IA>7>ST", 4, 6, 5),  # P0506
]
N9_CASE = ("N9*L1*NOTE-1*****VN>V-1>IA", 7, 4, 3)  # the same composite as N907
CLEAN = ["REF*DP*038**VN>V-1", "REF*DP*038**VN>V-1>IA>7", "REF*DP*038**VN>V-1>IA>7>ST>4"]
NOW = datetime(2026, 12, 3, 9, 0)


def _with(set_id: str, release: str, segment: str) -> str:
    if segment.startswith("REF"):
        return _document(set_id, release, segment)
    fic, body = BASES[set_id]  # an N9 loop before the N1 loop (where every set's heading has it)
    text = _document(set_id, release)
    return text.replace("\nN1*", "\n" + segment + "~\nN1*", 1).replace(
        f"SE*{len(body) + 1}*", f"SE*{len(body) + 2}*")


def _errors(text: str, validator: str | None = None,
            ) -> list[tuple[str | None, int | None, int | None, str, int | None, int | None]]:
    return [(e.segment, e.element, e.component, e.code, e.trigger, e.trigger_component)
            for e in validate(text.encode(), validator=validator).errors]


# every set type (the 861 and 846 have no N9: their REF04 stands for it)
PER_SET = [(set_id, *case) for set_id in sorted(BASES) for case in [*CASES, N9_CASE]
           if not (set_id in ("846", "861") and case is N9_CASE)]


@pytest.mark.parametrize("validator", ["compiled", "pyx12"])
@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize(("set_id", "segment", "element", "component", "trigger"), PER_SET,
                         ids=[f"{c[0]}-{c[1]}" for c in PER_SET])
def test_each_composite_note_broken_names_the_component_and_its_trigger(
        set_id: str, release: str, segment: str, element: int, component: int, trigger: int, validator: str) -> None:
    tag = segment.split("*")[0]
    found = _errors(_with(set_id, release, segment), validator)
    assert found == [(tag, element, component, "2", element, trigger)]


@pytest.mark.parametrize("release", sorted(RELEASES))
@pytest.mark.parametrize("segment", CLEAN)
def test_complete_pairs_are_clean(segment: str, release: str) -> None:
    assert _errors(_document("850", release, segment)) == []


def test_pyx12_alone_does_not_check_composite_notes(tmp_path: Path) -> None:
    ok, errors = pyx12_validate(_document("850", "004010", CASES[0][0]), tmp_path)
    assert ok and errors == []


def _ack_notes(text: str, functional_ack: str) -> list[str]:
    report = validate(text.encode())
    options = AckOptions(ta1="never", functional_ack=functional_ack)  # type: ignore[arg-type]
    ack = acknowledge(report.interchanges[0], options, ThrowawayNumbers(), NOW)
    assert ack is not None
    segments = [s.strip() for s in ack.decode().split("~") if s.strip()]
    return [s for s in segments if s[:3] in ("AK3", "AK4", "IK3", "IK4", "CTX")]


def test_the_997_and_999_name_the_component_and_the_999_its_trigger() -> None:
    assert _ack_notes(_document("850", "004010", CASES[0][0]), "997") == ["AK3*REF*4**8", "AK4*4>4**2"]
    assert _ack_notes(_document("850", "005010", CASES[0][0]), "999") == [
        "IK3*REF*4**8", "IK4*4>4**2", "CTX*SITUATIONAL TRIGGER*REF*4**4>3"]


def test_validate_json_shows_the_component_and_the_trigger_component(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "po.edi"
    source.write_text(_document("850", "004010", CASES[2][0]))
    assert main(["validate", "--json", str(source)]) == 1
    (error,) = json.loads(capsys.readouterr().out)["files"][0]["errors"]
    assert (error["segment"], error["element"], error["component"], error["code"]) == ("REF", 4, 6, "2")
    assert (error["trigger"], error["trigger_component"]) == (4, 5)
    assert "REF04-06" in error["message"] and "C040 note P0506" in error["message"]


def test_the_rule_book_report_counts_the_composite_notes() -> None:
    from schemas.x12 import report

    text = report.render()
    for release in ("004010", "005010"):
        section = text.split(f"## {release}")[1].split("\n## ")[0]
        assert "1 carries 2 notes of its own (2 P (paired))" in section
        assert "| C040 | P0304 P0506 | STEDI" in section and "| N907, REF04 |" in section
