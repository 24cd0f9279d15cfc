"""861 Receiving Advice: receipts (and consignment ownership transfers) per PO, both directions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import Dimensions, Receipt, ReceiptLine
from mappers.x12.receipt861 import ReceiptOptions, receipt_to_861, receipts_from_861
from mappers.x12.segments import MappingError
from mappers.x12.translate import translate
from mappers.x12.writer import Profile
from tests.x12.golden import expected_documents, fixture_bytes
from tests.x12.helpers import (
    DATES,
    IDS,
    PROFILE_4010,
    PROFILE_5010,
    QTY,
    ROUND_TRIP,
    TEXT,
    assert_clean,
    elements,
    render,
    set_of,
    transactions,
)
from tests.x12.po_strategies import product_ids

BRA = "BRA*GR-1*20261130*00*1"
ISSUED = date(2026, 11, 30)


def test_golden_861_reads_as_its_canonical_json() -> None:
    got = [("861", r) for tx in transactions(fixture_bytes("861_receipt")) for r in receipts_from_861(tx)]
    assert got == expected_documents("861_receipt")


def test_golden_861_is_standard_x12() -> None:
    assert_clean(fixture_bytes("861_receipt"))


def test_translate_dispatches_861_by_st01() -> None:
    found = list(translate(fixture_bytes("861_receipt")))
    assert [(f.error, f.document) for f in found] == [(None, expected_documents("861_receipt")[0][1])]


def test_an_861_for_two_pos_is_two_receipts() -> None:
    receipts = receipts_from_861(set_of("861", BRA, "DTM*050*20261129", "RCD*1*4*EA", "PRF*PO-A",
                                        "RCD*1*6*EA", "PRF*PO-B", "RCD*2*1*EA", "PRF*PO-A"))
    assert [(r.po_number, [(ln.line_number, ln.quantity) for ln in r.lines]) for r in receipts] == [
        ("PO-A", [("1", Decimal(4)), ("2", Decimal(1))]), ("PO-B", [("1", Decimal(6))])]
    assert {r.receipt_number for r in receipts} == {"GR-1"}


def test_a_line_that_could_belong_to_several_pos_is_refused() -> None:
    with pytest.raises(MappingError, match=r"RCD \(segment 6\)"):
        receipts_from_861(set_of("861", BRA, "DTM*050*20261129", "PRF*PO-A", "PRF*PO-B", "RCD*1*4*EA"))
    with pytest.raises(MappingError, match="names no PO"):
        receipts_from_861(set_of("861", BRA, "DTM*050*20261129", "RCD*1*4*EA"))


def test_returns_alone_are_not_a_receipt() -> None:
    with pytest.raises(MappingError, match=r"RCD02"):
        receipts_from_861(set_of("861", BRA, "DTM*050*20261129", "PRF*PO-A", "RCD*1***3*EA"))


def test_line_number_from_lin01_and_warehouse_from_the_line_before_the_header() -> None:
    [receipt] = receipts_from_861(set_of(
        "861", BRA, "DTM*050*20261129", "PRF*PO-A", "N1*WH*DC 4*92*DC04",
        "RCD**4*EA", "LIN*7*VP*V-7", "RCD*8*2*EA", "N1*WH*DC 9*92*DC09"))
    assert [(ln.line_number, ln.item, ln.dimensions.warehouse) for ln in receipt.lines] == [
        ("7", "V-7", "DC04"), ("8", None, "DC09")]


def test_written_861_follows_the_consignment_convention() -> None:
    receipt = Receipt(receipt_number="GR-77", po_number="4500012399", received_on=date(2026, 11, 29), lines=(
        ReceiptLine(line_number="1", quantity=Decimal("12.5"), uom="CA", item="066850-116",
                    dimensions=Dimensions(site="SITE01", warehouse="DC04", color="GRAPHITE")),))
    body = receipt_to_861(receipt, ISSUED, ReceiptOptions(advice_type="2"))
    assert [s.elements for s in body] == [
        ("BRA", "GR-77", "20261130", "00", "2"), ("DTM", "050", "20261129"), ("PRF", "4500012399"),
        ("RCD", "1", "12.5", "CA"), ("LIN", "", "BP", "066850-116", "BO", "GRAPHITE"),
        ("REF", "ZZ", "SITE01", "SITE"), ("N1", "WH", "", "92", "DC04"), ("CTT", "1")]
    data = render("861", body)
    assert_clean(data)
    assert receipts_from_861(transactions(data)[0]) == [receipt]


def test_written_861_without_a_receipt_date_still_has_its_mandatory_dtm() -> None:
    receipt = Receipt(receipt_number="GR-78", po_number="PO-1", lines=(
        ReceiptLine(line_number="1", quantity=Decimal(1), uom="EA"),))
    body = receipt_to_861(receipt, ISSUED)
    assert elements(body, "DTM") == [("DTM", "097", "20261130")]
    data = render("861", body, PROFILE_5010)
    assert_clean(data)
    assert receipts_from_861(transactions(data)[0]) == [receipt]


DIMENSION = st.none() | IDS
WAREHOUSE = st.none() | IDS.filter(lambda s: len(s) >= 2)  # N104 is 2/80


@st.composite
def receipts(draw: st.DrawFn) -> Receipt:
    count = draw(st.integers(min_value=1, max_value=5))
    lines = tuple(ReceiptLine(
        line_number=str(i), quantity=draw(QTY), uom=draw(st.sampled_from(["EA", "CA", "BX"])),
        item=draw(DIMENSION), vendor_item=draw(DIMENSION), product_ids=draw(product_ids()),
        description=draw(st.none() | TEXT),
        dimensions=Dimensions(site=draw(DIMENSION), warehouse=draw(WAREHOUSE), color=draw(DIMENSION),
                              size=draw(DIMENSION), style=draw(DIMENSION), configuration=draw(DIMENSION)))
        for i in range(1, count + 1))
    return Receipt(receipt_number=draw(IDS), po_number=draw(IDS), received_on=draw(st.none() | DATES), lines=lines)


@ROUND_TRIP
@given(receipt=receipts(), issued=DATES, profile=st.sampled_from([PROFILE_4010, PROFILE_5010]))
def test_861_round_trip(receipt: Receipt, issued: date, profile: Profile) -> None:
    data = render("861", receipt_to_861(receipt, issued), profile)
    assert_clean(data)
    [tx] = transactions(data)
    assert receipts_from_861(tx) == [receipt]


def test_a_warehouse_code_too_short_for_n104_is_refused_not_written() -> None:
    receipt = Receipt(receipt_number="GR-79", po_number="PO-1", lines=(
        ReceiptLine(line_number="1", quantity=Decimal(1), uom="EA", dimensions=Dimensions(warehouse="7")),))
    with pytest.raises(MappingError, match="N104"):
        receipt_to_861(receipt, ISSUED)
