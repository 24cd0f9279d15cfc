"""Placement: which node of the map a segment is, as a small state machine over the compiled tables.

The rules are pyx12's walker's (`map_walker.walk_tree.walk_errors`): from the current segment, scan the rest of
its loop by position, then pop to the enclosing loops; a segment that starts a loop enters it (counts below it
reset); required segments and loops passed over are reported missing (AK3 3) unless counted already; a segment or
loop past its maximum use is AK3 5 / 4; a not-used one AK3 2; nothing found is AK3 1.

Which nodes are visited depends only on the current node, the segment ID and which same-ID nodes the segment's
qualifier matches, so the route is computed once and kept as a plan: a list of operations whose outcome depends
on the counts (missing or not, over the maximum or not), replayed against the set's counters for every later
segment that takes the same route.
"""

from __future__ import annotations

from collections.abc import Sequence

from mappers.x12.compiled.tables import CompiledMap, LoopRule, SegmentRule

MAX_PLANS = 8192  # routes kept per map (a clean 850 takes a few dozen)
# plan operations
MISS_SEG, MISS_LOOP, MATCH, ENTER, NOT_FOUND = range(5)

Op = tuple[int, LoopRule | SegmentRule | None, SegmentRule | LoopRule | None]
Plan = tuple[tuple[Op, ...], SegmentRule | None]
WalkError = tuple[str, str, str | None]  # (AK304 code, message, segment ID it names, None: the one read)


def signature(m: CompiledMap, seg_id: str, elements: Sequence[str], component: str) -> int:
    """Which of the map's `seg_id` nodes the segment matches (pyx12 segment_if.is_match), as a bit mask."""
    mask = 0
    for bit, node in enumerate(m.by_id.get(seg_id, ())):
        key = node.key
        if key is None:
            mask |= 1 << bit
            continue
        index, sub, codes = key
        if index > len(elements):
            value: str | None = None
        elif sub is None:
            value = elements[index - 1].rstrip(component)
        else:
            parts = elements[index - 1].split(component)
            value = parts[sub - 1] if sub <= len(parts) else None
        if value in codes:
            mask |= 1 << bit
    return mask


def plan(m: CompiledMap, start: SegmentRule, seg_id: str, mask: int) -> Plan:
    """The route from `start` for a segment `seg_id` matching the nodes in `mask`, learned once per map."""
    key = (start.index, seg_id, mask)
    found = m.plans.get(key)
    if found is None:
        if len(m.plans) >= MAX_PLANS:  # hostile input can name ~35,000 segment IDs: the cache stays bounded
            m.plans.clear()
        found = m.plans[key] = _Route(m, seg_id, mask).walk(start)
    return found


class _Route:
    def __init__(self, m: CompiledMap, seg_id: str, mask: int) -> None:
        self.seg_id = seg_id
        self.matching = {n.index for bit, n in enumerate(m.by_id.get(seg_id, ())) if mask >> bit & 1}
        self.ops: list[Op] = []

    def match(self, node: SegmentRule) -> bool:
        return node.index in self.matching

    def walk(self, start: SegmentRule) -> Plan:
        loop, pos = start.parent, start.pos
        assert loop is not None
        while True:
            found = self.scan(loop, pos)
            if found is not None:
                return tuple(self.ops), found[0]
            if loop.is_root:
                self.ops.append((NOT_FOUND, None, None))
                return tuple(self.ops), None
            pos = loop.pos
            assert loop.parent is not None
            loop = loop.parent

    def scan(self, loop: LoopRule, pos: int) -> tuple[SegmentRule | None] | None:
        for child_pos, child in loop.children:
            if child_pos < pos:
                continue
            if isinstance(child, SegmentRule):
                if self.match(child):
                    if not loop.is_root and self.loop_match(loop):
                        return (self.goto(loop),)
                    self.ops.append((MATCH, child, None))
                    return (child,)
                if child.usage == "R":
                    self.ops.append((MISS_SEG, child, None))
            elif self.loop_match(child):
                return (self.goto(child),)
        return None

    def loop_match(self, loop: LoopRule) -> bool:
        first = loop.first
        if first is None:
            return False
        if isinstance(first, LoopRule):
            return any(isinstance(c, LoopRule) and self.loop_match(c) for _, c in loop.children)
        if self.match(first):
            return True
        if loop.usage == "R":
            self.ops.append((MISS_LOOP, loop, first))
        return False

    def goto(self, loop: LoopRule) -> SegmentRule | None:
        first = loop.first
        if isinstance(first, SegmentRule) and self.match(first):
            self.ops.append((ENTER, loop, first))
            return first
        for _, child in loop.children:
            if isinstance(child, LoopRule):
                found = self.goto(child)
                if found is not None:
                    return found
        return None


def run(p: Plan, counts: list[int], seg_id: str) -> list[WalkError]:
    """Replay a plan against the set's counters: update them, and return the walker's errors in pyx12's order."""
    ops = p[0]
    if len(ops) == 1 and ops[0][0] == MATCH:  # the common route: the next segment of the same loop
        node = ops[0][1]
        assert isinstance(node, SegmentRule)
        counts[node.slot] += 1
        if node.usage != "N" and counts[node.slot] <= node.max_repeat:
            return []
    errors: list[WalkError] = []
    missing: list[tuple[SegmentRule | LoopRule, str, str]] = []  # (node, message, segment ID) not yet reported
    for kind, node, other in ops:
        flush: int | None | bool = False  # the position whose missing ones stay pending; False: no flush
        if kind == MISS_SEG:
            assert isinstance(node, SegmentRule)
            if counts[node.slot] < 1:
                missing.append((node, f'Mandatory segment "{node.name}" ({node.id}) missing', node.id))
        elif kind == MISS_LOOP:
            assert isinstance(node, LoopRule) and other is not None
            if counts[node.slot] < 1:
                missing.append((other, f'Mandatory loop "{node.name}" ({node.id}) missing', other.id))
        elif kind == MATCH:
            assert isinstance(node, SegmentRule)
            if len(ops) > 1:
                counts[node.slot] += 1
            if node.usage == "N":
                errors.append(("2", f"Segment {node.id} found but marked as not used", None))
            elif counts[node.slot] > node.max_repeat:
                errors.append(("5", f"Segment {seg_id} exceeded max count.  Found {counts[node.slot]}, should have "
                                    f"{node.max_repeat}", None))
            same = (node.id, node.parent.id if node.parent else None)
            missing = [m for m in missing if (m[0].id, m[0].parent.id if m[0].parent else None) != same]
            flush = node.pos
        elif kind == ENTER:
            assert isinstance(node, LoopRule) and other is not None
            if node.usage == "N":
                errors.append(("2", f"Loop {node.id} found but marked as not used", None))
            else:
                for s in node.below:
                    counts[s] = 0
                counts[node.slot] += 1
                if counts[node.slot] > node.max_repeat:
                    errors.append(("4", f"Loop {node.id} exceeded max count.  Found {counts[node.slot]}, should "
                                        f"have {node.max_repeat}", None))
            counts[other.slot] += 1
            flush = None
        else:
            errors.append(("1", "not found", None))
        if flush is not False and missing:
            errors.extend(("3", m[1], m[2]) for m in missing if m[0].pos != flush)
            missing = [m for m in missing if m[0].pos == flush]
    return errors
