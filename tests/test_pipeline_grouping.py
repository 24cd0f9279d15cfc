"""Routing groups an applied batch's sets for one receiver into one interchange (one ISA13, one GS06, an ST02
per set), with every PO linked to it, and applying the message again writes no second interchange."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from gateway.messages.query import find_messages
from gateway.messages.states import MessageState
from gateway.pipeline import replay
from mappers.x12.reader import read_interchanges
from mappers.x12.translate import RenderRequest
from tests.factories import line, order
from tests.hub import Hub, sent_together, settings_for
from tests.x12.helpers import assert_clean

POS = ["GRP-1", "GRP-2", "GRP-3"]


def three_pos() -> bytes:
    return sent_together("contoso", "fabrikam", "850", [RenderRequest(order(po, [line(1), line(2)])) for po in POS], 41)


@pytest.fixture
def hub(engine, tmp_path) -> Hub:
    return Hub(engine, settings_for(tmp_path))


def test_a_three_po_interchange_reaches_the_vendor_as_one_interchange_of_three_sets(hub):
    result = hub.ingest(three_pos(), "contoso")
    assert result.state is MessageState.ROUTED, result.error
    (vendor_file,) = hub.outbox(result.message_id, "fabrikam")
    assert_clean(vendor_file)
    (interchange,) = read_interchanges(vendor_file, "ascii")
    (group,) = interchange.groups
    assert [tx.one("BEG").elements[3] for tx in group.transactions] == POS
    assert len({tx.control_number for tx in group.transactions}) == 3
    assert b"GE*3*" in vendor_file and b"IEA*1*" in vendor_file
    (outbound,) = [m for m in hub.caused_by(result.message_id) if m.kind == "document"]
    assert outbound.isa13 == interchange.control_number and outbound.gs06 == group.control_number
    with Session(hub.engine) as session:  # `gateway messages --po N` finds the vendor's file for each PO
        for po in POS:
            assert outbound.id in [m.id for m in find_messages(session, po=po)]
    assert len(hub.outbox(result.message_id, "contoso", kind="ack")) == 1  # the 997 stays its own interchange

    assert replay(hub.engine, hub.settings, result.message_id).state is MessageState.ROUTED
    assert len(hub.outbox(result.message_id, "fabrikam")) == 1


def test_each_applied_batch_is_its_own_interchange(engine, tmp_path):
    hub = Hub(engine, settings_for(tmp_path, apply_batch=2))
    result = hub.ingest(three_pos(), "contoso")
    files = hub.outbox(result.message_id, "fabrikam")
    sets = [[tx.one("BEG").elements[3] for g in ic.groups for tx in g.transactions]
            for data in files for ic in read_interchanges(data, "ascii")]
    assert sets == [POS[:2], POS[2:]]
    assert len({ic.control_number for data in files for ic in read_interchanges(data, "ascii")}) == 2


def test_a_refused_set_leaves_its_neighbours_grouped(hub):
    hub.send("contoso", "fabrikam", "850", order("GRP-2"))  # GRP-2 exists: sending it again is refused
    result = hub.ingest(three_pos(), "contoso")
    (vendor_file,) = hub.outbox(result.message_id, "fabrikam")
    (interchange,) = read_interchanges(vendor_file, "ascii")
    assert [tx.one("BEG").elements[3] for g in interchange.groups for tx in g.transactions] == ["GRP-1", "GRP-3"]
