"""Syntax notes inside composites (C040's qualifier/id pairs in REF04 and N907), checked on the raw segments.

pyx12 checks a segment's notes only (its map format has none for a composite), and any other validator of a set's
contents reads the same maps; so these notes are checked here, by `InterchangeCheck` for every supported set
beside whichever validator checks its contents. The data is ours: `schemas/x12/maps/composites.json`, generated
from `schemas/x12/definitions/notes.py` (COMPOSITE_NOTES, with the source of each note).

A broken note is an element error as a segment's note is (X12.md section 11): 723 / IK403 `2` for P, R, C and L
notes, `10` for E; the AK401/IK401 C030 names the element and the component in error (REF04-4 for a C040-03
without its C040-04), and a 999's CTX05 the component whose presence triggered the note.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mappers.x12.envelope import RawSegment

_DATA = Path(__file__).resolve().parents[2] / "schemas" / "x12" / "maps" / "composites.json"

Note = tuple[str, tuple[int, ...]]  # kind (P R C L E) and the component positions it ties
# segment ID -> (element position, composite ID, its notes) for each composite with notes in that segment
Rules = dict[str, tuple[tuple[int, str, tuple[Note, ...]], ...]]


@dataclass(frozen=True, slots=True)
class CompositeNoteError:
    position: int  # segment position counted from ST = 1
    segment: str
    element: int  # the composite's position in the segment (AK401-1)
    component: int  # the component in error (AK401-2)
    code: str  # 723 / IK403: 2 (conditional required missing) or 10 (exclusion violated)
    message: str
    trigger_component: int | None  # the component whose presence made this one required or excluded


@functools.cache
def _rules(release: str) -> Rules:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    notes = {c: tuple((n[0], tuple(int(n[i:i + 2]) for i in range(1, len(n), 2))) for n in d["notes"])
             for c, d in data["composites"].items()}
    return {seg: tuple((int(seq), c, notes[c]) for seq, c in uses.items())
            for seg, uses in data["releases"][release].items()}


@functools.cache
def composite_segments() -> frozenset[str]:
    """The IDs of the segments that hold a composite with notes (REF, N9), in any release: the envelope pass
    notes these segments as it reads them, so that the check costs nothing for the others."""
    return frozenset(seg for release in ("004010", "005010") for seg in _rules(release))


def composite_errors(candidates: Iterable[tuple[int, RawSegment]], component_separator: str, version: str,
                     ) -> Iterator[CompositeNoteError]:
    """The broken composite notes of one set's segments, given as (position from ST = 1, segment) for the
    segments `composite_segments` names (any other is skipped); `version` is the group's GS08."""
    rules = _rules("005010" if version[:6] >= "005010" else "004010")
    for position, raw in candidates:
        found = rules.get(raw.tag)
        if found is None:
            continue
        for element, composite, notes in found:
            value = raw.get(element)
            if not value:
                continue  # a composite left out: its notes do not apply
            parts = value.split(component_separator)
            for kind, tied in notes:
                broken = _broken(kind, tied, parts)
                if broken is not None:
                    target, trigger = broken
                    where = f"{raw.tag}{element:02d}"
                    yield CompositeNoteError(
                        position, raw.tag, element, target, "10" if kind == "E" else "2",
                        f"{where}-{target:02d} {_why(kind, target, trigger, where)} ({composite} note "
                        f"{kind}{''.join(f'{p:02d}' for p in tied)}: {_rule(kind, tied, where)})", trigger)


def _broken(kind: str, tied: tuple[int, ...], parts: list[str]) -> tuple[int, int | None] | None:
    """(the component in error, the one that triggered the note) when the note is broken, else None."""
    present = [p for p in tied if p <= len(parts) and parts[p - 1] != ""]
    absent = [p for p in tied if p not in present]
    if kind == "P" and present and absent:
        return absent[0], present[0]
    if kind == "R" and not present:
        return tied[0], None
    first_there = tied[0] in present
    if kind == "C" and first_there and absent:
        return absent[0], tied[0]
    if kind == "L" and first_there and len(present) == 1:
        return tied[1], tied[0]
    if kind == "E" and len(present) > 1:
        return present[1], present[0]
    return None


def _why(kind: str, target: int, trigger: int | None, where: str) -> str:
    if kind == "E":
        return f"may not be present with {where}-{trigger:02d}"
    if trigger is None:
        return "is missing"
    return f"is required when {where}-{trigger:02d} is present"


def _rule(kind: str, tied: tuple[int, ...], where: str) -> str:
    names = [f"{where}-{p:02d}" for p in tied]
    if kind == "P":
        return f"if any of {', '.join(names)} is present, all are required"
    if kind == "R":
        return f"at least one of {', '.join(names)} is required"
    if kind == "C":
        return f"if {names[0]} is present, {', '.join(names[1:])} required"
    if kind == "L":
        return f"if {names[0]} is present, at least one of {', '.join(names[1:])} is required"
    return f"only one of {', '.join(names)} may be present"
