"""Partner conventions reach the readers: `translate` threads the sender's Profile to each set's reader.

The 855 standard's semantic notes make BAK04 the PO date and BAK09 the acknowledgment date; some guides
(Logicbroker's) swap them (X12.md section 4). The golden 855 has BAK04 = 20261115 (the PO date) and BAK09 =
20261120, so a partner that uses the swapped convention must get 2026-11-15 as its response date.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.partners import load_partners
from gateway.settings import DEFAULT_PARTNERS
from gateway.x12_profiles import profile_for, sender_profiles
from mappers.x12.translate import translate
from mappers.x12.writer import Profile
from tests.x12.golden import fixture_bytes

SWAPPED = Profile("ZZ", "CONTOSO", "ZZ", "FABRIKAM", "CONTOSO", "FABRIKAM", bak_dates="BAK04=ack")


def response_dates(found: object) -> list[date | None]:
    return [t.document.response_date for t in found]  # type: ignore[attr-defined]


def test_without_a_profile_an_855_is_read_as_the_standard_says() -> None:
    assert response_dates(translate(fixture_bytes("855_split_substitute"))) == [date(2026, 11, 20)]


def test_the_senders_profile_decides_which_bak_date_is_the_response_date() -> None:
    found = translate(fixture_bytes("855_split_substitute"), profile=SWAPPED)
    assert response_dates(found) == [date(2026, 11, 15)]


def swapped_partners(tmp_path: Path) -> Path:
    text = DEFAULT_PARTNERS.read_text(encoding="utf-8")
    marker = 'isa_id = "FABRIKAM"\n'
    assert marker in text
    path = tmp_path / "partners.toml"
    path.write_text(text.replace(marker, marker + 'bak_dates = "BAK04=ack"\n'), encoding="utf-8")
    return path


def test_sender_profiles_picks_the_partner_by_its_isa_id(tmp_path: Path) -> None:
    choose = sender_profiles(load_partners(swapped_partners(tmp_path)))
    assert response_dates(translate(fixture_bytes("855_split_substitute"), profile=choose)) == [date(2026, 11, 15)]
    # A sender the partners file does not know is read as the standard says.
    unknown = fixture_bytes("855_split_substitute").replace(b"FABRIKAM       ", b"SOMEONEELSE    ")
    assert response_dates(translate(unknown, profile=choose)) == [date(2026, 11, 20)]


def test_gateway_translate_with_partners_honours_the_senders_convention(capsys: pytest.CaptureFixture[str],
                                                                        tmp_path: Path) -> None:
    from tests.x12.golden import FIXTURES

    code = main(["translate", "--partners", str(swapped_partners(tmp_path)),
                 str(FIXTURES / "855_split_substitute.edi")])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert [e["document"]["response_date"] for e in json.loads(out)] == ["2026-11-15"]


def test_profile_for_writes_as_the_sender_in_the_receivers_conventions(tmp_path: Path) -> None:
    partners = load_partners(swapped_partners(tmp_path))
    profile = profile_for(partners.get("fabrikam"), partners.get("contoso"))
    assert (profile.sender_id, profile.receiver_id, profile.sender_gs, profile.receiver_gs) == (
        "CONTOSO", "FABRIKAM", "CONTOSO", "FABRIKAM")
    assert profile.bak_dates == "BAK04=ack"
    northwind = profile_for(partners.get("northwind"), partners.get("contoso"))
    assert (northwind.version, northwind.delimiters.element, northwind.changes_as) == ("005010", "|", "850-replace")
