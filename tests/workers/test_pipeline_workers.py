"""The seed end to end through real processes and folders: contoso (a 4010 customer) and northwind (a 5010
`|`-delimited vendor taking later versions as 850 replaces) drop X12 files into their folders; workers poll,
process and deliver; the test reads what reached the other party's folder and the workspace lists. Once with
Redis, PostgreSQL and `gateway worker` + `gateway scheduler`; once embedded (filesystem broker, SQLite) with
`gateway run`."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path

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
from mappers.x12.translate import Document
from tests.factories import line, listed, order, split
from tests.hub import sent_by
from tests.test_pipeline_scenario import first_set
from tests.workers.pipeline_gateway import ROOT, PipelineGateway
from tests.x12.helpers import assert_clean

pytestmark = pytest.mark.slow
PO = "E2E-1"


class Partners:
    """The two partners of the seed, sending through their folders and reading what the gateway sends them."""

    def __init__(self, gateway: PipelineGateway) -> None:
        self.gateway = gateway
        self.isa13 = count(500)
        self.seen: dict[str, set[Path]] = {"contoso": set(), "northwind": set()}

    def send(self, sender: str, receiver: str, set_id: str, doc: Document, **request: object) -> bytes:
        """Drop the interchange; return the one document the receiver gets, once the sender has its ack."""
        isa13 = next(self.isa13)
        self.gateway.drop(sender, f"{set_id}-{isa13}.edi", sent_by(sender, receiver, set_id, doc, isa13, **request))
        ack = self.arrived(sender, f"the {set_id}'s acknowledgment in {sender}'s folder")
        document = self.arrived(receiver, f"the {set_id} routed to {receiver}'s folder")
        assert_clean(ack)
        assert_clean(document)
        return document

    def arrived(self, partner: str, what: str) -> bytes:
        def new() -> list[Path]:
            return [p for p in self.gateway.delivered(partner) if p not in self.seen[partner]]

        [path] = self.gateway.wait(new, 60, what)
        self.seen[partner].add(path)
        return path.read_bytes()

    def lists(self) -> dict[str, list[str]]:
        found = {which.value: listed(self.gateway.engine, which, "northwind") for which in workspace.PoList}
        return {k: v for k, v in found.items() if v}


def play_the_seed(partners: Partners) -> None:
    original = order(PO, [line(1, 100, "9.25"), line(2, 40, "3.10")], vendor="northwind")
    ic, group, tx = first_set(partners.send("contoso", "northwind", "850", original))
    assert (ic.sender_id, ic.receiver_id, group.version, ic.delimiters.element) == (
        "CONTOSO", "123456789", "005010", "|")  # transparent, in the vendor's version and delimiters
    assert tx.one("BEG").elements[1:4] == ("00", "SA", PO)
    assert partners.lists() == {"for_review": [PO]}

    answer = VendorResponse(po_number=PO, status=ResponseStatus.ACCEPT_WITH_CHANGES, response_date=date(2026, 11, 26),
                            lines=(split(1, (60, date(2026, 12, 1)), (40, date(2026, 12, 15))),))
    ic, group, tx = first_set(partners.send("northwind", "contoso", "855", answer, answers=original))
    assert (ic.sender_id, ic.receiver_id, group.version, tx.set_id) == ("123456789", "CONTOSO", "004010", "855")
    assert partners.lists() == {"awaiting_customer": [PO]}

    change = Change(po_number=PO, change_sequence="2", lines=(
        LineChange(line_number="2", change=ChangeCode.QUANTITY, x12_code="QI", quantity=Decimal(50),
                   uom="EA"),))
    tx = first_set(partners.send("contoso", "northwind", "860", change))[2]
    assert tx.set_id == "850" and tx.one("BEG").elements[1:4] == ("05", "SA", f"{PO}-2")
    assert partners.lists() == {"for_review": [PO]}

    answer_2 = VendorResponse(po_number=f"{PO}-2", status=ResponseStatus.ACCEPT, response_date=date(2026, 11, 27),
                              lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                     ResponseLine(line_number="2", status=LineStatus.ACCEPT)))
    tx = first_set(partners.send("northwind", "contoso", "865", answer_2))[2]
    assert tx.set_id == "865" and tx.one("BCA").elements[3] == PO
    assert partners.lists() == {"awaiting_customer": [PO]}

    tx = first_set(partners.send("contoso", "northwind", "860", Confirmation(po_number=PO, version=2)))[2]
    # northwind takes changes as 850 replaces: the confirmation of version 2 (PO-2 to it) is an 850 BEG01 06.
    assert tx.set_id == "850" and tx.one("BEG").elements[1:4] == ("06", "SA", f"{PO}-2")
    assert partners.lists() == {"open_confirmed": [PO], "all_confirmed": [PO]}

    receipt = Receipt(receipt_number="R-1", po_number=PO, received_on=date(2026, 12, 2),
                      lines=(ReceiptLine(line_number="1", quantity=Decimal(100)),
                             ReceiptLine(line_number="2", quantity=Decimal(50))))
    assert first_set(partners.send("contoso", "northwind", "861", receipt))[2].set_id == "861"
    assert partners.lists() == {"all_confirmed": [PO]}

    stock = OnHandSnapshot(warehouse="11", as_of=date(2026, 12, 3), items=(OnHandItem(item="ITEM-1",
                                                                                      quantity=Decimal(12)),))
    assert first_set(partners.send("contoso", "northwind", "846", stock))[2].set_id == "846"
    with Session(partners.gateway.engine) as session:
        held = workspace.onhand(session, workspace.Filters(vendor="northwind"))
    assert [(i.item, i.quantity) for i in held.items] == [("ITEM-1", Decimal(12))]


def test_the_seed_through_redis_postgresql_workers_and_the_scheduler(tmp_path, fresh_postgres, redis_url,
                                                                     redis_prefix, gateways):
    gateway = PipelineGateway(tmp_path, fresh_postgres, redis_url, redis_prefix)
    gateways.append(gateway)
    gateway.install()
    gateway.start("worker")
    gateway.start("scheduler")
    play_the_seed(Partners(gateway))


def test_the_seed_embedded_with_gateway_run(tmp_path, gateways):
    gateway = PipelineGateway(tmp_path)  # no database URL, no broker: SQLite and the filesystem broker
    gateways.append(gateway)
    gateway.start("run")
    play_the_seed(Partners(gateway))


def demo(gateway: PipelineGateway, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway", "demo", *args], cwd=ROOT, env=gateway.env,
                          capture_output=True, text=True, timeout=120)


def test_gateway_demo_shows_the_vendors_850_the_customers_997_and_the_po_for_review(tmp_path, gateways):
    gateway = PipelineGateway(tmp_path)
    gateways.append(gateway)
    gateway.start("run")
    shown = demo(gateway)
    assert shown.returncode == 0, shown.stdout + shown.stderr + gateway.logs()
    vendor_850, ack = (shown.stdout.split(f"{label}: ")[1] for label in ("the vendor's 850 (fabrikam)",
                                                                         "the customer's acknowledgment (contoso)"))
    assert "*ZZ*CONTOSO        *ZZ*FABRIKAM       *" in vendor_850 and "\nBEG*00*SA*DEMO-" in vendor_850
    assert "\nST*997*" in ack and "\nAK5*A~" in ack
    assert "fabrikam's POs for review" in shown.stdout and "<- the demo's" in shown.stdout
    assert [p.name.split("_")[0] for p in gateway.delivered("fabrikam")] == ["850"]


def test_gateway_demo_with_no_gateway_running_says_so_and_fails(tmp_path):
    gateway = PipelineGateway(tmp_path)
    gateway.install()
    shown = demo(gateway, "--timeout", "2")
    assert shown.returncode == 1
    assert "nothing after 2 s (not picked up yet). Is the gateway running? Start it with `make run`" in shown.stderr
    assert "Traceback" not in shown.stderr
