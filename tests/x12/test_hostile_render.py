"""`render` refuses what it cannot write correctly, naming the field; what it writes validates clean.

Each case is a document a translator upstream could send us: the refusal must be one clear line (exit 1),
never a traceback, and never X12 that our own `validate` would refuse.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.canonical import Note, OrderLine, PurchaseOrderVersion
from gateway.cli import main
from mappers.errors import MapperError
from mappers.x12.translate import RenderRequest, render
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.helpers import NOW, PROFILE_4010, assert_clean

PARTNERS = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "partners.toml"
LINE = {"line_number": "1", "quantity": 1, "unit_price": 1}


def _po(**fields: object) -> str:
    return json.dumps({"po_number": "4501", "lines": [LINE], **fields})


CASES = {
    "NUL in the PO number": (_po(po_number="45\x0001"), "850", "po_number: the control character NUL"),
    "FS in a line's buyer item": (_po(lines=[{**LINE, "buyer_item": "A\x1cB"}]), "850",
                                  "lines[0].buyer_item: the control character FS"),
    "GS in an item": (_po(lines=[{**LINE, "vendor_item": "A\x1dB"}]), "850", "lines[0].vendor_item"),
    "ESC in a note": (_po(notes=[{"text": "red\x1b[0m"}]), "850", "notes[0].text: the control character ESC"),
    "BEL in a note": (_po(notes=[{"text": "hi\x07"}]), "850", "notes[0].text: the control character BEL"),
    "a quantity of 1e400": ('{"po_number": "4501", "lines": [{"line_number": "1", "quantity": 1e400}]}', "850",
                            "lines[0].quantity: '1E+400' needs 401 digits"),
    "a 5,000-digit price": ('{"po_number": "4501", "lines": [{"line_number": "1", "quantity": 1, "unit_price": '
                            + "9" * 5000 + "}]}", "850", "lines[0].unit_price"),
    "an 850 with no lines": (_po(lines=[]), "850", 'Mandatory loop "PO1 loop" (PO1) missing'),
    "^ in text for a 4010 partner": (_po(notes=[{"text": "A^B"}]), "850", "MSG01"),
    "a string version": ('[{"type": "PurchaseOrderVersion", "version": "two", "document": ' + _po() + "}]",
                         "860", "version: Input should be a valid integer (got 'two')"),
    "an integer type": ('[{"type": 5, "document": ' + _po() + "}]", "860", "type: Input should be a valid string"),
    "deeply nested JSON": ("[" * 100_000 + "]" * 100_000, "850", "nested too deeply"),
    "deeply nested lines": ('{"po_number": "1", "lines": ' + "[" * 100_000 + "]" * 100_000 + "}", "850",
                            "nested too deeply"),
    "an unknown type": ('[{"type": "Invoice", "document": {}}]', "860", "'Invoice' is not a canonical document"),
    "a list of numbers": ("[1, 2]", "850", "entry 1: expected a JSON object"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_render_refuses_naming_the_field(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, set_id, expected = CASES[name]
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    assert main(["render", "--partners", str(PARTNERS), "--type", set_id, "--partner", "fabrikam",
                 str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in err
    assert "Traceback" not in err and len(err.splitlines()) == 1 and len(err) < 1200


def test_non_utf8_json_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(b"\xff\xfe{}")
    assert main(["render", "--partners", str(PARTNERS), "--type", "850", "--partner", "fabrikam", str(path)]) == 1
    assert "not UTF-8: byte 0xff at offset 0" in capsys.readouterr().err


def test_the_render_api_refuses_with_a_mapper_error() -> None:
    po = PurchaseOrderVersion(po_number="4501", lines=(OrderLine(line_number="1", quantity=Decimal("1E+20")),))
    with pytest.raises(MapperError, match=r"lines\[0\]\.quantity"):
        render("850", [RenderRequest(po)], PROFILE_4010, ThrowawayNumbers(), NOW)


def test_line_ends_in_a_note_still_become_lines_and_validate() -> None:
    po = PurchaseOrderVersion(po_number="4501", notes=(Note(text="FIRST LINE\r\nSECOND LINE"),),
                              lines=(OrderLine(line_number="1", quantity=Decimal(2), unit_price=Decimal("1.5")),))
    data = render("850", [RenderRequest(po)], PROFILE_4010, ThrowawayNumbers(), NOW)
    assert b"MSG*FIRST LINE" in data and b"MSG*SECOND LINE" in data
    assert_clean(data)
