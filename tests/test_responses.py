"""The vendor's response and the customer's confirmation (DESIGN section 2), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from gateway.canonical import Charge, LineStatus, ResponseLine, ResponseStatus
from gateway.errors import BusinessError
from gateway.lifecycle.common import find_po
from gateway.lifecycle.confirmations import confirmed_lines, current_confirmation
from gateway.models import PoState
from gateway.workspace import PoList
from tests.factories import (
    CUSTOMER,
    answer,
    apply,
    cancellation,
    change,
    confirmation,
    line,
    listed,
    order,
    qty,
    reject_line,
    split,
    substitute,
)

JAN5, JAN20, FEB1 = date(2027, 1, 5), date(2027, 1, 20), date(2027, 2, 1)
AWC = ResponseStatus.ACCEPT_WITH_CHANGES


def confirmed(engine, number="PO-1"):
    with Session(engine) as session:
        po = find_po(session, number, CUSTOMER, None, lock=False)
        conf = current_confirmation(session, po)
        return po, {cl.line_number: cl for cl in confirmed_lines(session, conf)} if conf else {}


def test_accept_moves_po_to_awaiting_customer_until_confirmed(engine):
    apply(engine, order("PO-1"))
    apply(engine, answer())
    assert listed(engine, PoList.FOR_REVIEW) == []
    assert listed(engine, PoList.AWAITING_CUSTOMER) == ["PO-1"]
    apply(engine, confirmation())
    assert listed(engine, PoList.AWAITING_CUSTOMER) == []
    assert listed(engine, PoList.OPEN_CONFIRMED) == ["PO-1"]
    po, lines = confirmed(engine)
    assert lines["1"].quantity == Decimal(10) and lines["1"].delivery_date == date(2026, 12, 1)
    assert po.latest_version == 1  # confirmation never creates a version


def test_split_confirms_schedule_lines_whose_sum_is_the_confirmed_quantity(engine):
    apply(engine, order("PO-1", [line(1, 10), line(2, 4)]))
    apply(engine, answer(status=AWC, lines=[split(1, (6, JAN5), (4, JAN20))]))
    apply(engine, confirmation())
    _, lines = confirmed(engine)
    assert lines["1"].quantity == Decimal(10)
    assert [(s["quantity"], s["delivery_date"]) for s in lines["1"].schedule] == [("6", "2027-01-05"),
                                                                                  ("4", "2027-01-20")]
    assert lines["2"].quantity == Decimal(4)  # an unmentioned line is accepted as ordered


def test_confirming_changes_carries_vendor_quantities_dates_and_substitutes(engine):
    apply(engine, order("PO-1", [line(1, 10), line(2, 4), line(3, 7)]))
    apply(engine, answer(status=AWC, lines=[split(1, (8, FEB1)), substitute(2, "EXT-77", "Blue widget, metric"),
                                            reject_line(3)]))
    apply(engine, confirmation())
    po, lines = confirmed(engine)
    assert lines["1"].quantity == Decimal(8) and lines["1"].delivery_date == FEB1
    assert (lines["2"].item, lines["2"].description, lines["2"].substituted) == ("EXT-77", "Blue widget, metric",
                                                                                 True)
    assert lines["2"].quantity == Decimal(4)
    assert lines["3"].quantity == Decimal(0)
    assert po.state == PoState.CONFIRMED


def test_update_delivery_date_sets_every_line_and_is_a_change(engine):
    apply(engine, order("PO-1", [line(1, 10), line(2, 4)]))
    with pytest.raises(BusinessError, match="updating the delivery date is a change"):
        apply(engine, answer(update_delivery_date=FEB1))
    apply(engine, answer(status=AWC, update_delivery_date=FEB1, lines=[split(2, (4, JAN5))]))
    apply(engine, confirmation())
    _, lines = confirmed(engine)
    assert lines["1"].delivery_date == FEB1
    assert lines["2"].delivery_date == JAN5  # a delivery with its own date keeps it


def test_price_change_is_refused_naming_line_and_field(engine):
    apply(engine, order("PO-1", [line(1, 10, "2.50")]))
    bad = ResponseLine(line_number="1", status=LineStatus.ACCEPT, unit_price=Decimal("2.75"))
    with pytest.raises(BusinessError, match="PO PO-1 line 1: unit price 2.75 differs from the PO's 2.5") as caught:
        apply(engine, answer(lines=[bad]))
    assert caught.value.code == "price_change"
    assert listed(engine, PoList.FOR_REVIEW) == ["PO-1"]  # the version stays unanswered
    same = ResponseLine(line_number="1", status=LineStatus.ACCEPT, unit_price=Decimal("2.500"))
    apply(engine, answer(lines=[same]))  # echoing the price is fine
    assert listed(engine, PoList.AWAITING_CUSTOMER) == ["PO-1"]


def test_charge_change_is_refused(engine):
    freight = Charge(code="D240", amount=Decimal("15.00"))
    apply(engine, order("PO-1", [line(1, 10, charges=(freight,))]))
    changed = ResponseLine(line_number="1", status=LineStatus.ACCEPT,
                           charges=(Charge(code="D240", amount=Decimal("25.00")),))
    with pytest.raises(BusinessError, match="line 1: charges differ"):
        apply(engine, answer(lines=[changed]))
    with pytest.raises(BusinessError, match="header charges differ"):
        apply(engine, answer(charges=(freight,)))


def test_response_to_older_version_is_refused_as_stale_naming_both(engine):
    apply(engine, order("PO-1"))
    apply(engine, change("PO-1", qty(1, 12)))
    with pytest.raises(BusinessError, match="answers version 1, but the latest version is 2") as caught:
        apply(engine, answer(version=1))
    assert caught.value.code == "stale_version"
    apply(engine, answer(version=2))


def test_response_to_version_that_does_not_exist_is_refused(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="has no version 3"):
        apply(engine, answer(version=3))


def test_second_response_to_an_answered_version_is_refused(engine):
    apply(engine, order("PO-1"))
    apply(engine, answer(status="reject"))
    with pytest.raises(BusinessError, match="already answered"):
        apply(engine, answer())


def test_response_to_unknown_line_or_cancelled_po_is_refused(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="line 7: no such line in version 1"):
        apply(engine, answer(status=AWC, lines=[split(7, (1, JAN5))]))
    apply(engine, cancellation("PO-1"))
    with pytest.raises(BusinessError, match="cancelled"):
        apply(engine, answer())


def test_inconsistent_responses_are_refused(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="an accept cannot change lines"):
        apply(engine, answer(lines=[split(1, (3, JAN5))]))
    with pytest.raises(BusinessError, match="a reject cannot accept lines"):
        apply(engine, answer(status="reject", lines=[ResponseLine(line_number="1", status=LineStatus.ACCEPT)]))
    with pytest.raises(BusinessError, match="schedule quantity 0 must be greater than zero"):
        apply(engine, answer(status=AWC, lines=[split(1, (0, JAN5))]))


def test_confirming_a_rejected_version_is_refused(engine):
    apply(engine, order("PO-1"))
    apply(engine, answer(status="reject"))
    with pytest.raises(BusinessError, match="was rejected by the vendor; send a new version") as caught:
        apply(engine, confirmation())
    assert caught.value.code == "cannot_confirm"


def test_confirming_an_unanswered_version_is_refused(engine):
    apply(engine, order("PO-1"))
    with pytest.raises(BusinessError, match="has no vendor response yet"):
        apply(engine, confirmation())
    apply(engine, answer())
    apply(engine, change("PO-1", qty(1, 4)))
    with pytest.raises(BusinessError, match="names version 1, but the latest version is 2"):
        apply(engine, confirmation(version=1))


def test_confirming_twice_is_refused(engine):
    apply(engine, order("PO-1"))
    apply(engine, answer())
    apply(engine, confirmation())
    with pytest.raises(BusinessError, match="already confirmed"):
        apply(engine, confirmation())


def test_consignment_po_takes_no_response(engine):
    from gateway.canonical import OrderKind

    apply(engine, order("CN-1", kind=OrderKind.CONSIGNMENT))
    with pytest.raises(BusinessError, match="consignment PO"):
        apply(engine, answer("CN-1"))
