"""Pipeline services on their own: duplicates, unknown partners, bad input, refusals and replay, savepoints
per set, acknowledgments reconciled, overdue checks, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from gateway import workspace
from gateway.canonical import LineStatus, Receipt, ReceiptLine, ResponseLine, ResponseStatus, VendorResponse
from gateway.db import read_session
from gateway.messages.states import MessageState
from gateway.messages.tables import AppliedSet, Message, MessageEvent
from gateway.models import PoVersion
from gateway.pipeline import mark, overdue_acks, overdue_responses, purge, replay
from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers
from tests.factories import line, listed, order
from tests.hub import NOW, Hub, sent_by, settings_for

S = MessageState


@pytest.fixture
def hub(engine, tmp_path) -> Hub:
    return Hub(engine, settings_for(tmp_path))


def message(hub: Hub, message_id: int) -> Message:
    with Session(hub.engine) as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


def outcomes(hub: Hub, message_id: int) -> list[tuple[int, str, str | None]]:
    with Session(hub.engine) as session:
        return [(a.set_index, a.outcome, a.code) for a in session.exec(
            select(AppliedSet).where(AppliedSet.message_id == message_id).order_by(col(AppliedSet.set_index)))]


def test_same_interchange_twice_is_a_linked_duplicate_never_applied_twice(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 7)
    first = hub.ingest(data, "contoso")
    again = hub.ingest(data, "contoso", name="again.edi")
    assert (first.state, again.state) == (S.ROUTED, S.DUPLICATE)
    assert message(hub, again.message_id).duplicate_of_id == first.message_id
    assert hub.caused_by(again.message_id) == []  # no second 997, no second 850
    with Session(hub.engine) as session:
        assert len(session.exec(select(PoVersion)).all()) == 1


def test_same_envelope_with_other_bytes_is_a_duplicate_too(hub):
    first = hub.ingest(sent_by("contoso", "fabrikam", "850", order("PO-1"), 7), "contoso")
    other = hub.ingest(sent_by("contoso", "fabrikam", "850", order("PO-2"), 7), "contoso")
    assert other.state is S.DUPLICATE and message(hub, other.message_id).duplicate_of_id == first.message_id
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == ["PO-1"]


def test_unknown_sender_on_a_known_channel_is_refused_with_ta1_006(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 9).replace(b"CONTOSO        ", b"STRANGER       ", 1)
    result = hub.ingest(data, "contoso", name="in/po.edi")
    assert result.state is S.FAILED
    assert "in/po.edi" in result.error and "STRANGER" in result.error and "006" in result.error
    (ta1,) = hub.outbox(result.message_id, "contoso", kind="ack")
    assert b"TA1*000000009*" in ta1 and b"*R*006" in ta1


def test_unknown_sender_with_no_route_back_is_quarantined_with_the_fix(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 9).replace(b"CONTOSO        ", b"STRANGER       ", 1)
    result = hub.ingest(data, None, name="upload.edi")
    assert result.state is S.QUARANTINED
    assert "STRANGER" in result.error and "gateway partners sync" in result.error
    assert hub.caused_by(result.message_id) == []


def test_not_x12_is_quarantined_with_a_clear_reason(hub):
    result = hub.ingest(b"hello, this is not EDI\n", "contoso", name="notes.txt")
    assert result.state is S.QUARANTINED and "notes.txt" in result.error and "ISA" in result.error


def test_a_syntax_error_is_answered_by_the_997_and_lands_on_the_message_with_its_position(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 11)
    data = data.replace(b"BEG*00*SA*PO-1**", b"BEG*00*SA*PO-1**2026", 1)  # BEG05 of 12 digits
    result = hub.ingest(data, "contoso", name="bad.edi")
    assert result.state is S.FAILED
    assert "bad.edi" in result.error and "BEG" in result.error
    (ack,) = hub.outbox(result.message_id, "contoso", kind="ack")
    assert b"AK5*R" in ack
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == []


def test_one_refused_set_never_undoes_its_neighbours(hub, tmp_path):
    hub.settings = settings_for(tmp_path, apply_batch=2)
    sets = [order("PO-1"), order("PO-2", [line(1, qty=0)]), order("PO-3")]  # PO-2: quantity zero is refused
    data = _three_sets(sets)
    result = hub.ingest(data, "contoso")
    assert result.state is S.FAILED and "PO-2" in result.error and "invalid_quantity" in result.error
    assert outcomes(hub, result.message_id) == [(0, "applied", None), (1, "refused", "invalid_quantity"),
                                                (2, "applied", None)]
    assert sorted(listed(hub.engine, workspace.PoList.FOR_REVIEW)) == ["PO-1", "PO-3"]
    assert len(hub.outbox(result.message_id, "fabrikam")) == 2


def test_a_file_walks_every_state_on_its_timeline_in_order(hub):
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    with Session(hub.engine) as session:
        events = session.exec(select(MessageEvent).where(MessageEvent.message_id == result.message_id)
                              .order_by(col(MessageEvent.id))).all()
    assert [e.state for e in events] == ["received", "validated", "acknowledged", "applied", "routed"]
    assert events[1].detail.startswith("validated: 1 set(s) (850), 0 error(s)")
    assert events[2].detail == "acknowledgment queued for contoso: 997"
    assert message(hub, result.message_id).attempts == 0


def test_a_bug_while_applying_fails_the_message_naming_it_and_the_sender_still_gets_its_997(hub, monkeypatch):
    import gateway.pipeline.services

    def broken(*args: object) -> None:  # stands in for a bug in applying: nothing raises this on purpose
        raise TypeError("apply_batch() got an unexpected keyword argument")

    monkeypatch.setattr(gateway.pipeline.services, "apply_batch", broken)
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    assert result.state is S.FAILED and "internal error (a bug, not the document): TypeError" in result.error
    (ack,) = hub.outbox(result.message_id, "contoso", kind="ack")
    assert b"AK9*A" in ack
    assert hub.outbox(result.message_id, "fabrikam") == []
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == []


def test_a_file_that_kills_its_worker_while_applying_gets_its_997_and_goes_dead_after_three_tries(hub, monkeypatch):
    import gateway.pipeline.services
    from gateway.pipeline import attempts, process
    from gateway.pipeline.services import receive

    kills = []

    def killing(*args: object) -> None:  # stands in for a crash that kills the worker process while applying
        kills.append(1)
        raise SystemExit("killed")

    monkeypatch.setattr(gateway.pipeline.services, "apply_batch", killing)
    data = sent_by("contoso", "fabrikam", "850", order("POISON-1"), 41)
    message_id = receive(hub.engine, hub.settings, data, partner="contoso", transport="test").message_id
    while attempts.begin(hub.engine, message_id, attempts.IN_STEPS):  # as the worker's task counts each try
        with pytest.raises(SystemExit):
            process(hub.engine, hub.settings, message_id, now=NOW)
    assert len(kills) == 3
    dead = message(hub, message_id)
    assert dead.state == S.DEAD and "acknowledged step was started 3 times and never finished" in dead.error
    (ack,) = hub.outbox(message_id, "contoso", kind="ack")  # once, from the try after the first kill
    assert b"AK9*A" in ack


def _three_sets(orders) -> bytes:
    from gateway.x12_profiles import profile_for
    from mappers.x12.translate import RenderRequest, render
    from tests.hub import PARTNERS

    profile = profile_for(PARTNERS.get("fabrikam"), PARTNERS.get("contoso"))
    return render("850", [RenderRequest(o) for o in orders], profile, ThrowawayNumbers(30), NOW)


def test_receipt_for_an_unknown_po_is_refused_and_applies_on_replay_once_the_po_exists(hub):
    receipt = Receipt(receipt_number="R-1", po_number="PO-9", lines=(ReceiptLine(line_number="1", quantity=5),))
    early = hub.send("contoso", "fabrikam", "861", receipt)
    assert early.state is S.FAILED and "unknown_po" in early.error
    assert hub.send("contoso", "fabrikam", "850", order("PO-9")).state is S.ROUTED
    hub.send("fabrikam", "contoso", "855", VendorResponse(po_number="PO-9", status=ResponseStatus.ACCEPT))
    from gateway.canonical import Confirmation

    hub.send("contoso", "fabrikam", "860", Confirmation(po_number="PO-9", version=1))
    again = replay(hub.engine, hub.settings, early.message_id, now=NOW)
    assert again.state is S.ROUTED, again.error
    assert outcomes(hub, early.message_id) == [(0, "applied", None)]
    assert len(hub.outbox(early.message_id, "fabrikam")) == 1  # the 861 advice, once


def test_processing_again_is_a_no_op(hub):
    from gateway.pipeline import process

    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    before = hub.caused_by(result.message_id)
    assert process(hub.engine, hub.settings, result.message_id, now=NOW).state is S.ROUTED
    assert hub.caused_by(result.message_id) == before


def test_vendor_997_reconciles_our_850_and_is_never_forwarded(hub):
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    (ours,) = [m for m in hub.caused_by(result.message_id) if m.partner_id == "fabrikam"]
    assert mark(hub.engine, ours.id, S.SENT, "written to the vendor's folder")
    (vendor_850,) = hub.outbox(result.message_id, "fabrikam")
    ack = acknowledge(validate(vendor_850).interchanges[0], AckOptions(), ThrowawayNumbers(500), NOW)
    assert ack is not None
    answer = hub.ingest(ack, "fabrikam")
    assert answer.state is S.ROUTED, answer.error
    assert hub.caused_by(answer.message_id) == []  # no ack of an ack, nothing forwarded to the customer
    reconciled = message(hub, ours.id)
    assert (reconciled.state, reconciled.ack_status) == ("acknowledged", "A")
    assert message(hub, answer.message_id).answers_id == ours.id


def test_overdue_acknowledgments_and_responses_follow_the_partner_windows(hub):
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    (ours,) = [m for m in hub.caused_by(result.message_id) if m.partner_id == "fabrikam"]
    mark(hub.engine, ours.id, S.SENT, "sent")
    po_time = message(hub, result.message_id).created_at
    with read_session(hub.engine) as session:
        assert overdue_acks(session, ours.updated_at + timedelta(hours=23)) == []
        late = overdue_acks(session, ours.updated_at + timedelta(hours=25))
        assert [(o.what, o.partner_id) for o in late] == [(f"message {ours.id}", "fabrikam")]
        assert overdue_responses(session, po_time + timedelta(hours=47)) == []
        assert [o.what for o in overdue_responses(session, po_time + timedelta(hours=49))] == ["PO PO-1 version 1"]


def test_retention_purges_archived_bytes_of_settled_messages_only(hub):
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    inbound = message(hub, result.message_id)
    path = hub.settings.blob_dir
    assert purge(hub.engine, hub.settings, inbound.created_at + timedelta(days=89)) == 0
    assert purge(hub.engine, hub.settings, inbound.created_at + timedelta(days=91)) == 1  # the 850 received
    assert not (path / inbound.sha256[:2] / inbound.sha256[2:4] / inbound.sha256).exists()
    for queued in hub.caused_by(result.message_id):  # the 997 and the vendor's 850 still wait for delivery
        assert (path / queued.sha256[:2] / queued.sha256[2:4] / queued.sha256).exists()
    with Session(hub.engine) as session:
        events = session.exec(select(MessageEvent).where(MessageEvent.message_id == inbound.id)).all()
    assert any("purged" in e.detail for e in events)


def _sent_to_fabrikam_and_its_ta1_rejecting_it(hub, isa13: str) -> tuple[Message, bytes]:
    """Our 850 to fabrikam, marked sent, and fabrikam's TA1 (interchange `isa13`) rejecting it with 022."""
    result = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    (ours,) = [m for m in hub.caused_by(result.message_id) if m.partner_id == "fabrikam"]
    mark(hub.engine, ours.id, S.SENT, "sent")
    ta1 = (b"ISA*00*          *00*          *ZZ*FABRIKAM       *ZZ*CONTOSO        *261125*1200*U*00401*"
           + isa13.encode() + b"*0*P*>~TA1*" + ours.isa13.encode() + b"*261125*1200*R*022~IEA*0*"
           + isa13.encode() + b"~")
    return ours, ta1


