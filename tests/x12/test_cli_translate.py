"""`gateway translate` and `gateway render`, run as a user would."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import gateway.canonical as canonical
from gateway.cli import main
from gateway.settings import DEFAULT_PARTNERS
from mappers.x12.reader import read_interchanges
from tests.x12.golden import FIXTURES, assert_bots_accepts, expected_documents, fixture_bytes

PARTNERS = ["--partners", str(DEFAULT_PARTNERS)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", ["850_vics_4010", "860_change", "860_cancel_confirm"])
def test_translate_prints_the_canonical_json_of_every_set(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "translate", str(FIXTURES / f"{name}.edi"))
    assert (code, err) == (0, "")
    entries = json.loads(out)
    found = [(e["set"], getattr(canonical, e["type"]).model_validate(e["document"])) for e in entries]
    assert found == expected_documents(name)
    (i,) = read_interchanges(fixture_bytes(name))
    assert [e["interchange"] for e in entries] == [i.control_number] * len(entries)


def test_translate_reports_a_bad_set_and_still_prints_the_others(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    text = fixture_bytes("860_cancel_confirm").decode()
    bad = tmp_path / "mixed.edi"
    bad.write_text(text.replace("BCH*06*SA*4500012345**2*", "BCH*06*SA*4500012345**TWO*"))
    code, out, err = run(capsys, "translate", str(bad))
    assert code == 1
    assert [e["type"] for e in json.loads(out)] == ["Cancellation"]
    assert err.startswith(f"{bad}: 000000106/106/0002: 860: BCH05")


def test_translate_refuses_a_file_it_cannot_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "translate", str(tmp_path / "missing.edi"))
    assert code == 2 and "cannot be read" in err


def test_translate_names_broken_envelopes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.edi"
    broken.write_bytes(fixture_bytes("850_consignment").replace(b"SE*13*", b"SE*12*"))
    code, out, err = run(capsys, "translate", str(broken))
    assert code == 1 and json.loads(out) == [] and "SE01 says 12" in err


def test_render_writes_for_the_partner_as_the_customer_it_trades_with(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    (_, doc), = expected_documents("850_consignment")
    source = tmp_path / "po.json"
    source.write_text(doc.model_dump_json())
    code, out, err = run(capsys, "render", "--type", "850", "--partner", "northwind", *PARTNERS, str(source))
    assert (code, err) == (0, "")
    data = out.encode()
    (i,) = read_interchanges(data)
    # northwind: 005010 with | and ^, ISA 01/123456789; the sender is its customer contoso (ZZ/CONTOSO)
    assert (i.sender_qualifier, i.sender_id, i.receiver_qualifier, i.receiver_id) == ("ZZ", "CONTOSO", "01",
                                                                                      "123456789")
    assert i.delimiters.element == "|" and i.delimiters.repetition == "^" and i.groups[0].version == "005010"
    assert_bots_accepts(data)
    code, again, _ = run(capsys, "render", "--type", "850", "--partner", "northwind", *PARTNERS, str(source))
    assert again.splitlines()[0] == out.splitlines()[0]  # a dry run consumes no control number


def test_render_reads_standard_input_and_translate_output(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "translate", str(FIXTURES / "860_cancel_confirm.edi"))
    monkeypatch.setattr("sys.stdin", io.StringIO(out))
    code, x12, err = run(capsys, "render", "--type", "860", "--partner", "contoso", "--from", "litware",
                         *PARTNERS, "-")
    assert (code, err) == (0, "")
    (i,) = read_interchanges(x12.encode())
    assert (i.sender_id, i.receiver_id) == ("LITWARE", "CONTOSO")
    assert [t.segments[1].elements[1] for t in i.groups[0].transactions] == ["01", "06"]


def test_render_an_860_from_two_versions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (_, v1), = expected_documents("850_vics_4010")
    assert isinstance(v1, canonical.PurchaseOrderVersion)
    line = v1.lines[0].model_copy(update={"quantity": v1.lines[0].quantity + 10})
    v2 = v1.model_copy(update={"lines": (line, *v1.lines[1:])})
    source = tmp_path / "v2.json"
    source.write_text(json.dumps({"type": "PurchaseOrderVersion", "version": 2,
                                  "previous": v1.model_dump(mode="json"), "document": v2.model_dump(mode="json")}))
    code, out, err = run(capsys, "render", "--type", "860", "--partner", "fabrikam", *PARTNERS, str(source))
    assert (code, err) == (0, "")
    assert "BCH*04*SA*4500012345**2*20261120~" in out and "POC*1*QI*130*130*EA*" in out
    assert_bots_accepts(out.encode())
    # what 861s received so far makes POC04 (quantity left to receive) the rest of the line
    source.write_text(json.dumps({"type": "PurchaseOrderVersion", "version": 2, "received": {"1": 100},
                                  "previous": v1.model_dump(mode="json"), "document": v2.model_dump(mode="json")}))
    code, out, err = run(capsys, "render", "--type", "860", "--partner", "fabrikam", *PARTNERS, str(source))
    assert (code, err) == (0, "") and "POC*1*QI*130*30*EA*" in out
    source.write_text(json.dumps({"type": "PurchaseOrderVersion", "version": 2, "received": {"1": -1},
                                  "previous": v1.model_dump(mode="json"), "document": v2.model_dump(mode="json")}))
    code, _, err = run(capsys, "render", "--type", "860", "--partner", "fabrikam", *PARTNERS, str(source))
    assert code == 1 and "received.1" in err


def test_render_explains_what_it_cannot_do(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "c.json"
    source.write_text(json.dumps({"po_number": "PO1"}))
    code, _, err = run(capsys, "render", "--type", "860", "--partner", "fabrikam", *PARTNERS, str(source))
    assert code == 1 and "several kinds of documents" in err
    code, _, err = run(capsys, "render", "--type", "850", "--partner", "nobody", *PARTNERS, str(source))
    assert code == 1 and "nobody" in err


def test_render_a_vendor_response_for_the_customer_as_its_vendor(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    (_, response), = expected_documents("855_reject")
    source = tmp_path / "855.json"
    source.write_text(response.model_dump_json())
    code, out, err = run(capsys, "render", "--type", "855", "--partner", "contoso", *PARTNERS, str(source))
    assert (code, err) == (0, "")
    (i,) = read_interchanges(out.encode())
    # contoso is a customer: the document comes from the first vendor that lists it (fabrikam, ZZ/FABRIKAM)
    assert (i.sender_id, i.receiver_id, i.groups[0].functional_id) == ("FABRIKAM", "CONTOSO", "PR")
    code, back, _ = run(capsys, "translate", str(_write(tmp_path / "855.edi", out)))
    (entry,) = json.loads(back)
    assert (entry["type"], entry["document"]["po_number"], entry["document"]["status"]) == (
        "VendorResponse", "4500012346", "reject")


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_translate_of_an_empty_file_is_an_error_not_an_empty_list(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    empty = tmp_path / "empty.edi"
    empty.write_bytes(b"\r\n")
    code, out, err = run(capsys, "translate", str(empty))
    assert (code, out) == (1, "")
    assert "no interchange" in err


def test_render_refuses_an_855_addressed_to_a_vendor_and_names_the_right_command(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # An 855 answers a customer's PO: it goes from a vendor to a customer (DESIGN section 2), never to a vendor.
    (_, response), = expected_documents("855_reject")
    source = _write(tmp_path / "855.json", response.model_dump_json())
    code, out, err = run(capsys, "render", "--type", "855", "--partner", "fabrikam", *PARTNERS, str(source))
    assert (code, out) == (1, "")
    assert "--partner contoso --from fabrikam" in err
    code, out, err = run(capsys, "render", "--type", "855", "--partner", "contoso", "--from", "fabrikam",
                         *PARTNERS, str(source))
    assert (code, err) == (0, "")
    (i,) = read_interchanges(out.encode())
    assert (i.sender_id, i.receiver_id) == ("FABRIKAM", "CONTOSO")


def test_render_an_850_confirmation_for_an_850_replace_vendor_from_the_po_it_restates(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (_, doc), = expected_documents("850_vics_4010")
    entry = {"type": "Confirmation", "document": {"po_number": doc.po_number, "version": 2},
             "restated": json.loads(doc.model_dump_json())}
    source = tmp_path / "confirmation.json"
    source.write_text(json.dumps(entry))
    code, out, err = run(capsys, "render", "--type", "850", "--partner", "northwind", *PARTNERS, str(source))
    assert (code, err) == (0, "")
    assert f"BEG|06|SA|{doc.po_number}-2|" in out
    assert_bots_accepts(out.encode())
    del entry["restated"]
    source.write_text(json.dumps(entry))
    code, _, err = run(capsys, "render", "--type", "850", "--partner", "northwind", *PARTNERS, str(source))
    assert code == 1 and "restates the PO" in err
