"""The one pass (`mappers.x12.onepass`) against the two it replaces for bulk input: validate then acknowledge
(`acks.acknowledge`), and `translate` with the validation's verdicts. Same acknowledgment bytes, same documents
and refusals, over the golden files, the malformed corpus and a slice of the mutation fuzz."""

from __future__ import annotations

from datetime import datetime

import pytest

from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.onepass import Answered, Timings, one_pass
from mappers.x12.segments import MappingError
from mappers.x12.translate import Translated, translate, verdicts_of
from mappers.x12.validate import iter_validate
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.differential import FIXTURES, corpus, fuzz_cases

NOW = datetime(2026, 11, 20, 9, 30)
OPTIONS = (AckOptions(), AckOptions(ta1="always"), AckOptions(functional_ack="999", ta1="never"))


def _key(t: Translated) -> tuple[object, ...]:
    tx = t.located.transaction
    return (t.located.interchange.control_number, t.located.group.control_number, tx.control_number,
            t.document.model_dump() if t.document is not None else None, str(t.error) if t.error else None)


def _two_passes(data: bytes, options: AckOptions) -> tuple[list[bytes | None], list[tuple[object, ...]] | None]:
    reports = list(iter_validate(data))
    acks = [acknowledge(ic, options, ThrowawayNumbers(), NOW) for ic in reports]
    try:
        sets = [_key(t) for t in translate(data, "latin-1",
                                           verdicts=[v for ic in reports for v in verdicts_of(ic)])]
    except MappingError:  # the reader refuses broken envelopes outright; the one pass reports them
        sets = None
    return acks, sets


def _one_pass(data: bytes, options: AckOptions) -> tuple[list[bytes | None], list[tuple[object, ...]], bool]:
    out = list(one_pass(data, acks=options, now=NOW))
    acks = [_read(o) for o in out if isinstance(o, Answered)]
    sets = [_key(o) for o in out if isinstance(o, Translated)]
    # An error found after a set closed (a GE or IEA trailer) refuses sets already mapped: the report says so.
    later = any(o.report.errors or any(g.errors for g in o.report.groups) for o in out if isinstance(o, Answered))
    return acks, sets, later


def _read(answered: Answered) -> bytes | None:
    if answered.ack is None:
        return None
    with answered.ack as ack:
        return ack.read()


def _same(name: str, data: bytes, options: AckOptions) -> None:
    acks, sets = _two_passes(data, options)
    acks1, sets1, later = _one_pass(data, options)
    assert acks1 == acks, name
    if sets is not None and not later:
        assert sets1 == sets, name


@pytest.mark.parametrize("options", OPTIONS, ids=["on-request", "ta1-always", "999-never"])
def test_the_corpus_gets_the_same_acks_and_documents_in_one_pass(options: AckOptions) -> None:
    for name, data in corpus():
        _same(name, data, options)


def test_mutated_files_get_the_same_acks_and_documents_in_one_pass() -> None:
    for name, data in fuzz_cases(300, seed=11):
        _same(name, data, AckOptions(ta1="always"))


def test_one_pass_keeps_no_set_in_the_report_and_counts_them() -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    timings = Timings()
    out = list(one_pass(data + data.replace(b"000000101", b"000000102"), timings=timings))
    documents = [o for o in out if isinstance(o, Translated)]
    answers = [o for o in out if isinstance(o, Answered)]
    assert [d.error for d in documents] == [None, None]
    assert [a.ack for a in answers] == [None, None]  # no acknowledgment asked of the pass
    assert all(g.sets == [] and (g.received, g.accepted, g.status) == (1, 1, "A")
               for a in answers for g in a.report.groups)
    assert timings.validate > 0 and timings.read_map > 0


def test_a_set_refused_by_a_later_trailer_is_reported_at_its_interchange_end() -> None:
    """GE01 is checked when the group closes, after its sets were mapped: the interchange's Answered carries it."""
    data = (FIXTURES / "850_vics_4010.edi").read_bytes().replace(b"GE*1*", b"GE*2*")
    out = list(one_pass(data, acks=AckOptions()))
    (mapped,) = [o for o in out if isinstance(o, Translated)]
    (answered,) = [o for o in out if isinstance(o, Answered)]
    assert mapped.error is None
    assert [e.code for g in answered.report.groups for e in g.errors] == ["5"]
    assert b"AK9*R*2*1*1*5" in (_read(answered) or b"")

