"""The validator interface: bytes in, errors as data out, maps loaded once, golden files clean."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import default_validator, validate
from mappers.x12.writer import ThrowawayNumbers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x12"
GOLDEN = sorted(FIXTURES.glob("*.edi"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_files_validate_clean(path: Path) -> None:
    report = validate(path.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    assert report.interchanges and all(g.sets for ic in report.interchanges for g in ic.groups)


def test_bad_date_in_850_is_an_element_error_with_its_position() -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    beg = next(line for line in data.split(b"~") if line.strip().startswith(b"BEG*"))
    fields = beg.strip().split(b"*")
    fields[5] = b"20261345"
    report = validate(data.replace(beg.strip(), b"*".join(fields), 1))
    (error,) = report.errors
    assert (error.level, error.code, error.segment, error.position, error.element) == ("element", "8", "BEG", 2, 5)
    assert error.where == "000000101/101/0001" and error.pointer == "BEG@2 BEG05"


def test_missing_mandatory_beg_is_reported_as_720_3() -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    lines = data.split(b"~")
    beg = next(i for i, line in enumerate(lines) if line.strip().startswith(b"BEG*"))
    del lines[beg]
    text = b"~".join(lines)
    se = next(line for line in text.split(b"~") if line.strip().startswith(b"SE*"))
    count = int(se.strip().split(b"*")[1])
    text = text.replace(se.strip(), b"SE*%d*0001" % (count - 1))
    errors = validate(text).errors
    assert any(e.level == "segment" and e.code == "3" and e.segment == "BEG" for e in errors), errors


def test_several_groups_and_sets_one_bad_set_hides_nothing() -> None:
    one = (FIXTURES / "850_vics_4010.edi").read_text()
    head, rest = one.split("GS*", 1)
    group, tail = ("GS*" + rest).split("IEA*", 1)
    bad_group = group.replace("*101*X*", "*102*X*").replace("GE*1*101", "GE*1*102").replace("SE*", "SE*9", 1)
    data = (head + group + bad_group + "IEA*2*" + tail.split("*", 1)[1]).encode()
    report = validate(data)
    (ic,) = report.interchanges
    first, second = ic.groups
    assert first.status == "A" and second.status == "R"
    assert [e.code for e in second.sets[0].errors] == ["4"]


def test_maps_are_loaded_once_per_process() -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    validate(data)
    validator = default_validator(None)
    start = time.perf_counter()
    for _ in range(20):
        validate(data)
    per_call = (time.perf_counter() - start) / 20
    assert default_validator(None) is validator
    assert per_call < 0.021, f"{per_call:.3f}s per call: maps reloaded?"  # pyx12 reloads cost ~21 ms alone


def test_non_ascii_is_kept_when_the_partner_encoding_allows_it() -> None:
    data = (FIXTURES / "850_vics_4010.edi").read_bytes()
    pid = next(line.strip() for line in data.split(b"~") if line.strip().startswith(b"PID*"))
    accented = data.replace(pid, pid[:-1] + "É".encode(), 1)
    ascii_errors = validate(accented).errors
    assert [(e.level, e.code, e.segment) for e in ascii_errors] == [("element", "6", "PID")]
    assert validate(accented, encoding="utf-8").ok


_EDITS = st.lists(st.tuples(st.integers(0, 2), st.floats(0, 1, exclude_max=True),
                            st.binary(min_size=1, max_size=3).map(lambda b: bytes(c % 128 for c in b))
                            | st.sampled_from([b"~", b"*", b">", b"|", b"^", b"\n", b"\r\n", b"ISA", b"~~", b"\xc9"])),
                  min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(GOLDEN) - 1), edits=_EDITS)
def test_mangled_input_gives_errors_never_an_exception(index: int, edits: list[tuple[int, float, bytes]]) -> None:
    """Deleted, inserted or replaced bytes anywhere: a report and valid acks come back, never a traceback."""
    data = bytearray(GOLDEN[index].read_bytes())
    for op, where, chunk in edits:
        at = int(where * len(data))
        if op == 0:
            del data[at:at + len(chunk)]
        elif op == 1:
            data[at:at] = chunk
        else:
            data[at:at + len(chunk)] = chunk
    start = time.perf_counter()
    report = validate(bytes(data))
    acks = [acknowledge(ic, AckOptions(ta1="always", functional_ack=kind), ThrowawayNumbers(),
                        datetime(2026, 11, 25)) for ic in report.interchanges for kind in ("997", "999")]
    assert time.perf_counter() - start < 5
    assert report.interchanges
    # Whatever came in, what we send back is valid X12 under our own maps; the one exception is a partner's
    # own bad ST01/ST02, which AK201/AK202 echo so that 718 6/7 can tell the partner about it.
    echoed = {"6", "7"} & {e.code for e in report.errors if e.level == "set"}
    for ack in acks:
        errors = validate(ack).errors if ack is not None else []
        assert all(echoed and e.segment == "AK2" and e.element in (1, 2) for e in errors), (ack, errors)


def test_nul_as_a_delimiter_is_a_broken_isa() -> None:
    """X12.md section 10, pitfall 3: a broken ISA is refused with a TA1, never echoed back in our answer."""
    data = GOLDEN[0].read_bytes()
    isa = data[:106]
    nul_component = isa[:104] + b"\x00" + isa[105:]
    report = validate(nul_component + data[106:])
    assert [(e.level, e.code) for e in report.errors][:1] == [("interchange", "027")]


def test_ta1_for_refused_delimiters_answers_with_standard_ones() -> None:
    """A byte slipped into the ISA makes '^' the component separator and '>' the terminator: the envelope is
    refused (TA1 027) and the TA1 we send must not reuse the delimiters we refused."""
    data = bytearray(GOLDEN[0].read_bytes())
    data[104:104] = b"^"
    report = validate(bytes(data))
    (ta1,) = [acknowledge(ic, AckOptions(ta1="always"), ThrowawayNumbers(), datetime(2026, 11, 25))
              for ic in report.interchanges]
    assert ta1 is not None and b"TA1*" in ta1 and ta1.rstrip().endswith(b"~")
    assert validate(ta1).ok
