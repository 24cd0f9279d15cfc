"""The envelope's code lists and the 5010 FA group: TA1 note codes a partner would get back (X12.md section 8)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers
from tests.x12.test_maps import BODY_997, BODY_999, ISA_4010, ISA_5010, envelope

BODY_850 = ["850", "BEG*00*SA*PO1**20240105", "PO1*1*12*EA*3.25**VN*A-1", "CTT*1"]


def _isa(isa: str, index: int, value: str) -> str:
    """`isa` (fixed width, `*` separated) with ISA`index` replaced by `value` of the same width."""
    fields = isa.rstrip("~").split("*")
    assert len(value) == len(fields[index])
    fields[index] = value
    return "*".join(fields) + "~"


def _ta1(text: str) -> str:
    report = validate(text.encode())
    ack = acknowledge(report.interchanges[0], AckOptions(), ThrowawayNumbers(), datetime(2026, 12, 2, 12, 0))
    assert ack is not None
    return next(s for s in ack.decode().split("~") if s.strip().startswith("TA1"))


@pytest.mark.parametrize(("index", "value", "code"), [
    (5, "QQ", "005"),  # sender qualifier outside I05
    (7, "Q1", "007"),  # receiver qualifier outside I05
    (12, "00305", "003"),  # a real X12 version we do not read
    (12, "00199", "017"),  # not an X12 version
    (1, "09", "010"),  # authorization qualifier outside I01
    (15, "X", "020"),  # usage indicator outside I14
])
def test_an_isa_code_outside_its_list_is_answered_with_its_ta1_code(index: int, value: str, code: str) -> None:
    text = envelope("PO", "004010", BODY_850, _isa(ISA_4010, index, value))
    errors = [(e.level, e.code) for e in validate(text.encode()).errors]
    assert errors == [("interchange", code)]
    assert _ta1(text).endswith(f"*R*{code}")


def test_the_5010_interchange_qualifiers_are_the_5010_list() -> None:
    # 07 (GLN) is a 005010 qualifier, not a 004010 one
    assert validate(envelope("PO", "005010", BODY_850, _isa(ISA_5010, 5, "07")).encode()).errors == []
    assert [e.code for e in validate(envelope("PO", "004010", BODY_850, _isa(ISA_4010, 5, "07")).encode()).errors] \
        == ["005"]


@pytest.mark.parametrize(("repetition", "code"), [
    ("*", "026"),  # the element separator: I18 026 Invalid Data Element Separator
    (">", "027"),  # the component separator: I18 027 Invalid Component Element Separator
    ("~", "004"),  # the segment terminator: I18 004 Invalid Segment Terminator
    ("A", "022"),  # a letter is no delimiter at all: Invalid Control Structure
])
def test_a_repetition_separator_equal_to_another_delimiter_gets_the_ta1_asked_for_naming_it(
        repetition: str, code: str) -> None:
    isa = _isa(ISA_5010, 14, "1")
    isa = isa[:82] + repetition + isa[83:]  # ISA11, by offset: a "*" there would shift a split
    text = envelope("PO", "005010", BODY_850, isa)
    assert [(e.level, e.code) for e in validate(text.encode()).errors] == [("interchange", code)]
    assert _ta1(text).endswith(f"*R*{code}")


@pytest.mark.parametrize("gs08", ["005010", "005010X231A1"])
def test_a_999_in_its_fa_group_is_accepted(gs08: str) -> None:
    assert validate(envelope("FA", gs08, BODY_999, ISA_5010).encode()).errors == []


def test_a_997_and_a_999_share_a_5010_fa_group_but_a_purchase_order_does_not() -> None:
    assert validate(envelope("FA", "005010", BODY_997, ISA_5010).encode()).errors == []
    errors = validate(envelope("FA", "005010", BODY_850, ISA_5010).encode()).errors
    assert [(e.level, e.code) for e in errors] == [("set", "6")]
