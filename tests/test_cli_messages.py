"""The message store from the command line: ingest, messages, message, replay, partners sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.canonical import Receipt, ReceiptLine
from gateway.cli import main
from tests.factories import order
from tests.hub import sent_by

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gateway(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("GATEWAY_PARTNERS", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("partners", "sync")[0] == 0
    return run


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_ingest_prints_the_message_and_its_outcome_and_message_tells_its_story(gateway, tmp_path):
    po = write(tmp_path, "po.edi", sent_by("contoso", "fabrikam", "850", order("PO-7"), 70))
    code, out, _ = gateway("ingest", po, "--partner", "contoso")
    assert (code, out) == (0, "message 1: routed\n")
    code, out, _ = gateway("message", "1")
    assert code == 0
    for expected in ("inbound document, routed", "POs       PO-7 v1", "to fabrikam 850 queued", "validated",
                     "acknowledgment queued for contoso: 997", str(tmp_path / "var" / "blobs")):
        assert expected in out
    code, out, _ = gateway("messages", "--po", "PO-7")
    assert [line.split()[:3] for line in out.splitlines()] == [["3", "out", "queued"], ["1", "in", "routed"]]


def test_a_failure_is_listed_with_file_partner_and_reason_and_replays_once_fixed(gateway, tmp_path):
    receipt = Receipt(receipt_number="R-1", po_number="PO-8", lines=(ReceiptLine(line_number="1", quantity=1),))
    early = write(tmp_path, "receipt.edi", sent_by("contoso", "fabrikam", "861", receipt, 80))
    code, out, _ = gateway("ingest", early, "--partner", "contoso")
    assert code == 1 and out.startswith("message 1: failed\n")
    code, out, _ = gateway("messages", "--state", "failed")
    (line,) = out.splitlines()
    assert "receipt.edi: partner contoso: set 000000080/80/0080 (861) PO PO-8: unknown_po:" in line
    code, out, _ = gateway("replay", "1")
    assert code == 0 and out.startswith("message 1: failed: ")  # still unknown: refused again, said again
    code, out, _ = gateway("replay", "--state", "routed")
    assert (code, out) == (0, "")


def test_unknown_partner_and_unreadable_file_are_one_clear_line(gateway, tmp_path):
    code, _, err = gateway("ingest", str(tmp_path / "missing.edi"), "--partner", "contoso")
    assert code == 2 and err == f"{tmp_path / 'missing.edi'}: cannot be read: No such file or directory\n"
    po = write(tmp_path, "po.edi", b"ISA")
    code, _, err = gateway("ingest", po, "--partner", "acme")
    assert code == 1 and "partner 'acme' is not in the database" in err and "gateway partners sync" in err
    code, _, err = gateway("message", "99")
    assert code == 1 and err == "gateway: message 99 does not exist\n"


def test_a_database_not_migrated_is_one_line_saying_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    assert main(["messages"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gateway: the database cannot be used (no such table: message)")
    assert "gateway db upgrade" in err and "Traceback" not in err


def test_a_bug_while_processing_fails_the_message_naming_the_error_with_its_traceback(gateway, tmp_path,
                                                                                      monkeypatch):
    import gateway.lifecycle as lifecycle

    def broken(*args: object) -> None:  # stands in for a bug in the lifecycle: no step raises this on purpose
        raise KeyError("line_number")

    working = lifecycle.handle
    monkeypatch.setattr(lifecycle, "handle", broken)
    po = write(tmp_path, "po.edi", sent_by("contoso", "fabrikam", "850", order("PO-9"), 90))
    code, out, _ = gateway("ingest", po, "--partner", "contoso")
    assert code == 1 and out.startswith("message 1: failed\ninternal error (a bug, not the document): KeyError")
    code, out, _ = gateway("messages", "--state", "failed")
    (line,) = out.splitlines()
    assert line.split()[:3] == ["1", "in", "failed"] and "KeyError: 'line_number'" in line
    code, out, _ = gateway("message", "1")
    assert "Traceback (most recent call last)" in out and 'raise KeyError("line_number")' in out
    monkeypatch.setattr(lifecycle, "handle", working)  # the bug fixed: a replay takes it through
    code, out, _ = gateway("replay", "1")
    assert (code, out) == (0, "message 1: routed\n")
