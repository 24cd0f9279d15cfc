"""The contents of each transaction set checked by pyx12: its map walker (placement) and element checks.

pyx12's `x12n_document` reloads every map on each call (~21 ms) and reads the file itself; here its walker
is driven segment by segment over the segments the envelope pass cut out, with each map loaded once per
`Pyx12Validator` (one per map directory and process, see `mappers.x12.validate.default_validator`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pyx12.errors
import pyx12.map_if
import pyx12.params
import pyx12.segment
from pyx12.map_walker import walk_tree

from mappers.x12.envelope import RawSegment
from mappers.x12.map_index import MapIndex
from mappers.x12.segments import Delimiters
from mappers.x12.validate_api import SEGMENT_ID, SYNTAX_RULE, SetSink, ascii_mask, rule_target

_MEMO_ENTRIES = 16384  # memoized element checks kept per validator (~6 MB at most)
_MEMO_TEXT = 160  # segments longer than this are checked every time
_REFDES = re.compile(r"(\d\d)(?:-(\d+))?$")


class Pyx12Validator(MapIndex):
    """Validates with pyx12's map walker and element checks, driven set by set with cached maps."""

    def __init__(self, map_path: str | None = None) -> None:
        super().__init__(map_path)
        self.param = pyx12.params.params()
        self._maps: dict[str, Any] = {}
        self._segment_nodes: dict[str, dict[str, list[Any]]] = {}
        self._element_errors: dict[tuple[int, str, str, str], list[Any]] = {}

    def element_errors(self, node: Any, seg: Any, text: str) -> list[Any]:
        """pyx12's element checks of `seg` (whose text is `text`) against segment node `node`, memoized.

        The checks depend only on the node and the segment's text, and the same segments recur in every
        document (N1, N3, N4, REF, DTM, PO4...): a cache hit skips ~60% of the validation cost of that
        segment. Bounded: it is emptied when full, and long segments are not kept.
        """
        if len(text) > _MEMO_TEXT:
            return list(node.is_valid_errors(seg)[1])
        key = (id(node), seg.ele_term, seg.subele_term, text)
        errors = self._element_errors.get(key)
        if errors is None:
            if len(self._element_errors) >= _MEMO_ENTRIES:
                self._element_errors.clear()
            errors = self._element_errors[key] = list(node.is_valid_errors(seg)[1])
        return errors

    def load(self, map_file: str) -> Any:
        if map_file not in self._maps:
            self._maps[map_file] = pyx12.map_if.load_map_file(map_file, self.param, self.map_path)
        return self._maps[map_file]

    def map_for(self, version: str, functional_id: str, set_id: str | None = None) -> Any | None:
        map_file = self.map_file(version, functional_id, set_id)
        return self.load(map_file) if map_file else None

    def control_map(self, isa12: str) -> Any:
        return self.load("x12.control.00501.xml" if isa12 >= "00501" else "x12.control.00401.xml")

    def segment_nodes(self, cur_map: Any) -> dict[str, list[Any]]:
        """Every segment node of a map by segment ID, to tell a bad qualifier from a misplaced segment."""
        key = cur_map.id + ":" + str(id(cur_map))
        if key not in self._segment_nodes:
            nodes: dict[str, list[Any]] = {}
            for node in cur_map.loop_segment_iterator():
                if node.is_segment():
                    nodes.setdefault(node.id, []).append(node)
            self._segment_nodes[key] = nodes
        return self._segment_nodes[key]

    def envelope_errors(self, segment: str, isa12: str, text: str, delimiters: Delimiters,
                        ) -> list[tuple[int, str, str]]:
        d = delimiters
        node = self.control_map(isa12).getnodebypath("/ISA_LOOP/ISA" if segment == "ISA" else "/ISA_LOOP/GS_LOOP/GS")
        _, errors = node.is_valid_errors(pyx12.segment.Segment(text, d.segment, d.element, d.component))
        return [(e.map_node.seq if e.map_node is not None else 0, e.err_cde, e.err_str) for e in errors]

    def check_set(self, set_map: Any, segments: Sequence[RawSegment], delimiters: Delimiters, wide: bool,
                  sink: SetSink) -> None:
        try:
            SetCheck(self, set_map, delimiters, wide, sink).run(segments)
        except (pyx12.errors.EngineError, pyx12.errors.X12Error) as e:
            sink.set_error("5", f"the validator could not follow this set: {e}")
        except IndexError as e:  # pyx12 on a composite with more components than its map defines
            sink.set_error("5", f"the validator could not follow this set: {e!r}")


