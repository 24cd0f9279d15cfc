"""The compiled tables: what a map compiles to, and that the state machine's plans are learned once per route."""

from __future__ import annotations

import pytest

from mappers.x12.compiled import CompiledValidator
from mappers.x12.compiled.tables import CompositeRule, ElementRule, LoopRule, SegmentRule
from mappers.x12.maps import map_dir
from mappers.x12.validate import validate_with
from tests.x12.golden import fixture_bytes


@pytest.fixture(scope="module")
def validator() -> CompiledValidator:
    return CompiledValidator(str(map_dir("00401")))


def test_a_segment_carries_usage_position_repeat_and_its_elements(validator: CompiledValidator) -> None:
    m = validator.map_for("004010", "PO")
    assert m is not None and m.id == "850"
    (beg,) = m.by_id["BEG"]
    assert (beg.usage, beg.pos, beg.max_repeat) == ("R", 20, 1)
    beg05 = beg.children[4]
    assert isinstance(beg05, ElementRule)
    assert (beg05.refdes, beg05.data_type, beg05.min_len, beg05.max_len, beg05.usage) == ("BEG05", "DT", 8, 8, "R")
    beg01 = beg.children[0]
    assert isinstance(beg01, ElementRule)
    assert beg01.external_name == "x12-353" and beg01.external is not None and "00" in beg01.external


def test_strict_4010_lengths_come_from_the_4010_directory() -> None:
    ref02 = {d: CompiledValidator(str(map_dir(d))).map_for(v, "PO") for d, v in (("00401", "004010"),
                                                                                 (None, "004010"))}
    lengths = {}
    for d, m in ref02.items():
        assert m is not None
        element = m.by_id["REF"][0].children[1]
        assert isinstance(element, ElementRule)
        lengths[d] = element.max_len
    assert lengths == {"00401": 30, None: 50}


def test_syntax_notes_and_composites_are_compiled(validator: CompiledValidator) -> None:
    m = validator.map_for("004010", "PO")
    assert m is not None
    ref = m.by_id["REF"][0]
    assert ("R", (2, 3)) in ref.syntax
    c040 = ref.children[3]
    assert isinstance(c040, CompositeRule) and c040.seq == 4 and len(c040.children) == 6
    assert [(e.element, e.component) for e in c040.children[:2]] == [(4, 1), (4, 2)]
    (po1,) = [n for n in m.by_id["PO1"] if n.parent is not None and n.parent.id == "PO1"]
    assert ("C", (3, 2)) in po1.syntax and ("P", (6, 7)) in po1.syntax


def test_loops_keep_their_children_in_placement_order(validator: CompiledValidator) -> None:
    m = validator.map_for("004010", "PO")
    assert m is not None
    loop = m.node_at("/ISA_LOOP/GS_LOOP/ST_LOOP/PO1")
    assert isinstance(loop, LoopRule) and loop.usage == "R"
    positions = [pos for pos, _ in loop.children]
    assert positions == sorted(positions)
    first = loop.first
    assert isinstance(first, SegmentRule) and first.id == "PO1"
    # entering the loop again resets the counts of everything below it, not its own
    assert first.slot in loop.below and loop.slot not in loop.below


def test_a_route_is_planned_once_then_replayed(validator: CompiledValidator) -> None:
    data = fixture_bytes("850_vics_4010")
    m = validator.map_for("004010VICS", "PO")
    assert m is not None
    m.plans.clear()
    assert validate_with(data, "ascii", lambda isa12: validator).ok
    learned = dict(m.plans)
    assert learned
    assert validate_with(data + data.replace(b"000000101", b"000000102"), "ascii",
                         lambda isa12: validator).ok
    assert m.plans == learned  # the same routes: no new plan


def test_a_bad_first_qualifier_is_an_invalid_code_not_a_lost_segment(validator: CompiledValidator) -> None:
    data = fixture_bytes("850_vics_4010").replace(b"N1*ST*", b"N1*0X*")
    errors = validate_with(data, "ascii", lambda isa12: validator).errors
    assert [(e.pointer, e.code) for e in errors] == [("N1@15 N101", "7")]


