"""No identifier dropped: every product id pair a partner sends is kept, in order, and goes back out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import (
    Dimensions,
    LineStatus,
    OnHandItem,
    OnHandSnapshot,
    OrderLine,
    ProductId,
    Receipt,
    ReceiptLine,
    ResponseLine,
    ResponseStatus,
    VendorResponse,
)
from mappers.x12.ack855 import response_from_855, response_to_855
from mappers.x12.onhand846 import snapshot_to_846, snapshots_from_846
from mappers.x12.po850 import read_850, write_850
from mappers.x12.receipt861 import receipt_to_861, receipts_from_861
from mappers.x12.segments import MappingError
from tests.x12.helpers import assert_clean, elements, po, render, set_of, transactions
from tests.x12.po_strategies import product_ids


def pid(qualifier: str, value: str) -> ProductId:
    return ProductId(qualifier=qualifier, id=value)


BEG = "BEG*00*SA*PO-1**20261201"


def test_a_po1_with_two_buyer_ids_keeps_both_in_order_and_the_855_echoes_them() -> None:
    order = read_850(set_of("850", BEG, "PO1*1*10*EA*2.5**IN*ITEM-9*BP*PART-4*VN*V-77*PL*0001", "CTT*1"))
    [line] = order.lines
    assert line.product_ids == (pid("IN", "ITEM-9"), pid("BP", "PART-4"), pid("VN", "V-77"), pid("PL", "0001"))
    assert (line.buyer_item, line.vendor_item) == ("PART-4", "V-77")  # BP is read before IN
    response = VendorResponse(po_number="PO-1", status=ResponseStatus.ACCEPT, response_date=date(2026, 12, 2),
                              lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),))
    body = response_to_855(response, order)
    assert elements(body, "PO1") == [("PO1", "1", "10", "EA", "2.5", "", "IN", "ITEM-9", "BP", "PART-4", "VN",
                                      "V-77", "PL", "0001")]
    data = render("855", body)
    assert_clean(data)
    [back] = response_from_855(transactions(data)[0]).lines
    assert back.product_ids == line.product_ids


def test_an_id_field_without_a_pair_adds_one_and_an_edited_field_replaces_its_pair() -> None:
    given_fields = OrderLine(line_number="1", quantity=Decimal(1), buyer_item="B-1", upc="012345678905")
    assert given_fields.product_ids == (pid("BP", "B-1"), pid("UP", "012345678905"))
    from_pairs = OrderLine(line_number="1", quantity=Decimal(1), product_ids=(pid("IN", "I-1"), pid("VN", "V-1")))
    assert (from_pairs.buyer_item, from_pairs.vendor_item) == ("I-1", "V-1")
    # A buyer item the pairs do not say (an API edit): the BP pair takes it, the IN pair stays as sent.
    edited = OrderLine(line_number="1", quantity=Decimal(1), buyer_item="B-2",
                       product_ids=(pid("IN", "I-1"), pid("BP", "B-1")))
    assert edited.product_ids == (pid("IN", "I-1"), pid("BP", "B-2"))
    dims = OrderLine(line_number="1", quantity=Decimal(1), dimensions=Dimensions(color="RED"),
                     product_ids=(pid("IZ", "XL"),))
    assert dims.dimensions == Dimensions(color="RED", size="XL")
    assert dims.product_ids == (pid("IZ", "XL"), pid("BO", "RED"))


@given(ids=product_ids(max_size=6), buyer=st.none() | st.sampled_from(["B-1", "B-2"]),
       vendor=st.none() | st.sampled_from(["V-1", "V-2"]))
def test_a_line_reads_back_as_itself(ids: tuple[ProductId, ...], buyer: str | None, vendor: str | None) -> None:
    """Agreement is reached once: what a line holds validates to the same line (JSON, XML, the database)."""
    line = OrderLine(line_number="1", quantity=Decimal(1), product_ids=ids, buyer_item=buyer, vendor_item=vendor)
    assert OrderLine.model_validate(line.model_dump()) == line
    assert [p for p in ids if p.qualifier not in ("BP", "VP")] == \
        [p for p in line.product_ids if p.qualifier not in ("BP", "VP")]  # nothing else is touched


def test_an_item_read_from_a_pair_another_field_rewrites_gets_its_own_pair() -> None:
    """The 846's item reads any party's number: here VP 00, which vendor_item 0 then rewrites; the item keeps
    its number in its own pair (BP) instead of being left without one (found by test_846_round_trip)."""
    item = OnHandItem(item="00", vendor_item="0", quantity=Decimal(0), product_ids=(pid("VP", "00"),))
    assert item.product_ids == (pid("VP", "0"), pid("BP", "00"))
    assert OnHandItem.model_validate(item.model_dump()) == item


@given(ids=product_ids(max_size=4), item=st.sampled_from(["0", "00", "1"]),
       vendor=st.none() | st.sampled_from(["0", "00", "1"]))
def test_every_id_field_reads_back_from_the_pairs(ids: tuple[ProductId, ...], item: str, vendor: str | None) -> None:
    held = OnHandItem(item=item, vendor_item=vendor, quantity=Decimal(0), product_ids=ids)
    assert OnHandItem.model_validate(held.model_dump()) == held
    line = OrderLine(line_number="1", quantity=Decimal(1), buyer_item=vendor, vendor_item=item, upc=vendor,
                     product_ids=ids)
    assert OrderLine.model_validate(line.model_dump()) == line


def test_the_861_for_the_vendor_carries_its_part_number_and_description() -> None:
    receipt = Receipt(receipt_number="R-1", po_number="PO-1", received_on=date(2026, 12, 3), lines=(
        ReceiptLine(line_number="1", quantity=Decimal(4), uom="EA", item="B-1", vendor_item="V-1",
                    description="SMALL WIDGET", product_ids=(pid("BP", "B-1"), pid("IN", "I-1"))),))
    body = receipt_to_861(receipt, date(2026, 12, 3))
    assert elements(body, "LIN") == [("LIN", "", "BP", "B-1", "IN", "I-1", "VP", "V-1")]
    assert ("PID", "F", "", "", "", "SMALL WIDGET") in elements(body, "PID")
    data = render("861", body)
    assert_clean(data)
    assert receipts_from_861(transactions(data)[0]) == [receipt]


def test_the_846_keeps_the_vendors_part_number_beside_the_customers_item() -> None:
    [snapshot] = snapshots_from_846(set_of("846", "BIA*00*LC*DC04-1*20261130", "N1*WH*DC 4*92*DC04",
                                           "LIN**BP*B-1*VN*V-1*UP*012345678905", "PID*F****SMALL WIDGET",
                                           "QTY*17*12*EA"))
    [item] = snapshot.items
    assert (item.item, item.vendor_item, item.description) == ("B-1", "V-1", "SMALL WIDGET")
    assert [p.qualifier for p in item.product_ids] == ["BP", "VN", "UP"]
    data = render("846", snapshot_to_846(snapshot, date(2026, 11, 30)))
    assert_clean(data)
    assert snapshots_from_846(transactions(data)[0]) == [snapshot]


def test_more_ids_than_the_segment_holds_are_refused_naming_the_line() -> None:
    many = tuple(pid(q, f"X{i}") for i, q in enumerate(["BP", "IN", "PI", "CB", "SK", "VP", "VN", "VC", "MG",
                                                         "UP", "EN"]))
    order = po(OrderLine(line_number="7", quantity=Decimal(1), product_ids=many))
    with pytest.raises(MappingError, match="line 7 carries 11 product ids"):
        write_850(order, today=date(2026, 12, 1))
    item = OnHandItem(item="B-1", quantity=Decimal(1), product_ids=many)  # LIN holds 15 pairs
    assert snapshot_to_846(OnHandSnapshot(warehouse="DC04", items=(item,)), issued=date(2026, 12, 1))
