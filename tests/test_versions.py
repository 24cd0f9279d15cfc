"""Versions of a PO (DESIGN section 2, 'Versions'), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from gateway.canonical import (
    ChangeCode,
    Charge,
    Dimensions,
    LineChange,
    Note,
    OrderKind,
    ProductId,
    VersionPurpose,
)
from gateway.errors import BusinessError
from gateway.lifecycle.common import find_po, lines_of, version_row
from gateway.models import PoEvent, PoState
from gateway.workspace import PoList
from tests.factories import (
    CUSTOMER,
    answer,
    apply,
    cancellation,
    change,
    line,
    listed,
    order,
    qty,
)


def lines_of_version(engine, number, version):
    with Session(engine) as session:
        po = find_po(session, number, CUSTOMER, None, lock=False)
        return {r.line_number: r for r in lines_of(session, version_row(session, po, version))}


def state_of(engine, number="PO-1"):
    with Session(engine) as session:
        return find_po(session, number, CUSTOMER, None, lock=False)


def test_original_creates_version_1_for_review(engine):
    apply(engine, order("PO-1"))
    po = state_of(engine)
    assert (po.latest_version, po.state) == (1, PoState.FOR_REVIEW)
    assert listed(engine, PoList.FOR_REVIEW) == ["PO-1"]


def test_change_applies_poc_deltas_to_previous_version(engine):
    apply(engine, order("PO-1", [line(1, 10), line(2, 5), line(3, 7)]))
    apply(engine, change("PO-1", qty(1, 12),
                         LineChange(line_number="2", change=ChangeCode.DELETE),
                         LineChange(line_number="4", change=ChangeCode.ADD, quantity=Decimal(3),
                                    unit_price=Decimal("9.99"), buyer_item="NEW"),
                         LineChange(line_number="3", change=ChangeCode.PRICE, unit_price=Decimal("3.10")),
                         sequence="1"))
    v2 = lines_of_version(engine, "PO-1", 2)
    assert sorted(v2) == ["1", "3", "4"]
    assert v2["1"].quantity == Decimal(12) and v2["1"].unit_price == Decimal("2.50")
    assert v2["3"].unit_price == Decimal("3.10") and v2["3"].quantity == Decimal(7)
    assert v2["4"].buyer_item == "NEW"
    # version 1 is untouched
    assert lines_of_version(engine, "PO-1", 1)["1"].quantity == Decimal(10)


def test_a_change_copies_the_lines_it_leaves_alone_as_they_were(engine):
    ids = (ProductId(qualifier="BP", id="ITEM-2"), ProductId(qualifier="UP", id="012345678905"))
    kept = line(2, 5, product_ids=ids,
                notes=(Note(text="fragile"),), charges=(Charge(code="D240", amount=Decimal("1.50")),),
                dimensions=Dimensions(site="1", warehouse="11", color="Red"))
    apply(engine, order("PO-1", [line(1, 10), kept]))
    apply(engine, change("PO-1", qty(1, 12), sequence="1"))
    v1, v2 = lines_of_version(engine, "PO-1", 1), lines_of_version(engine, "PO-1", 2)
    assert v2["1"].quantity == Decimal(12)
    columns = [c for c in v1["2"]._fields if c not in ("id", "version_id")]
    assert [getattr(v2["2"], c) for c in columns] == [getattr(v1["2"], c) for c in columns]
    assert v2["2"].notes == [{"text": "fragile"}] and len(v2["2"].product_ids) == 3  # the color is an id too


def test_replace_restates_the_po_and_omitted_lines_are_gone(engine):
    apply(engine, order("PO-1", [line(1), line(2)]))
    apply(engine, order("PO-1", [line(2, 4)], purpose=VersionPurpose.REPLACE))
    v2 = lines_of_version(engine, "PO-1", 2)
    assert list(v2) == ["2"] and v2["2"].quantity == Decimal(4)
    assert state_of(engine).latest_version == 2


def test_unanswered_version_is_replaced_in_review_list(engine):
    apply(engine, order("PO-1"))
    apply(engine, change("PO-1", qty(1, 20)))
    assert listed(engine, PoList.FOR_REVIEW) == ["PO-1"]
    po = state_of(engine)
    assert po.latest_version == 2
    with Session(engine) as session:
        details = [e.detail for e in session.exec(select(PoEvent).where(PoEvent.kind == "version"))]
    assert any("version 1 was never answered and is superseded" in d for d in details)


def test_new_version_after_rejection_goes_back_to_review(engine):
    apply(engine, order("PO-1"))
    apply(engine, answer(status="reject"))
    assert listed(engine, PoList.AWAITING_CUSTOMER) == ["PO-1"]
    apply(engine, change("PO-1", qty(1, 8)))
    assert listed(engine, PoList.FOR_REVIEW) == ["PO-1"]
    assert listed(engine, PoList.AWAITING_CUSTOMER) == []


def test_out_of_order_change_sequence_is_refused(engine):
    apply(engine, order("PO-1"))
    apply(engine, change("PO-1", qty(1, 11), sequence="5"))
    with pytest.raises(BusinessError, match="change sequence 4 is not higher than the last one received \\(5\\)"):
        apply(engine, change("PO-1", qty(1, 12), sequence="4"))
    with pytest.raises(BusinessError, match="out of order"):
        apply(engine, change("PO-1", qty(1, 12), sequence="5"))
    apply(engine, change("PO-1", qty(1, 13), sequence="10"))  # numeric order: 10 > 5
    assert state_of(engine).latest_version == 3


def test_change_to_unknown_po_is_refused(engine):
    with pytest.raises(BusinessError, match="PO NOPE of customer contoso is not known"):
        apply(engine, change("NOPE", qty(1, 2)))


def test_change_to_unknown_line_is_refused_and_nothing_is_written(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="line 9: no such line") as caught:
        apply(engine, change("PO-1", qty(1, 99), qty(9, 1)))
    assert caught.value.code == "unknown_line"
    assert state_of(engine).latest_version == 1
    assert lines_of_version(engine, "PO-1", 1)["1"].quantity == Decimal(10)
    with Session(engine) as session:
        refused = [e.detail for e in session.exec(select(PoEvent).where(PoEvent.kind == "refused"))]
    assert refused and "unknown_line" in refused[0]


@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_zero_or_negative_quantity_is_refused(engine, quantity):
    with pytest.raises(BusinessError, match=f"quantity {quantity} must be greater than zero"):
        apply(engine, order("PO-1", [line(1, quantity)]))
    apply(engine, order("PO-2"))
    with pytest.raises(BusinessError, match="greater than zero"):
        apply(engine, change("PO-2", qty(1, quantity)))
    assert listed(engine, PoList.FOR_REVIEW) == ["PO-2"]


def test_duplicate_original_is_refused(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="already exists"):
        apply(engine, order("PO-1"))


def test_po_for_a_vendor_not_trading_with_the_customer_is_refused(engine):
    with pytest.raises(BusinessError, match="is not a vendor known"):
        apply(engine, order("PO-1", vendor="contoso"))
    with pytest.raises(BusinessError, match="is not a vendor known"):
        apply(engine, order("PO-1", vendor="nobody"))


def test_cancel_takes_the_po_out_of_every_list(engine):
    apply(engine, order("PO-1"))
    apply(engine, cancellation("PO-1"))
    for which in PoList:
        assert listed(engine, which) == []
    assert state_of(engine).state == PoState.CANCELLED
    with pytest.raises(BusinessError, match="cancelled"):
        apply(engine, change("PO-1", qty(1, 3)))
    with pytest.raises(BusinessError, match="cancelled"):
        apply(engine, cancellation("PO-1"))


def test_consignment_po_is_confirmed_from_birth_and_takes_no_versions(engine):
    apply(engine, order("CN-1", kind=OrderKind.CONSIGNMENT))
    po = state_of(engine, "CN-1")
    assert (po.state, po.confirmed_version) == (PoState.CONFIRMED, 1)
    with pytest.raises(BusinessError, match="consignment PO, confirmed from birth"):
        apply(engine, change("CN-1", qty(1, 3)))
