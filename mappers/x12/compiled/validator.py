"""`CompiledValidator`: the `SetValidator` over compiled tables (see `mappers.x12.validate_api`).

Maps are compiled on first use and kept for the process (one validator per map directory); placement plans are
learned as segments arrive and kept with their map. Findings are reported as the pyx12 path reports them (same
AK3/AK4 codes, positions and messages); the deliberate differences are listed in docs/x12-validator.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mappers.x12.compiled.checks import Finding, check_segment
from mappers.x12.compiled.tables import CompiledMap, MapError, SegmentRule, compile_file
from mappers.x12.compiled.walker import MAX_PLANS, plan, run, signature
from mappers.x12.envelope import RawSegment
from mappers.x12.map_index import MapIndex
from mappers.x12.segments import Delimiters
from mappers.x12.validate_api import SEGMENT_ID, SetMap, SetSink, ascii_mask


class CompiledValidator(MapIndex):
    """Checks each set against its map compiled into tables; the map index is read from `map_path` (our
    runtime directory) or pyx12's own maps when None."""

    def __init__(self, map_path: str | None = None) -> None:
        super().__init__(map_path)
        self._maps: dict[str, CompiledMap] = {}

    # -- maps ---------------------------------------------------------------------------------------------
    def load(self, map_file: str) -> CompiledMap:
        found = self._maps.get(map_file)
        if found is None:
            found = self._maps[map_file] = compile_file(Path(self.map_path) if self.map_path else None, map_file)
        return found

    def map_for(self, version: str, functional_id: str, set_id: str | None = None) -> CompiledMap | None:
        map_file = self.map_file(version, functional_id, set_id)
        return self.load(map_file) if map_file else None

    def control_map(self, isa12: str) -> CompiledMap:
        return self.load("x12.control.00501.xml" if isa12 >= "00501" else "x12.control.00401.xml")

    # -- the envelope's segments --------------------------------------------------------------------------
    def envelope_errors(self, segment: str, isa12: str, text: str, delimiters: Delimiters,
                        ) -> list[tuple[int, str, str]]:
        m = self.control_map(isa12)
        node = m.node_at("/ISA_LOOP/ISA" if segment == "ISA" else "/ISA_LOOP/GS_LOOP/GS")
        assert isinstance(node, SegmentRule)
        if text.endswith(delimiters.segment):
            text = text[:-1]
        elements = text.split(delimiters.element)[1:]
        findings = check_segment(node, elements, None if segment == "ISA" else delimiters.component, m.icvn)
        return [((f[3] if f[3] is not None else f[2] or 0) if f[6] else 0, f[0], f[1]) for f in findings]

    # -- one set ------------------------------------------------------------------------------------------
    def check_set(self, set_map: SetMap, segments: Sequence[RawSegment], delimiters: Delimiters, wide: bool,
                  sink: SetSink) -> None:
        assert isinstance(set_map, CompiledMap)
        try:
            _check(self, set_map, segments, delimiters, wide, sink)
        except MapError as e:
            sink.set_error("5", f"the validator could not follow this set: {e}")


def _check(v: CompiledValidator, m: CompiledMap, segments: Sequence[RawSegment], d: Delimiters, wide: bool,
           sink: SetSink) -> None:
    component = d.component
    icvn = m.icvn
    counts = [0] * m.slots
    gs = m.node_at("/ISA_LOOP/GS_LOOP/GS")
    assert isinstance(gs, SegmentRule) and gs.parent is not None
    counts[gs.parent.slot] = 1
    counts[gs.slot] = 1
    node: SegmentRule = gs
    by_id = m.by_id
    for position, raw in enumerate(segments, start=1):
        tag = raw.tag
        if not SEGMENT_ID.fullmatch(tag):
            sink.segment("1", f"{tag!r} is not a segment ID", tag, position)
            continue
        elements = raw.elements[1:]
        if wide:
            elements = tuple([ascii_mask(e) for e in elements])
        p = plan(m, node, tag, signature(m, tag, elements, component))
        found = p[1]
        if found is None and tag in by_id:
            p = _bad_qualifier(m, node, tag, elements, component) or p
            found = p[1]
        for code, message, named in run(p, counts, tag):
            _walk_error(v, m, sink, code, message, named, tag, position, node)
        if found is None:
            continue
        node = found
        for f in check_segment(found, elements, component, icvn):
            _report(sink, f, tag, position)


def _bad_qualifier(m: CompiledMap, node: SegmentRule, tag: str, elements: Sequence[str], component: str) -> Any:
    """pyx12 reports a bad qualifier in a known segment as "segment not found": place the segment with each valid
    qualifier in turn (the pyx12 path does the same); the element check then reports the bad code (723 7)."""
    qualifier = elements[0].rstrip(component) if elements else None
    codes = [c for n in m.by_id[tag] for c in n.first_codes]
    if not codes or qualifier in codes:
        return None
    rest = ["", *elements[1:]]
    # The outcome depends on the qualifier only through the trial codes: the same route whatever the bad code,
    # so the search over (up to hundreds of) codes runs once per place, ID and other key elements.
    key = (node.index, tag, signature(m, tag, rest, component))
    if key in m.trials:
        found = m.trials[key]
        return plan(m, node, tag, found) if found is not None else None
    if len(m.trials) >= MAX_PLANS:
        m.trials.clear()
    for code in dict.fromkeys(codes):
        mask = signature(m, tag, [code, *elements[1:]], component)
        p = plan(m, node, tag, mask)
        if p[1] is not None:
            m.trials[key] = mask
            return p
    m.trials[key] = None
    return None


def _walk_error(v: CompiledValidator, m: CompiledMap, sink: SetSink, code: str, message: str, named: str | None,
                tag: str, position: int, current: SegmentRule) -> None:
    segment = named if code == "3" and named is not None else tag
    if code == "1":
        nodes = m.by_id.get(tag)
        if nodes and any(n.parent is current.parent and n.pos < current.pos for n in nodes):
            code, message = "7", f"segment {tag} is out of sequence: in the {m.id} it comes before {current.id}"
        elif nodes:
            code, message = "2", f"segment {tag} is not expected at this place in the {m.id}"
        elif tag in v.all_segment_ids():
            code, message = "6", f"segment {tag} is not defined in the {m.id}"
        else:
            message = f"segment ID {tag} is not recognized"
    sink.segment(code, message, segment, position)


def _report(sink: SetSink, f: Finding, tag: str, position: int) -> None:
    code, message, element, component, value, trigger, _ = f
    if element is None:
        sink.segment("8", message, tag, position)
    else:
        sink.element(code, message, tag, position, element, component, value, trigger)