class SetCheck:
    """The contents of one transaction set through pyx12's walker (placement) and element checks."""

    def __init__(self, validator: Pyx12Validator, cur_map: Any, delimiters: Delimiters, wide: bool,
                 sink: SetSink) -> None:
        self.v = validator
        self.map = cur_map
        self.nodes = validator.segment_nodes(cur_map)
        self.d = delimiters
        self.wide = wide
        self.sink = sink

    def run(self, segments: Sequence[RawSegment]) -> None:
        d = self.d
        walker = walk_tree()
        node = self.map.getnodebypath("/ISA_LOOP/GS_LOOP/GS")
        walker.forceWalkCounterToLoopStart("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
        for position, raw in enumerate(segments, start=1):
            text = ascii_mask(raw.text) if self.wide else raw.text
            seg = pyx12.segment.Segment(text, d.segment, d.element, d.component)
            tag = raw.tag
            if not SEGMENT_ID.fullmatch(tag):
                self.segment("1", f"{tag!r} is not a segment ID", tag, position)
                continue
            found, errors = self.walk(walker, node, seg, position)
            for e in errors:
                self.walk_error(e, tag, position, node)
            if found is None:
                continue
            node = found
            element_errors = self.v.element_errors(found, seg, text)
            for ee in element_errors:
                self.element_error(ee, raw, position)

    def walk(self, walker: walk_tree, node: Any, seg: Any, position: int) -> tuple[Any, list[Any]]:
        found, _, _, errors = walker.walk_errors(node, seg, position, position, None)
        if found is not None or seg.get_seg_id() not in self.nodes:
            return found, errors
        # pyx12 reports a bad qualifier in a known segment as "segment not found": place the segment with
        # each valid qualifier in turn; the element check then reports the bad code itself (723 7).
        qualifier = seg.get_value("01")
        codes = [c for n in self.nodes[seg.get_seg_id()] for c in _first_codes(n)]
        if not codes or qualifier in codes:
            return found, errors
        for code in dict.fromkeys(codes):
            saved = dict(walker.getCountState())
            trial = pyx12.segment.Segment(seg.format(), seg.seg_term, seg.ele_term, seg.subele_term)
            trial.set("01", code)
            placed, _, _, trial_errors = walker.walk_errors(node, trial, position, position, None)
            if placed is not None:
                return placed, trial_errors
            walker.setCountState(saved)
        return found, errors

    def walk_error(self, e: Any, tag: str, position: int, current: Any) -> None:
        code = e.err_cde
        segment, where = tag, e.seg_count or position
        if code == "3" and e.map_node is not None:
            segment = e.map_node.id
            message = e.err_str
        elif code == "1":
            if tag in self.nodes and self.comes_earlier(tag, current):
                code, message = "7", f"segment {tag} is out of sequence: in the {self.map.id} it comes before " \
                                     f"{current.id}"
            elif tag in self.nodes:
                code, message = "2", f"segment {tag} is not expected at this place in the {self.map.id}"
            elif tag in self.v.all_segment_ids():
                code, message = "6", f"segment {tag} is not defined in the {self.map.id}"
            else:
                message = f"segment ID {tag} is not recognized"
        else:
            message = e.err_str
        self.segment(code, message, segment, where)

    def comes_earlier(self, tag: str, current: Any) -> bool:
        """Whether `tag` belongs in the current segment's loop before it: 720 7 (not in proper sequence)."""
        if current is None or not current.is_segment():
            return False
        return any(n.parent is current.parent and n.pos < current.pos for n in self.nodes[tag])

    def segment(self, code: str, message: str, segment: str, position: int) -> None:
        self.sink.segment(code, message, segment, position)

    def element_error(self, ee: Any, raw: RawSegment, position: int) -> None:
        tag = raw.tag
        element: int | None = None
        component: int | None = None
        node = ee.map_node
        trigger: int | None = None
        rule = SYNTAX_RULE.search(ee.err_str or "")
        if rule:
            element, trigger = rule_target(rule.group(1), rule.group(2), raw.elements)
        elif node is not None:
            if node.parent is not None and node.parent.is_composite():
                element, component = node.parent.seq, node.seq
            else:
                element = node.seq
        elif ee.refdes and (m := _REFDES.search(str(ee.refdes))):
            element = int(m.group(1))
            component = int(m.group(2)) if m.group(2) else None
        if element is None:
            self.segment("8", ee.err_str, tag, position)
            return
        self.sink.element(ee.err_cde, ee.err_str, tag, position, element, component, ee.err_val, trigger)


def _first_codes(node: Any) -> list[str]:
    first = node.children[0] if node.children else None
    if first is not None and first.is_composite():
        first = first.children[0] if first.children else None
    return list(getattr(first, "valid_codes", []) or [])