def _failed_with_the_ta1_code(hub, ours: Message) -> None:
    rejected = message(hub, ours.id)
    assert (rejected.state, rejected.ack_status) == ("failed", "R") and "TA1 R 022" in rejected.error


def test_vendor_ta1_rejecting_our_interchange_fails_it_with_the_code(hub):
    ours, ta1 = _sent_to_fabrikam_and_its_ta1_rejecting_it(hub, "000000777")
    answer = hub.ingest(ta1, "fabrikam")
    assert answer.state is S.ROUTED, answer.error
    _failed_with_the_ta1_code(hub, ours)


def test_a_ta1_inside_a_file_of_another_sender_answers_what_we_sent_to_its_own_sender(hub):
    """A VAN mailbox file taken from contoso's channel holds fabrikam's TA1 rejecting our interchange: the TA1
    is matched against what we sent fabrikam (its ISA's sender), not against the channel's partner."""
    ours, ta1 = _sent_to_fabrikam_and_its_ta1_rejecting_it(hub, "000000778")
    answer = hub.ingest(sent_by("contoso", "fabrikam", "850", order("PO-2"), 321) + ta1, "contoso", name="van.edi")
    assert answer.state is S.ROUTED, answer.error
    _failed_with_the_ta1_code(hub, ours)


def test_a_group_addressed_to_another_gs_id_than_the_isa_receiver_is_not_applied(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 13).replace(b"*CONTOSO*FABRIKAM*", b"*CONTOSO*LITWARE*")
    result = hub.ingest(data, "contoso", name="mixed.edi")
    assert result.state is S.FAILED
    assert "mixed.edi: partner contoso" in result.error
    assert "GS03 'LITWARE' is not the GS id of fabrikam" in result.error
    assert hub.outbox(result.message_id, "fabrikam") == hub.outbox(result.message_id, "litware") == []