def test_a_misplaced_segment_is_out_of_sequence(validator: CompiledValidator) -> None:
    text = fixture_bytes("850_vics_4010").decode()
    cur = text.index("CUR*")
    moved = text[:cur] + text[text.index("~", cur) + 2:]
    po1 = moved.index("PO1*")
    moved = moved[:po1] + "CUR*BY*USD~\n" + moved[po1:]
    errors = validate_with(moved.encode(), "ascii", lambda isa12: validator).errors
    assert ("segment", "2") in [(e.level, e.code) for e in errors] or \
        ("segment", "7") in [(e.level, e.code) for e in errors]


def test_the_map_directory_keeps_each_map_compiled_and_loading_it_gives_the_same_tables() -> None:
    import pyx12.map_if
    import pyx12.params

    from mappers.x12.compiled.tables import compile_file, compile_map, tables_path

    directory = map_dir("00401")
    assert tables_path(directory, "850.004010.xml").is_file()  # written by gateway.x12_maps when it built it
    kept = compile_file(directory, "850.004010.xml")
    fresh = compile_map(pyx12.map_if.load_map_file("850.004010.xml", pyx12.params.params(), str(directory)))
    assert kept is not fresh and kept.slots == fresh.slots

    def shape(m: object) -> list[tuple[object, ...]]:
        return [(s.id, s.usage, s.pos, s.max_repeat, s.slot, s.syntax, s.key,
                 [(c.refdes, c.usage) if isinstance(c, CompositeRule) else
                  (c.refdes, c.data_type, c.min_len, c.max_len, c.codes, c.external) for c in s.children])
                for s in m.segments()]  # type: ignore[attr-defined]

    assert shape(kept) == shape(fresh)


def test_the_plan_cache_stays_bounded_under_unknown_segment_ids(validator: CompiledValidator) -> None:
    from mappers.x12.compiled import walker

    m = validator.map_for("004010", "PO")
    assert m is not None
    start = m.by_id["BEG"][0]
    for n in range(walker.MAX_PLANS + 10):
        walker.plan(m, start, f"Z{n % 36:X}{n // 36 % 36:X}"[:3], n)
    assert len(m.plans) <= walker.MAX_PLANS


def _po1_rule() -> SegmentRule:
    m = CompiledValidator(str(map_dir("00401"))).map_for("004010", "PO")  # its own tables: an empty note memo
    assert m is not None
    (po1,) = [n for n in m.by_id["PO1"] if n.parent is not None and n.parent.id == "PO1"]
    return po1


def test_syntax_notes_looked_up_by_presence_give_the_findings_worked_out_note_by_note() -> None:
    from mappers.x12.compiled.checks import _syntax, check_segment

    po1 = _po1_rule()
    cases = [["1", "5", "EA", "2.5"], ["1", "", "EA", "2.5"], ["1", "5", "EA", "2.5", "", "BP", ""],
             ["1", ">", "EA", "2.5"], ["1", "5", "EA", "2.5", "", ">>", "A1"], ["1", "5", "EA", "2.5", "", "BP", "A1"]]
    for elements in cases * 2:  # the second time from the memo
        notes = [f for f in check_segment(po1, elements, ">", "00401") if f[1].startswith("Syntax Error")]
        assert notes == [f for kind, numbers in po1.syntax
                         if (f := _syntax("PO1", kind, numbers, elements, ">")) is not None], elements
    assert len(po1.broken_notes) == 5  # a value of only component separators is absent: ">" shares ""'s pattern
    assert any("C0302" in f[1] for f in check_segment(po1, ["1", "", "EA"], ">", "00401"))


def test_the_note_memo_stays_bounded_under_ever_new_presence_patterns() -> None:
    from mappers.x12.compiled import checks

    po1 = _po1_rule()
    for n in range(checks._NOTE_PATTERNS + 100):
        checks.check_segment(po1, ["1", "5", "EA", "2.5", "", *("A" if n >> i & 1 else "" for i in range(12))], ">",
                             "00401")
    assert len(po1.broken_notes) == checks._NOTE_PATTERNS
