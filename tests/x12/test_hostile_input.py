"""Hostile and broken inbound X12: bounded cost, translate only what validation accepted, clear errors.

The figures before this hardening (README "Limits"): a 100 MB segment with no terminator made `translate`
run 62 s; `validate /dev/zero` grew past 11 GB; 1 MB of empty segments printed 129 MB of errors; a 10 MB
element was echoed whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.cli import main
from mappers.x12.envelope import Limits
from mappers.x12.translate import translate
from mappers.x12.validate import validate

ISA = "ISA*00*          *00*          *ZZ*CONTOSO        *ZZ*LITWARE        *261120*0930*U*00401*000000101*0*P*>~\n"
LINES = ["PO1*1*120*EA*9.25**VN*AB3542", "CTT*1"]


def _850(*body: str, gs08: str = "004010", isa: str = ISA, sep: str = "~\n") -> bytes:
    segments = ["ST*850*0001", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    text = isa + f"GS*PO*CONTOSO*LITWARE*20261120*0930*101*X*{gs08}~\n" + "".join(s + sep for s in segments)
    return (text + "GE*1*101~\nIEA*1*" + isa.split("*")[13] + "~\n").encode()


OK = _850("BEG*00*SA*4500012345**20261120", *LINES)


# -- translate maps only what validation accepts ---------------------------------------------------------------

@pytest.mark.parametrize("name, data, reason", [
    ("NUL in the PO number", _850("BEG*00*SA*45000\x0012345**20261120", *LINES),
     "BEG03 (segment 2): refused by validation: element error 6"),
    ("unsupported GS08", _850("BEG*00*SA*4500012345**20261120", *LINES, gs08="003040"), "group error 2"),
    ("alphabetic ISA13", _850("BEG*00*SA*4500012345**20261120", *LINES, isa=ISA.replace("000000101", "00000ABCD")),
     "interchange error 018"),
])
def test_translate_refuses_what_validate_refuses(name: str, data: bytes, reason: str) -> None:
    assert not validate(data).ok
    (result,) = translate(data)
    assert result.document is None
    assert result.error is not None and "refused by validation" in str(result.error) and reason in str(result.error)


def test_a_good_set_beside_a_refused_one_is_still_mapped() -> None:
    text = OK.decode()
    second = text[text.index("ST*"):text.index("GE*")].replace("*0001", "*0002").replace("4500012345", "45\x0001")
    data = text.replace("GE*1*", second + "GE*2*").encode()
    first, refused = translate(data)
    assert first.document is not None and first.error is None
    assert refused.document is None and "refused by validation" in str(refused.error)


# -- bounded cost -------------------------------------------------------------------------------------------

def test_a_segment_with_no_terminator_stops_at_the_segment_limit_quickly() -> None:
    data = OK.replace(b"BEG*", b"BEG*" + b"A" * 20_000_000, 1)
    limits = Limits(segment=1 << 16)
    started = time.monotonic()
    report = validate(data, limits=limits)
    (error,) = [e for e in report.errors if e.level == "interchange"]
    assert error.code == "024" and "longer than 65,536 characters" in error.message
    with pytest.raises(ValueError, match="longer than 65,536 characters"):
        list(translate(data, limits=limits))
    assert time.monotonic() - started < 10


def test_set_and_interchange_limits_name_themselves() -> None:
    many = _850("BEG*00*SA*4500012345**20261120", *[f"PO1*{i}*1*EA*1**VN*A{i}" for i in range(1, 3000)], "CTT*1")
    set_errors = validate(many, limits=Limits(set=20_000)).errors
    assert any("transaction set is longer than 20,000 characters" in e.message for e in set_errors)
    assert not any(e.code == "023" for e in set_errors), "a limit is not a missing trailer"
    ic_errors = validate(many, limits=Limits(interchange=30_000)).errors
    assert any("interchange is longer than 30,000 characters" in e.message for e in ic_errors)


def test_validate_dev_zero_ends_quickly_with_a_clear_error() -> None:
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "gateway", "validate", "/dev/zero"], capture_output=True, text=True,
                         timeout=60)
    assert time.monotonic() - started < 30
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "does not start with an ISA segment" in run.stdout
    assert len(run.stdout) < 400


def test_a_million_empty_segments_are_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empties.edi"
    path.write_bytes(OK.replace(b"CTT*1~", b"CTT*1~" + b"~" * 1_000_000))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("empty segment") == 1 and len(out) < 500


def test_repeated_errors_print_the_first_ten_and_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.edi"
    path.write_bytes(_850("BEG*00*SA*4500012345**20261120", *["ZZZ*1"] * 5000, *LINES))
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) < 30
    assert any("4,990 more errors like segment error" in line for line in lines)


def test_a_long_value_is_cut_in_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.edi"
    path.write_bytes(_850("BEG*00*SA*" + "X" * 900_000 + "**20261120", *LINES))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "characters cut" in out and len(out) < 2000
    assert main(["validate", "--json", str(path)]) == 1
    assert len(capsys.readouterr().out) < 5000


# -- common slips --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("slip", ["~ \n", "~\r\n", "~ ", "~\t\n", "~\n\n"])
def test_blanks_after_the_terminator_are_tolerated(slip: str) -> None:
    data = _850("BEG*00*SA*4500012345**20261120", *LINES, sep=slip)
    assert validate(data).ok, [e.message for e in validate(data).errors]
    (result,) = translate(data)
    assert result.error is None and result.document is not None


def test_a_utf8_bom_before_the_isa_is_tolerated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bom.edi"
    path.write_bytes(b"\xef\xbb\xbf" + OK)
    assert validate(path.read_bytes()).ok
    assert main(["validate", str(path)]) == 0
    assert main(["translate", str(path)]) == 0
    assert '"po_number": "4500012345"' in capsys.readouterr().out


def test_an_unknown_encoding_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.edi"
    path.write_bytes(OK)
    with pytest.raises(SystemExit) as stopped:
        main(["translate", "--encoding", "klingon", str(path)])
    assert stopped.value.code == 2
    assert "'klingon' is not a known character encoding" in capsys.readouterr().err


def test_limits_come_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "long.edi"
    path.write_bytes(OK.replace(b"BEG*", b"BEG*" + b"A" * 5000, 1))
    env = {**os.environ, "GATEWAY_X12_MAX_SEGMENT": "2048"}
    run = subprocess.run([sys.executable, "-m", "gateway", "translate", str(path)], capture_output=True, text=True,
                         env=env, timeout=60)
    assert run.returncode == 1 and "longer than 2,048 characters" in run.stderr and "Traceback" not in run.stderr


def test_blank_lines_are_layout_when_a_line_end_is_the_terminator() -> None:
    data = OK.decode().replace("~\n", "\n").replace("\nGS*", "\n\n\nGS*").replace("\nPO1", "\n  \nPO1").encode()
    assert validate(data).ok, [e.message for e in validate(data).errors]
    (result,) = translate(data)
    assert result.document is not None