def test_unknown_receiver_is_refused_to_its_sender_with_ta1_009(hub):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 14).replace(b"FABRIKAM       ", b"NOBODY         ", 1)
    result = hub.ingest(data, "contoso", name="po.edi")
    assert result.state is S.FAILED and "receiver ZZ/NOBODY (ISA07/ISA08) is not a partner" in result.error
    (ta1,) = hub.outbox(result.message_id, "contoso", kind="ack")
    assert b"*R*009" in ta1 and b"*ZZ*NOBODY         *ZZ*CONTOSO        *" in ta1  # answered as the addressee
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == []


def _answer(po: str) -> VendorResponse:
    return VendorResponse(po_number=po, status=ResponseStatus.ACCEPT, response_date=NOW.date(),
                          lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                 ResponseLine(line_number="2", status=LineStatus.ACCEPT)))


def test_a_file_from_several_senders_is_answered_and_applied_per_sender(hub):
    """A VAN mailbox may hand over one file holding interchanges from several partners: each gets the
    acknowledgment its own partner options ask for, and each interchange is applied as its sender sent it."""
    by_northwind, by_litware = order("PO-N", vendor="northwind"), order("PO-L", vendor="litware")
    for vendor, po in (("northwind", by_northwind), ("litware", by_litware)):
        assert hub.send("contoso", vendor, "850", po).state is S.ROUTED
    data = (sent_by("contoso", "fabrikam", "850", order("PO-1"), 301)
            + sent_by("northwind", "contoso", "855", _answer("PO-N"), 302, answers=by_northwind)
            + sent_by("litware", "contoso", "855", _answer("PO-L"), 303, answers=by_litware))
    result = hub.ingest(data, "contoso", name="mailbox.edi")
    assert result.state is S.ROUTED, result.error
    (contoso,) = hub.outbox(result.message_id, "contoso", kind="ack")
    (northwind,) = hub.outbox(result.message_id, "northwind", kind="ack")
    (litware,) = hub.outbox(result.message_id, "litware", kind="ack")
    assert b"ST*997*" in contoso and b"TA1" not in contoso  # 4010, TA1 on request only
    assert b"ST|999|" in northwind and b"|01|123456789      |" in northwind  # 5010 with its own delimiters
    assert b"TA1*000000303*" in litware and b"ST*997*" in litware  # ta1 = "always"
    assert [b"BEG*00*SA*PO-1*" in x for x in hub.outbox(result.message_id, "fabrikam")] == [True]
    assert sorted(b"BAK*00*AD*PO-N*" in x for x in hub.outbox(result.message_id, "contoso")) == [False, True]
    assert sorted(listed(hub.engine, workspace.PoList.AWAITING_CUSTOMER, v) for v in ("northwind", "litware")) \
        == [["PO-L"], ["PO-N"]]
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == ["PO-1"]


