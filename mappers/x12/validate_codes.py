"""The envelope's code lists checked from the rule book's data, with the TA1 note code (I18) of each element.

pyx12's control maps carry HIPAA's qualifier lists (ISA05 01/14/20/27...), so the ISA's coded elements are
checked here instead, against `schemas/x12/maps/envelope.json` (generated from schemas/x12/definitions/
code_lists.py): a qualifier outside its list is TA1 005/007, an ISA12 the release list defines but we do not read
is 003 (version not supported), one outside the list 017 (invalid version).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_ENVELOPE = Path(__file__).resolve().parents[2] / "schemas" / "x12" / "maps" / "envelope.json"

# ISA element -> TA1 note code for a value outside its list (X12.md section 8, I18)
_TA1_FOR_CODE = {1: "010", 3: "012", 5: "005", 7: "007", 11: "016", 12: "017", 14: "019", 15: "020"}
CODED_ISA_ELEMENTS = frozenset(_TA1_FOR_CODE)
_NAMES = {1: "authorization information qualifier", 3: "security information qualifier",
          5: "interchange sender ID qualifier", 7: "interchange receiver ID qualifier",
          11: "interchange control standards identifier", 12: "interchange control version number",
          14: "acknowledgment requested", 15: "usage indicator"}


@functools.cache
def _envelope() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_ENVELOPE.read_text(encoding="utf-8"))
    return data


def isa_code_errors(fields: list[str]) -> list[tuple[str, str]]:
    """(TA1 note code, message) for each coded ISA element outside its list; `fields` are ISA01..ISA16."""
    version = fields[11]
    envelope = _envelope()
    if version not in envelope["isa12_supported"]:
        known = version in envelope["releases"]["00401"]["ISA12"]
        code = "003" if known else "017"
        why = "is not supported" if known else "is not an X12 interchange version"
        supported = ", ".join(envelope["isa12_supported"])
        return [(code, f"ISA12 (interchange version) {version!r} {why}: we read {supported}")]
    lists = envelope["releases"]["00501" if version >= "00501" else "00401"]
    errors = []
    for index in sorted(CODED_ISA_ELEMENTS - {12}):
        codes = lists[f"ISA{index:02d}"]
        value = fields[index - 1].strip() if index in (5, 7) else fields[index - 1]
        if codes is not None and value not in codes:
            errors.append((_TA1_FOR_CODE[index], f"ISA{index:02d} ({_NAMES[index]}) {value!r} is not a code of "
                                                 f"its list: {_shown(codes)}"))
    return errors


def _shown(codes: list[str]) -> str:
    return ", ".join(codes) if len(codes) <= 8 else ", ".join(codes[:8]) + f"... ({len(codes)} codes)"
