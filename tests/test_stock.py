"""Receipts, consignment ownership transfers and on-hand snapshots (DESIGN section 2), on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from gateway import workspace
from gateway.canonical import Dimensions, OnHandItem, OnHandSnapshot, OrderKind, ResponseStatus
from gateway.errors import BusinessError, UnknownPO
from gateway.workspace import Filters, PoList
from tests.factories import (
    CUSTOMER,
    VENDOR,
    answer,
    apply,
    cancellation,
    confirmation,
    line,
    listed,
    order,
    receipt,
    split,
)


def confirmed_po(engine, number="PO-1", lines=None, response=None):
    apply(engine, order(number, lines or [line(1, 10), line(2, 4)]))
    apply(engine, response or answer(number))
    apply(engine, confirmation(number))


def test_po_leaves_open_confirmed_once_every_line_received_its_confirmed_quantity(engine):
    confirmed_po(engine)
    apply(engine, receipt("PO-1", "R-1", l1=6))
    apply(engine, receipt("PO-1", "R-2", l1=4, l2=3))
    assert listed(engine, PoList.OPEN_CONFIRMED) == ["PO-1"]
    apply(engine, receipt("PO-1", "R-3", l2=1))
    assert listed(engine, PoList.OPEN_CONFIRMED) == []
    assert listed(engine, PoList.ALL_CONFIRMED) == ["PO-1"]


def test_receipts_count_against_the_vendors_confirmed_quantity(engine):
    confirmed_po(engine, response=answer(status=ResponseStatus.ACCEPT_WITH_CHANGES,
                                         lines=[split(1, (7, date(2027, 1, 5)))]))
    apply(engine, receipt("PO-1", "R-1", l1=7, l2=4))
    assert listed(engine, PoList.OPEN_CONFIRMED) == []  # 7 of the 7 confirmed, not of the 10 ordered


def test_receipt_for_unknown_po_is_refused_and_can_be_replayed(engine):
    with pytest.raises(UnknownPO, match="PO PO-9 of customer contoso is not known"):
        apply(engine, receipt("PO-9", "R-1", l1=1))
    confirmed_po(engine, "PO-9")
    apply(engine, receipt("PO-9", "R-1", l1=1))  # the same document, replayed once the PO exists


def test_bad_receipts_are_refused_whole(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="not confirmed"):
        apply(engine, receipt("PO-1", "R-1", l1=1))
    apply(engine, answer())
    apply(engine, confirmation())
    with pytest.raises(BusinessError, match="line 5: no such line"):
        apply(engine, receipt("PO-1", "R-1", l1=10, l5=1))
    with pytest.raises(BusinessError, match="must be greater than zero"):
        apply(engine, receipt("PO-1", "R-1", l1=-1))
    apply(engine, receipt("PO-1", "R-1", l1=10))
    with pytest.raises(BusinessError, match="already recorded"):
        apply(engine, receipt("PO-1", "R-1", l2=10))
    apply(engine, receipt("PO-1", "R-2", l2=10))
    assert listed(engine, PoList.OPEN_CONFIRMED) == []  # the refused line-1 receipt added nothing
    apply(engine, cancellation("PO-1"))
    with pytest.raises(BusinessError, match="cancelled"):
        apply(engine, receipt("PO-1", "R-3", l1=1))


def test_consignment_po_is_only_in_the_consignment_list(engine):
    apply(engine, order("CN-1", kind=OrderKind.CONSIGNMENT))
    confirmed_po(engine, "PO-1")
    for which in (PoList.FOR_REVIEW, PoList.AWAITING_CUSTOMER, PoList.OPEN_CONFIRMED, PoList.ALL_CONFIRMED):
        assert "CN-1" not in listed(engine, which)
    assert listed(engine, PoList.CONSIGNMENT) == ["CN-1"]


def test_consignment_receipts_are_listed_as_products_received(engine):
    apply(engine, order("CN-1", [line(1, 10, dimensions=Dimensions(site="1", warehouse="11", color="Red"))],
                        kind=OrderKind.CONSIGNMENT))
    confirmed_po(engine, "PO-1")
    apply(engine, receipt("CN-1", "T-1", l1=10))
    apply(engine, receipt("PO-1", "R-1", l1=2))  # a regular receipt is not an ownership transfer
    with Session(engine) as session:
        page = workspace.consignment_receipts(session, Filters(vendor=VENDOR))
        hidden = workspace.consignment_receipts(session, Filters(vendor=VENDOR), dimensions=False)
    assert [(r.po_number, r.receipt_number, r.quantity) for r in page.items] == [("CN-1", "T-1", Decimal(10))]
    assert page.items[0].item == "ITEM-1"
    assert hidden.items[0].dimensions is None


def snapshot(warehouse, as_of, **items):
    return OnHandSnapshot(warehouse=warehouse, customer=CUSTOMER, vendor=VENDOR, as_of=as_of,
                          items=tuple(OnHandItem(item=k, quantity=Decimal(v), dimensions=Dimensions(color="Red"))
                                      for k, v in items.items()))


def onhand(engine, **kw):
    with Session(engine) as session:
        return [(r.warehouse, r.item, r.quantity) for r in workspace.onhand(session, Filters(vendor=VENDOR),
                                                                            **kw).items]


def test_onhand_snapshot_replaces_the_previous_one_per_warehouse(engine):
    apply(engine, snapshot("WH-1", date(2026, 11, 1), A=5, B=7))
    apply(engine, snapshot("WH-2", date(2026, 11, 1), A=1))
    apply(engine, snapshot("WH-1", date(2026, 11, 2), B=3))
    assert onhand(engine) == [("WH-1", "B", Decimal(3)), ("WH-2", "A", Decimal(1))]
    assert onhand(engine, warehouse="WH-2") == [("WH-2", "A", Decimal(1))]


def test_older_onhand_snapshot_is_refused(engine):
    apply(engine, snapshot("WH-1", date(2026, 11, 2), A=5))
    with pytest.raises(BusinessError, match="older than the snapshot already held"):
        apply(engine, snapshot("WH-1", date(2026, 11, 1), A=9))
    assert onhand(engine) == [("WH-1", "A", Decimal(5))]


def test_onhand_for_vendor_not_trading_with_customer_is_refused(engine):
    bad = OnHandSnapshot(warehouse="WH-1", customer=CUSTOMER, vendor="ghost", items=())
    with pytest.raises(BusinessError, match="ghost is not a vendor"):
        apply(engine, bad)
