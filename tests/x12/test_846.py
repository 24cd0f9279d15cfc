"""846 Inventory Advice: vendor-owned on-hand stock, one full snapshot per customer warehouse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import Dimensions, OnHandItem, OnHandSnapshot, ProductId
from mappers.x12.onhand846 import OnHandOptions, snapshot_to_846, snapshots_from_846
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
    render,
    set_of,
    transactions,
)
from tests.x12.po_strategies import product_ids

BIA = "BIA*00*DD*INV-1*20261130"
ISSUED = date(2026, 12, 1)


def test_golden_846_reads_as_one_snapshot_per_warehouse() -> None:
    got = [("846", s) for tx in transactions(fixture_bytes("846_two_warehouses")) for s in snapshots_from_846(tx)]
    assert got == expected_documents("846_two_warehouses")


def test_golden_846_is_standard_x12() -> None:
    assert_clean(fixture_bytes("846_two_warehouses"))


def test_translate_gives_each_warehouse_its_own_document() -> None:
    found = list(translate(fixture_bytes("846_two_warehouses")))
    assert [f.error for f in found] == [None, None]
    assert [f.document for f in found] == [doc for _, doc in expected_documents("846_two_warehouses")]


def test_as_of_is_bia04_without_an_inventory_dtm_and_quantity_17_wins_over_33() -> None:
    [snapshot] = snapshots_from_846(set_of("846", BIA, "N1*WH*DC 4*92*DC04", "LIN**VP*V-1", "QTY*33*9*EA",
                                           "QTY*17*12*CA"))
    assert snapshot.as_of == date(2026, 11, 30)
    assert snapshot.items == (OnHandItem(item="V-1", vendor_item="V-1", quantity=Decimal(12), uom="CA",
                                         product_ids=(ProductId(qualifier="VP", id="V-1"),)),)


def test_an_846_without_lines_is_refused_both_ways() -> None:
    # LIN is mandatory (1..10000, Bots' 846004010): an empty warehouse is stated with zero quantities.
    with pytest.raises(MappingError, match="no inventory line"):
        snapshots_from_846(set_of("846", BIA, "N1*WH*DC 4*92*DC04"))
    with pytest.raises(MappingError, match="quantity 0"):
        snapshot_to_846(OnHandSnapshot(warehouse="DC04", as_of=ISSUED), ISSUED)


@pytest.mark.parametrize(("lines", "where"), [
    (["LIN**VP*V-1", "QTY*17*3*EA"], r"LIN \(segment 3\)"),  # no warehouse anywhere
    (["N1*WH**92*DC04", "LIN**VP*V-1"], r"LIN \(segment 4\)"),  # no quantity
    (["N1*WH**92*DC04", "LIN**VP*V-1", "QTY*17*-2*EA"], r"QTY02 \(segment 5\)"),  # negative stock
    (["LIN**VP*V-1", "SDQ*EA*92*DC04*3*DC07"], r"SDQ05 \(segment 4\)"),  # location without quantity
    (["N1*WH**92*DC04", "LIN**BO*RED", "QTY*17*3*EA"], r"LIN02 \(segment 4\)"),  # no item id
])
def test_inventory_lines_that_cannot_be_placed_are_refused_with_their_position(lines: list[str], where: str) -> None:
    with pytest.raises(MappingError, match=where):
        snapshots_from_846(set_of("846", BIA, *lines))


def test_written_846_is_a_full_snapshot_of_one_warehouse() -> None:
    snapshot = OnHandSnapshot(warehouse="DC04", as_of=date(2026, 11, 29), items=(
        OnHandItem(item="065322-117", quantity=Decimal(340), description="SMALL WIDGET"),
        OnHandItem(item="066850-116", quantity=Decimal("55.5"), uom="CA",
                   dimensions=Dimensions(site="SITE01", color="GRAPHITE", size="L"))))
    body = snapshot_to_846(snapshot, ISSUED, OnHandOptions(report_type="DD", quantity_qualifier="33"))
    assert [s.elements for s in body] == [
        ("BIA", "00", "DD", "DC04-20261129", "20261129"), ("N1", "WH", "", "92", "DC04"),
        ("LIN", "", "BP", "065322-117"), ("PID", "F", "", "", "", "SMALL WIDGET"), ("QTY", "33", "340", "EA"),
        ("LIN", "", "BP", "066850-116", "BO", "GRAPHITE", "IZ", "L"), ("REF", "ZZ", "SITE01", "SITE"),
        ("QTY", "33", "55.5", "CA"), ("CTT", "2")]
    data = render("846", body)
    assert_clean(data)
    assert snapshots_from_846(transactions(data)[0]) == [snapshot]


DIMENSION = st.none() | IDS


@st.composite
def snapshots(draw: st.DrawFn) -> OnHandSnapshot:
    items = draw(st.lists(st.builds(
        OnHandItem, item=IDS, quantity=st.just(Decimal(0)) | QTY, uom=st.sampled_from(["EA", "CA", "BX"]),
        description=st.none() | TEXT, vendor_item=DIMENSION, product_ids=product_ids(),
        dimensions=st.builds(Dimensions, site=DIMENSION, color=DIMENSION, size=DIMENSION, style=DIMENSION,
                             configuration=DIMENSION)), min_size=1, max_size=5))
    return OnHandSnapshot(warehouse=draw(IDS.filter(lambda s: len(s) >= 2)), as_of=draw(DATES), items=tuple(items))


@ROUND_TRIP
@given(snapshot=snapshots(), issued=DATES, profile=st.sampled_from([PROFILE_4010, PROFILE_5010]),
       options=st.builds(OnHandOptions, report_type=st.sampled_from(["LC", "DD", "SI"]),
                         quantity_qualifier=st.sampled_from(["17", "33"])))
def test_846_round_trip(snapshot: OnHandSnapshot, issued: date, profile: Profile, options: OnHandOptions) -> None:
    data = render("846", snapshot_to_846(snapshot, issued, options), profile)
    assert_clean(data)
    [tx] = transactions(data)
    assert snapshots_from_846(tx) == [snapshot]
