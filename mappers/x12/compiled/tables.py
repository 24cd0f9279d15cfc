"""The maps compiled into plain tables: loops, segments, composites and elements as slotted records.

A map is read once through pyx12's own map loader (so that our maps, pyx12's and the support files are read
exactly as the pyx12 path reads them: `maps.xml`, `dataele.xml`, `codes.xml`), then every rule the walker and
the element checks need is copied into these records: no pyx12 object is consulted while validating.

Per loop and segment: ID, usage, position, maximum use or repeat, the children in placement order and the
counter slot (pyx12 counts by path: two segments with the same ID and path share one count); per segment its
syntax notes and the element that tells same-ID segments apart (its first qualifier); per element its data
type, minimum and maximum length, code list (the map's codes and the external list from codes.xml) and regex.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAXINT = 2147483647
# Compiled tables are kept beside the maps (gateway.x12_maps writes them when it builds a map directory) under a
# name that changes with this module's source: tables from another version of the compiler are never read.
FORMAT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
_REFDES = re.compile(r"(\d\d)(?:-(\d+))?$")


class MapError(Exception):
    """A rule the map names but does not define (a data element missing from dataele.xml, an external code
    list missing from codes.xml): the set cannot be checked, as pyx12 cannot either (AK5 5)."""


@dataclass(slots=True, eq=False)
class ElementRule:
    name: str
    refdes: str | None
    seq: int
    usage: str
    data_ele: str | None
    data_type: str | None
    min_len: int
    max_len: int
    codes: frozenset[str | None]  # the map's valid codes
    code_order: tuple[str | None, ...]  # the same in the map's order
    external_name: str | None  # the external list the map names (codes.xml)
    external: frozenset[str] | None  # codes.xml's list when the map names one (None: no external list)
    external_any: bool  # the external list is excluded from checking: any code passes
    regex: re.Pattern[str] | None
    regex_text: str | None
    element: int  # where it is reported: element position in the segment
    component: int | None  # and component position within a composite
    in_composite: bool
    composite_usage: str | None
    broken: str | None = None  # why the element cannot be checked (MapError), when it cannot
    # which fast path of checks.check_value applies: 1 AN/ID, 2 N*, 3 R, 0 none (every check in full)
    fast: int = 0


@dataclass(slots=True, eq=False)
class CompositeRule:
    name: str
    refdes: str | None
    seq: int
    usage: str
    children: tuple[ElementRule, ...]
    report_at: tuple[int, int | None] | None  # (element, component) its own errors are reported at, if any


@dataclass(slots=True, eq=False)
class _Node:
    index: int
    id: str
    name: str
    usage: str
    pos: int
    max_repeat: int
    slot: int  # its counter (pyx12 counts by path)
    parent: LoopRule | None


@dataclass(slots=True, eq=False)
class SegmentRule(_Node):
    children: tuple[ElementRule | CompositeRule, ...]
    syntax: tuple[tuple[str, tuple[int, ...]], ...]
    key: tuple[int, int | None, frozenset[str | None]] | None  # (element, component, codes) that identify it
    first_codes: tuple[str, ...]  # the codes of its first element (or first component), for a bad qualifier
    is_dtp: bool = False
    special: bool = False  # DTP, or a 1250/1251 pair: checks.check_segment's general path
    # the syntax notes as (kind, element numbers, bit mask of those elements, bit of the first) for a quick test
    notes: tuple[tuple[str, tuple[int, ...], int, int], ...] = ()
    # per number of elements present, the children after them that matter when absent (R elements, composites
    # whose usage is R)
    required_after: tuple[tuple[ElementRule | CompositeRule, ...], ...] = ()
    # checks.py's memo of the syntax notes broken per pattern of present elements (the same few patterns recur
    # on every line, so a clean segment costs one lookup); filled while validating, bounded there
    broken_notes: dict[tuple[bool, ...], tuple[tuple[str, tuple[int, ...]], ...]] = field(default_factory=dict)

    kind = "segment"


@dataclass(slots=True, eq=False)
class LoopRule(_Node):
    is_root: bool = False
    children: list[tuple[int, LoopRule | SegmentRule]] = field(default_factory=list)  # (pos, node) in order
    below: tuple[int, ...] = ()  # counter slots of every node under it (reset when the loop is entered again)

    kind = "loop"

    @property
    def first(self) -> LoopRule | SegmentRule | None:
        return self.children[0][1] if self.children else None


@dataclass(slots=True, eq=False)
class CompiledMap:
    """One transaction set's map as tables, with the placement plans learned while validating."""

    id: str | None
    icvn: str
    root: LoopRule
    nodes: list[LoopRule | SegmentRule]
    slots: int
    by_id: dict[str, tuple[SegmentRule, ...]]  # every segment node by segment ID
    plans: dict[tuple[int, str, int], Any] = field(default_factory=dict)
    trials: dict[tuple[int, str, int], int | None] = field(default_factory=dict)  # bad first qualifiers placed

    def node_at(self, path: str) -> LoopRule | SegmentRule:
        """The node at a pyx12-style path such as /ISA_LOOP/GS_LOOP/GS."""
        node: LoopRule | SegmentRule = self.root
        for part in [p for p in path.split("/") if p]:
            assert isinstance(node, LoopRule)
            node = next(child for _, child in node.children if child.id == part)
        return node

    def segments(self) -> Iterator[SegmentRule]:
        return (n for n in self.nodes if isinstance(n, SegmentRule))