@pytest.mark.parametrize("stranger_first", [False, True], ids=["stranger-second", "stranger-first"])
def test_an_interchange_from_an_unknown_sender_inside_a_file_is_refused_alone(hub, stranger_first):
    stranger = sent_by("contoso", "fabrikam", "850", order("PO-2"), 312).replace(b"CONTOSO        ",
                                                                                 b"STRANGER       ", 1)
    known = sent_by("contoso", "fabrikam", "850", order("PO-1"), 311)
    data = stranger + known if stranger_first else known + stranger
    result = hub.ingest(data, "contoso", name="mailbox.edi")
    assert result.state is S.FAILED and "STRANGER" in result.error and "006" in result.error
    acks = b"".join(hub.outbox(result.message_id, "contoso", kind="ack"))
    assert b"ST*997*" in acks and b"TA1*000000312*" in acks and b"*R*006" in acks
    assert listed(hub.engine, workspace.PoList.FOR_REVIEW) == ["PO-1"]
    # A replay (once STRANGER is a partner, say) takes the file as from contoso again, not as refused whole.
    again = replay(hub.engine, hub.settings, result.message_id, now=NOW)
    assert again.state is S.FAILED and "STRANGER" in again.error and "left the partners file" not in again.error


@pytest.mark.parametrize(("validator", "said"), [("compiled", b"AK4*4**3"), ("pyx12", b"AK5*R*5")])
def test_the_validator_setting_decides_who_checks_the_sets(engine, tmp_path, validator, said):
    """A REF04 of eight components where the map defines six: the compiled validator names the composite
    (AK4 3), pyx12 cannot follow the set (AK5 5), the listed difference of docs/x12-validator.md."""
    hub = Hub(engine, settings_for(tmp_path, x12_validator=validator))
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 11)
    beg = data.index(b"BEG*")
    end = data.index(b"~", beg) + 1
    data = data[:end] + b"REF*DP*038**" + b">".join([b"ZZ", b"1"] * 4) + b"~" + data[end:]
    data = data.replace(b"SE*12*", b"SE*13*", 1)
    result = hub.ingest(data, "contoso", name="ref04.edi")
    (ack,) = hub.outbox(result.message_id, "contoso", kind="ack")
    assert said in ack.replace(b"\n", b"")
