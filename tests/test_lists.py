"""The workspace lists and the confirmation history (DESIGN section 2, 'The lists'), on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from gateway import workspace
from gateway.canonical import ResponseStatus
from gateway.history import po_history
from gateway.workspace import Filters, PoList
from tests.factories import (
    CUSTOMER,
    OTHER_VENDOR,
    VENDOR,
    answer,
    apply,
    change,
    confirmation,
    line,
    listed,
    order,
    qty,
    split,
    substitute,
)


def test_lists_filter_by_vendor_and_customer(engine):
    apply(engine, order("PO-F"))
    apply(engine, order("PO-N", vendor=OTHER_VENDOR))
    assert listed(engine, PoList.FOR_REVIEW, vendor=VENDOR) == ["PO-F"]
    assert listed(engine, PoList.FOR_REVIEW, vendor=OTHER_VENDOR) == ["PO-N"]
    with Session(engine) as session:
        mine = workspace.po_list(session, PoList.FOR_REVIEW, Filters(customer=CUSTOMER))
        nobody = workspace.po_list(session, PoList.FOR_REVIEW, Filters(customer="someone-else"))
    assert sorted(p.po_number for p in mine.items) == ["PO-F", "PO-N"]
    assert nobody.items == []


def test_lists_page_newest_first(engine):
    for n in range(7):
        apply(engine, order(f"PO-{n}"))
    with Session(engine) as session:
        first = workspace.po_list(session, PoList.FOR_REVIEW, Filters(size=3, page=1))
        third = workspace.po_list(session, PoList.FOR_REVIEW, Filters(size=3, page=3))
    assert [p.po_number for p in first.items] == ["PO-6", "PO-5", "PO-4"] and first.has_more
    assert [p.po_number for p in third.items] == ["PO-0"] and not third.has_more


def test_awaiting_customer_shows_the_vendors_answer(engine):
    apply(engine, order("PO-A"))
    apply(engine, order("PO-R"))
    apply(engine, answer("PO-A"))
    apply(engine, answer("PO-R", status=ResponseStatus.REJECT))
    with Session(engine) as session:
        page = workspace.po_list(session, PoList.AWAITING_CUSTOMER, Filters())
    assert {p.po_number: p.response for p in page.items} == {"PO-A": "accept", "PO-R": "reject"}


def test_confirmation_history_lists_every_version_and_response_in_order(engine):
    apply(engine, order("PO-1"))
    apply(engine, change("PO-1", qty(1, 20)))
    apply(engine, answer("PO-1", version=2))
    apply(engine, confirmation("PO-1", version=2))
    apply(engine, order("PO-X", vendor=OTHER_VENDOR))
    with Session(engine) as session:
        page = workspace.confirmation_history(session, Filters(vendor=VENDOR))
    assert [(e.kind, e.version) for e in reversed(page.items)] == [
        ("version", 1), ("version", 2), ("response", 2), ("confirmed", 2)]


def test_history_shows_line_differences_between_versions_and_responses(engine):
    apply(engine, order("PO-1", [line(1, 10, "2.50"), line(2, 4), line(3, 1)]))
    from gateway.canonical import ChangeCode, LineChange

    apply(engine, change("PO-1", qty(1, 12),
                         LineChange(line_number="3", change=ChangeCode.DELETE),
                         LineChange(line_number="2", change=ChangeCode.PRICE, unit_price=Decimal("3")),
                         LineChange(line_number="4", change=ChangeCode.ADD, quantity=Decimal(2))))
    apply(engine, answer("PO-1", version=2, status=ResponseStatus.ACCEPT_WITH_CHANGES,
                         lines=[split(1, (6, date(2027, 1, 5)), (5, date(2027, 1, 9))),
                                substitute(2, "EXT-2", "Other widget")]))
    with Session(engine) as session:
        steps = po_history(session, "PO-1", CUSTOMER)
    assert [(s.kind, s.version) for s in steps] == [("version", 1), ("version", 2), ("response", 2)]
    v2 = {d.line_number: d for d in steps[1].lines}
    assert v2["3"].change == "removed" and v2["4"].change == "added"
    assert [(f.field, f.before, f.after) for f in v2["1"].fields] == [("quantity", "10", "12")]
    assert [(f.field, f.before, f.after) for f in v2["2"].fields] == [("unit_price", "2.5", "3")]
    response = {d.line_number: d for d in steps[2].lines}
    assert response["1"].change == "scheduled"
    assert ("quantity", "12", "11") in [(f.field, f.before, f.after) for f in response["1"].fields]
    assert ("schedule", "1 delivery", "2 deliveries") in [(f.field, f.before, f.after) for f in response["1"].fields]
    assert response["2"].change == "substituted"
    assert response["4"].change == "accepted"


def test_dimensions_can_be_hidden_in_onhand(engine):
    from gateway.canonical import Dimensions, OnHandItem, OnHandSnapshot

    apply(engine, OnHandSnapshot(warehouse="WH", customer=CUSTOMER, vendor=VENDOR, items=(
        OnHandItem(item="A", quantity=Decimal(1), dimensions=Dimensions(site="S1", size="XL")),)))
    with Session(engine) as session:
        shown = workspace.onhand(session, Filters()).items[0]
        hidden = workspace.onhand(session, Filters(), dimensions=False).items[0]
    assert shown.dimensions == {"site": "S1", "warehouse": "WH", "color": None, "size": "XL", "style": None,
                                "configuration": None}
    assert hidden.dimensions is None