def compile_map(root: Any) -> CompiledMap:
    """The tables of a map pyx12 has loaded (`pyx12.map_if.load_map_file`)."""
    slots: dict[str, int] = {}
    nodes: list[LoopRule | SegmentRule] = []
    paths: dict[int, str] = {}
    ext = root.ext_codes
    lists: dict[str, frozenset[str]] = {}

    def slot(path: str) -> int:
        return slots.setdefault(path, len(slots))

    def element(e: Any, position: int, component: int | None, composite: Any | None) -> ElementRule:
        broken = None
        data_type, min_len, max_len = None, 0, 0
        try:
            data = e._resolve_data_ele()
            data_type, min_len, max_len = data["data_type"], data["min_len"], data["max_len"]
        except Exception as err:  # pyx12 raises EngineError for a data element dataele.xml does not define
            broken = str(err)
        external: frozenset[str] | None = None
        external_any = False
        if e.external_codes is not None:
            if e.external_codes in ext.exclude_list:
                external_any = True
            elif e.external_codes in ext.codes:
                external = lists.get(e.external_codes)
                if external is None:  # one set per list, shared by every element that names it
                    external = lists[e.external_codes] = frozenset(ext.codes[e.external_codes]["codes"])
        fast = 0
        if broken is None and (e.usage or "") != "N" and not (e.external_codes and external is None and
                                                              not external_any):
            fast = 1 if data_type in ("AN", "ID") and not external_any else \
                2 if data_type and data_type[0] == "N" else 3 if data_type == "R" else 0
        return ElementRule(fast=fast, name=e.name or "", refdes=e.refdes, seq=e.seq, usage=e.usage or "",
                           data_ele=e.data_ele,
                           data_type=data_type, min_len=min_len, max_len=max_len, codes=frozenset(e.valid_codes),
                           code_order=tuple(e.valid_codes), external_name=e.external_codes, external=external,
                           external_any=external_any, regex=e.rec, regex_text=e.res,
                           element=position, component=component, in_composite=composite is not None,
                           composite_usage=composite.usage if composite is not None else None, broken=broken)

    def segment(s: Any, parent: LoopRule) -> SegmentRule:
        children: list[ElementRule | CompositeRule] = []
        for c in s.children:
            if c.is_composite():
                m = _REFDES.search(str(c.refdes)) if c.refdes else None
                at = (int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else None
                children.append(CompositeRule(name=c.name or "", refdes=c.refdes, seq=c.seq, usage=c.usage or "",
                                              children=tuple(element(e, c.seq, e.seq, c) for e in c.children),
                                              report_at=at))
            else:
                children.append(element(c, c.seq, None, None))
        if [c.seq for c in children] != list(range(1, len(children) + 1)):
            raise MapError(f"segment {s.id} of map {root.id}: element positions are not 1..n")
        key_node = s._resolve_unique_key_field(s.id, with_qual=False)
        key = None
        if key_node is not None:
            child, ele_idx, subele_idx = key_node
            key = (ele_idx, subele_idx, frozenset(child._valid_codes_set))
        first = s.children[0] if s.children else None
        if first is not None and first.is_composite():
            first = first.children[0] if first.children else None
        rule = SegmentRule(index=len(nodes), id=s.id, name=s.name or "", usage=s.usage or "", pos=s.pos,
                           max_repeat=s.get_max_repeat(), slot=slot(s.get_path()), parent=parent,
                           children=tuple(children),
                           syntax=tuple((syn[0], tuple(int(i) for i in syn[1:])) for syn in s.syntax),
                           key=key, first_codes=tuple(getattr(first, "valid_codes", []) or []),
                           is_dtp=s.id == "DTP",
                           special=s.id == "DTP" or any(isinstance(c, ElementRule) and c.data_ele in ("1250", "1251")
                                                        for c in children))
        rule.notes = tuple((kind, numbers, sum(1 << (n - 1) for n in numbers), 1 << (numbers[0] - 1) if numbers else 0)
                           for kind, numbers in rule.syntax)
        rule.required_after = tuple(tuple(c for c in children[i:] if c.usage == "R")
                                    for i in range(len(children) + 1))
        nodes.append(rule)
        paths[rule.index] = s.get_path()
        return rule

    def loop(node: Any, parent: LoopRule | None) -> LoopRule:
        is_root = parent is None
        rule = LoopRule(index=len(nodes), id=node.id or "", name=node.name or "", usage=node.usage or "",
                        pos=0 if is_root else node.pos, max_repeat=MAXINT if is_root else node.get_max_repeat(),
                        slot=slot(node.get_path()), parent=parent, is_root=is_root)
        nodes.append(rule)
        paths[rule.index] = node.get_path()
        for pos in sorted(node.pos_map):
            for child in node.pos_map[pos]:
                compiled = segment(child, rule) if child.is_segment() else loop(child, rule)
                rule.children.append((pos, compiled))
        return rule

    top = loop(root, None)
    for n in nodes:
        if isinstance(n, LoopRule) and not n.is_root:
            parts = paths[n.index].split("/")
            n.below = tuple(sorted({slots[p] for p in slots if _is_child_path(parts, p.split("/"))}))
    by_id: dict[str, list[SegmentRule]] = {}
    for n in nodes:
        if isinstance(n, SegmentRule):
            by_id.setdefault(n.id, []).append(n)
    return CompiledMap(id=root.id, icvn=root.icvn or "00401", root=top, nodes=nodes, slots=len(slots),
                       by_id={k: tuple(v) for k, v in by_id.items()})


def _is_child_path(root: list[str], child: list[str]) -> bool:
    """pyx12's X12Path.is_child_path: `child` lies strictly under `root`."""
    return len(root) < len(child) and child[:len(root)] == root


def tables_path(map_dir: Path, map_file: str) -> Path:
    """Where the compiled tables of `map_file` of the map directory `map_dir` are kept."""
    return map_dir / "compiled" / f"{map_file}.{FORMAT}.pickle"


def compile_file(map_dir: Path | None, map_file: str) -> CompiledMap:
    """`map_file` of `map_dir` (pyx12's own maps when None) compiled: read from its kept tables when they are
    there (a map directory is named by the hash of its contents, so they are its tables), else through pyx12."""
    if map_dir is not None:
        kept = tables_path(map_dir, map_file)
        if kept.is_file():
            with kept.open("rb") as f:
                found = pickle.load(f)  # written by gateway.x12_maps into the directory it built
            if isinstance(found, CompiledMap):
                return found
    import pyx12.map_if
    import pyx12.params

    return compile_map(pyx12.map_if.load_map_file(map_file, pyx12.params.params(),
                                                  str(map_dir) if map_dir is not None else None))

