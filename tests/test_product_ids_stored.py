"""The lifecycle stores every product id of a line, and a receipt reaches the vendor in its own part numbers
(on SQLite and PostgreSQL, through the migrations)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from gateway import workspace
from gateway.canonical import (
    ChangeCode,
    LineChange,
    OnHandItem,
    OnHandSnapshot,
    ProductId,
    ResponseLine,
    ResponseStatus,
)
from gateway.history import po_history
from gateway.lifecycle.common import find_po, lines_of, row_to_line, version_row
from gateway.lifecycle.stock import receipt_for_vendor
from gateway.models import OnHandRow, ReceiptLineRow, ReceiptRow, ResponseLineRow
from mappers.x12.receipt861 import receipt_to_861
from tests.factories import CUSTOMER, VENDOR, answer, apply, change, confirmation, line, order, receipt

IDS = (ProductId(qualifier="IN", id="I-1"), ProductId(qualifier="BP", id="ITEM-1"),
       ProductId(qualifier="VN", id="V-1"), ProductId(qualifier="PL", id="0001"))


def stored_lines(engine, version: int):
    with Session(engine) as session:
        po = find_po(session, "PO-1", CUSTOMER, VENDOR)
        return {r.line_number: row_to_line(r) for r in lines_of(session, version_row(session, po, version))}


def test_every_id_of_a_line_is_stored_and_a_change_adds_the_ids_it_names(engine):
    apply(engine, order(lines=[line(1, product_ids=IDS, description="SMALL WIDGET"), line(2)]))
    assert stored_lines(engine, 1)["1"].product_ids == IDS
    apply(engine, change("PO-1", LineChange(line_number="1", change=ChangeCode.REPLACE,
                                            product_ids=(ProductId(qualifier="VN", id="V-2"),))))
    changed = stored_lines(engine, 2)["1"]
    assert changed.product_ids == (ProductId(qualifier="VN", id="V-2"), *IDS[:2], IDS[3])
    assert (changed.buyer_item, changed.vendor_item) == ("ITEM-1", "V-2")
    with Session(engine) as session:
        step = po_history(session, "PO-1", CUSTOMER, VENDOR)[1]
    [diff] = step.lines
    assert {f.field: (f.before, f.after) for f in diff.fields} == {
        "vendor_item": ("V-1", "V-2"),
        "product_ids": ("IN I-1, BP ITEM-1, VN V-1, PL 0001", "VN V-2, IN I-1, BP ITEM-1, PL 0001")}


def test_the_response_keeps_its_echo_and_the_receipt_takes_the_vendors_part_number_from_the_po(engine):
    apply(engine, order(lines=[line(1, product_ids=IDS, description="SMALL WIDGET"), line(2)]))
    echoed = ResponseLine(line_number="1", status="accept", product_ids=IDS, ordered_quantity=Decimal(10))
    apply(engine, answer(status=ResponseStatus.ACCEPT, lines=[echoed]))
    apply(engine, confirmation("PO-1"))
    apply(engine, receipt("PO-1", "R-1", l1=4))  # the customer names neither the vendor's item nor the text
    with Session(engine) as session:
        answered = session.exec(select(ResponseLineRow).where(ResponseLineRow.line_number == "1")).one()
        assert [ProductId.model_validate(p) for p in answered.product_ids] == list(IDS)
        received = session.exec(select(ReceiptLineRow).order_by(col(ReceiptLineRow.id))).one()
        assert (received.vendor_item, received.description) == ("V-1", "SMALL WIDGET")
        advice = receipt_for_vendor(session, session.exec(select(ReceiptRow)).one())
    body = receipt_to_861(advice, date(2026, 12, 3))
    # every id the customer ordered with, the vendor's VN among them (no VP needed)
    assert [s.elements for s in body if s.tag == "LIN"] == [("LIN", "", "IN", "I-1", "BP", "ITEM-1", "VN", "V-1",
                                                             "PL", "0001")]
    assert ("PID", "F", "", "", "", "SMALL WIDGET") in [s.elements for s in body if s.tag == "PID"]


def test_on_hand_stock_keeps_the_vendors_part_number(engine):
    ids = (ProductId(qualifier="BP", id="B-1"), ProductId(qualifier="VP", id="V-9"))
    apply(engine, OnHandSnapshot(warehouse="DC04", customer=CUSTOMER, vendor=VENDOR, items=(
        OnHandItem(item="B-1", quantity=Decimal(3), product_ids=ids),)))
    with Session(engine) as session:
        row = session.exec(select(OnHandRow)).one()
        assert (row.item, row.vendor_item) == ("B-1", "V-9")
        assert [ProductId.model_validate(p) for p in row.product_ids] == list(ids)
        [listed] = workspace.onhand(session, workspace.Filters(vendor=VENDOR)).items
    assert (listed.item, listed.vendor_item) == ("B-1", "V-9")  # the vendor's list shows its own number
