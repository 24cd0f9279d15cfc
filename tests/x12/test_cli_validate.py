"""`gateway validate`: one line per error, JSON, acks, exit status 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x12"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes().replace(b"SE*", b"SE*9", 1)
    path = tmp_path / "bad.edi"
    path.write_bytes(data)
    return path


def test_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "850_vics_4010.edi")]) == 0
    assert capsys.readouterr().out == ""


def test_error_line_names_file_control_numbers_code_and_exits_1(bad_file: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(bad_file)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{bad_file}: 000000101/101/0001: 4: SE01 says")


def test_element_error_line_has_segment_position_and_element(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    beg = next(line.strip() for line in data.split(b"~") if line.strip().startswith(b"BEG*"))
    fields = beg.split(b"*")
    fields[5] = b"20261345"
    path = tmp_path / "date.edi"
    path.write_bytes(data.replace(beg, b"*".join(fields)))
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.startswith(f"{path}: 000000101/101/0001: BEG@2 BEG05 8: ")


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "850_vics_4010.edi"), str(tmp_path / "missing.edi")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_json_lists_errors_with_every_key(bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", str(bad_file)]) == 1
    (result,) = json.loads(capsys.readouterr().out)["files"]
    assert result["file"] == str(bad_file) and result["ok"] is False
    (error,) = result["errors"]
    assert error["level"] == "set" and error["code"] == "4" and error["transaction"] == "0001"
    assert set(error) == {"level", "code", "message", "interchange", "group", "transaction", "segment",
                          "position", "element", "component", "value", "trigger", "trigger_component"}


def test_ack_prints_the_997_the_gateway_would_send(bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--ack", str(bad_file)]) == 1
    out = capsys.readouterr().out
    assert "ST*997*0001~" in out and "AK5*R*4~" in out and "AK9*R*1*1*0~" in out


def test_partners_file_picks_the_ack_type(bad_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    partners = tmp_path / "partners.toml"
    partners.write_text(
        '[[partners]]\nid = "contoso"\nrole = "customer"\nname = "Contoso"\nisa_qualifier = "ZZ"\n'
        'isa_id = "CONTOSO"\ngs_id = "CONTOSO"\nx12_version = "004010VICS"\nfunctional_ack = "999"\n'
        'ta1 = "always"\n[partners.transport]\nkind = "folder"\ninbound_dir = "in"\noutbound_dir = "out"\n')
    assert main(["validate", "--ack", "--partners", str(partners), str(bad_file)]) == 1
    out = capsys.readouterr().out
    assert "ST*999*0001*005010X231A1~" in out and "IK5*R*4~" in out and "TA1*000000101*" in out


def test_json_with_ack_carries_the_acks(bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", "--ack", str(bad_file)]) == 1
    (result,) = json.loads(capsys.readouterr().out)["files"]
    (ack,) = result["acks"]
    assert ack.startswith("ISA*") and "AK5*R*4~" in ack


def test_each_interchange_is_acknowledged_with_its_own_senders_options(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Litware's partner entry says ta1 = "always", Fabrikam's leaves the default (a TA1 only when ISA14 = 1,
    # X12.md section 8); both interchanges ask for none (ISA14 = 0) and are clean.
    from gateway.settings import DEFAULT_PARTNERS

    both = tmp_path / "both.edi"
    both.write_bytes((FIXTURES / "855_split_substitute.edi").read_bytes()
                     + (FIXTURES / "855_reject.edi").read_bytes())
    assert main(["validate", "--ack", "--json", "--partners", str(DEFAULT_PARTNERS), str(both)]) == 0
    (result,) = json.loads(capsys.readouterr().out)["files"]
    fabrikam, litware = result["acks"]
    assert "*FABRIKAM " in fabrikam and "TA1*" not in fabrikam
    assert "*LITWARE " in litware and "TA1*000003301*" in litware


@pytest.fixture
def over_long_composite(tmp_path: Path) -> Path:
    """REF04 with eight components where the map defines six: the listed difference of docs/x12-validator.md."""
    text = (FIXTURES / "850_vics_4010.edi").read_text()
    start = text.index("REF*DP*038")
    path = tmp_path / "ref04.edi"
    path.write_text(text[:start] + "REF*DP*038**" + ">".join(["ZZ", "1"] * 4) + text[text.index("~", start):])
    return path


@pytest.mark.parametrize(("option", "expected"), [
    ([], "REF@4 REF04 3: composite REF04 has 8 components, its map defines 6"),
    (["--validator", "compiled"], "REF@4 REF04 3: composite REF04 has 8 components"),
    (["--validator", "pyx12"], "5: the validator could not follow this set"),
])
def test_validator_option_picks_the_set_validator(option: list[str], expected: str, over_long_composite: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *option, str(over_long_composite)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{over_long_composite}: 000000101/101/0001: {expected}")


def test_validator_setting_is_the_default_and_an_unknown_one_is_refused(
        over_long_composite: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GATEWAY_X12_VALIDATOR", "pyx12")
    assert main(["validate", str(over_long_composite)]) == 1
    assert "5: the validator could not follow this set" in capsys.readouterr().out
    monkeypatch.setenv("GATEWAY_X12_VALIDATOR", "fast")
    assert main(["validate", str(over_long_composite)]) == 2
    assert capsys.readouterr().err == "gateway: bad setting: GATEWAY_X12_VALIDATOR: Input should be 'compiled' or " \
                                      "'pyx12'\n"
