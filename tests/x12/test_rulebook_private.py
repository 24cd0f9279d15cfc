"""A partner known to use private codes: its unknown codes in the elements it names are warnings, not errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.errors import ConfigError
from gateway.partners import load_partners
from gateway.x12_profiles import private_codes
from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.test_maps import NODE_X12_855

# X12.md 9b: a book-industry 855 whose REF*ZZZ is a private reference qualifier (128 has ZZ, not ZZZ)
SENDER = """
[[partners]]
id = "bisac-vendor"
role = "vendor"
name = "Book vendor"
isa_qualifier = "ZZ"
isa_id = "1556150"
gs_id = "1556150"
x12_version = "004010"
customers = ["mill"]
private_codes = [{codes}]
[partners.transport]
kind = "folder"
inbound_dir = "in"
outbound_dir = "out"

[[partners]]
id = "mill"
role = "customer"
name = "Mill"
isa_qualifier = "ZZ"
isa_id = "123MILL"
gs_id = "123MILL"
x12_version = "004010"
[partners.transport]
kind = "folder"
inbound_dir = "in2"
outbound_dir = "out2"
"""


def _partners(tmp_path: Path, codes: str) -> Path:
    path = tmp_path / "partners.toml"
    path.write_text(SENDER.format(codes=codes))
    return path


def test_a_private_code_in_a_named_element_is_a_warning_and_the_set_is_accepted(tmp_path: Path) -> None:
    partners = load_partners(_partners(tmp_path, '"REF01", "N101"'))
    report = validate(NODE_X12_855.encode(), private_codes=private_codes(partners))
    assert report.errors == []
    assert [(w.segment, w.element, w.code, w.value) for w in report.warnings] == [("REF", 1, "7", "ZZZ")]
    ack = acknowledge(report.interchanges[0], AckOptions(), ThrowawayNumbers(), datetime(2026, 12, 2))
    assert ack is not None and b"AK5*A~" in ack


def test_without_the_option_the_private_code_is_an_invalid_code(tmp_path: Path) -> None:
    partners = load_partners(_partners(tmp_path, '"N101"'))
    report = validate(NODE_X12_855.encode(), private_codes=private_codes(partners))
    assert [(e.segment, e.element, e.code) for e in report.errors] == [("REF", 1, "7")]
    assert report.warnings == []


def test_validate_prints_the_warning_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edi = tmp_path / "855.edi"
    edi.write_text(NODE_X12_855)
    assert main(["validate", "--partners", str(_partners(tmp_path, '"REF01"')), str(edi)]) == 0
    out = capsys.readouterr().out
    assert "REF@4 REF01 warning: (ZZZ) is not a valid code" in out
    assert main(["validate", str(edi)]) == 1


def test_a_private_codes_entry_must_name_an_element(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_partners(_partners(tmp_path, '"REF1"'))
    assert "private_codes" in str(e.value.problems)
