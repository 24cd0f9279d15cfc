"""The worker-side services in process: delivery through a partner's transport, tries that never finish, the
sweeper, the overdue flags, and the intake a poll hands files to. (tests/workers runs them in real workers.)"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from gateway.db import unit_of_work
from gateway.errors import TooLarge
from gateway.leases import FileLeases
from gateway.messages.states import Direction, MessageState
from gateway.messages.store import MESSAGE_T
from gateway.messages.tables import Message, MessageEvent
from gateway.pipeline import attempts, sweeper
from gateway.pipeline.deliver import deliver, deliver_all
from gateway.pipeline.intake import PipelineIntake
from gateway.polling import poll
from tests.factories import line, order
from tests.hub import PARTNERS, Hub, sent_by, settings_for
from transports import Inbound, Receipt, TransportRejected, TransportRetryable
from transports.folder import FolderConfig, FolderTransport
from transports.memory import MemoryTransport

S = MessageState


@pytest.fixture
def hub(engine, tmp_path) -> Hub:  # on SQLite and PostgreSQL
    return Hub(engine, settings_for(tmp_path))


def vendor_850(hub: Hub) -> Message:
    """An 850 from contoso, processed: its copy for fabrikam waits in the outbox."""
    outcome = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    [queued] = [m for m in hub.caused_by(outcome.message_id) if m.partner_id == "fabrikam"]
    assert queued.state == S.QUEUED
    return queued


class Flaky:
    """A transport whose sends fail with the given errors first, then go through to memory."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.memory = list(errors), MemoryTransport()
        self.kind = "memory"

    def send(self, name: str, data: bytes) -> Receipt:
        if self.errors:
            raise self.errors.pop(0)
        return self.memory.send(name, data)


def test_delivery_sends_the_stored_bytes_under_the_stored_name_once(hub):
    queued = vendor_850(hub)
    memory = MemoryTransport()
    first = deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: memory)
    again = deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: memory)
    assert (first.state, again.state, again.detail) == (S.SENT, S.SENT, "already sent")
    assert memory.outbox == {queued.file_name: hub.outbox(queued.caused_by_id, "fabrikam")[0]}


def test_a_message_left_sending_by_a_dead_worker_is_sent_again_and_already_there_counts(hub, tmp_path):
    queued = vendor_850(hub)
    memory = MemoryTransport()
    memory.send(queued.file_name, hub.outbox(queued.caused_by_id, "fabrikam")[0])  # the dead worker got this far
    with unit_of_work(hub.engine) as session:
        session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id == queued.id).values(state="sending"))
    result = deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: memory)
    assert result.state is S.SENT and "already there" in result.detail


def test_a_retryable_send_error_leaves_the_message_sending_for_the_retry(hub):
    queued = vendor_850(hub)
    flaky = Flaky(TransportRetryable("outbound directory unreachable"))
    with pytest.raises(TransportRetryable):
        deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: flaky)
    assert hub.message(queued.id).state == S.SENDING
    assert deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: flaky).state is S.SENT


def test_a_rejected_send_fails_the_message_with_the_reason(hub):
    queued = vendor_850(hub)
    flaky = Flaky(TransportRejected("a different file is already there"))
    result = deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: flaky)
    assert result.state is S.FAILED
    assert hub.message(queued.id).error == "folder transport of fabrikam: a different file is already there"


def test_a_step_started_three_times_that_never_finished_goes_dead(hub):
    queued = vendor_850(hub)
    for _ in range(3):  # each try's worker is killed: never ended
        assert attempts.begin(hub.engine, queued.id, attempts.OUT_STEPS)
    assert not attempts.begin(hub.engine, queued.id, attempts.OUT_STEPS)
    dead = hub.message(queued.id)
    assert dead.state == S.DEAD and "started 3 times and never finished: it killed its worker" in (dead.error or "")


def test_a_delivery_that_counts_its_own_try_goes_dead_after_three_sends_that_killed_their_worker(hub):
    queued = vendor_850(hub)
    killer = Flaky(*[SystemExit("the worker is killed mid-send")] * 3)  # each try's worker dies: never ended
    for _ in range(3):
        with pytest.raises(SystemExit):
            deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: killer, count_try=0)
        assert hub.message(queued.id).state == S.SENDING
    result = deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: killer, count_try=0)
    assert result.state is S.DEAD and killer.memory.outbox == {}
    dead = hub.message(queued.id)
    assert dead.state == S.DEAD and "sending step was started 3 times and never finished" in (dead.error or "")


def test_tries_that_finish_never_add_up(hub):
    queued = vendor_850(hub)
    for _ in range(5):
        assert attempts.begin(hub.engine, queued.id, attempts.OUT_STEPS)
        attempts.end(hub.engine, queued.id)
    assert hub.message(queued.id).state == S.QUEUED and hub.message(queued.id).attempts == 0


def test_tries_a_database_outage_kept_from_being_taken_back_are_forgiven_by_the_retry(hub):
    queued = vendor_850(hub)
    for _ in range(5):  # each try failed with the database away: `end` never reached it, the retry owes one
        assert attempts.begin(hub.engine, queued.id, attempts.OUT_STEPS, forgive=1)
    assert hub.message(queued.id).state == S.QUEUED and hub.message(queued.id).attempts == 1


def test_after_the_last_retry_the_message_is_dead_with_its_reason(hub):
    queued = vendor_850(hub)
    assert attempts.give_up(hub.engine, queued.id, "TransportRetryable: outbound directory unreachable")
    assert hub.message(queued.id).error == "TransportRetryable: outbound directory unreachable"


def test_the_sweeper_wakes_what_is_stuck_past_the_timeout_once(hub):
    queued = vendor_850(hub)
    now = datetime.now(UTC)
    assert sweeper.stuck(hub.engine, now, 300) == []  # just queued: its wake-up may still be on its way
    later = now + timedelta(seconds=301)
    found = sweeper.stuck(hub.engine, later, 300)
    assert sweeper.Stuck(queued.id, Direction.OUT, S.QUEUED) in found
    assert all(s.state in attempts.IN_STEPS | attempts.OUT_STEPS for s in found)
    assert sweeper.stuck(hub.engine, later + timedelta(seconds=1), 300) == []  # touched: not twice in a row


def test_overdue_flags_name_the_missing_ack_and_the_missing_answer(hub):
    queued = vendor_850(hub)
    deliver(hub.engine, hub.settings, PARTNERS, queued.id, lambda p: MemoryTransport())
    assert sweeper.flag_overdue(hub.engine, datetime.now(UTC)) == 0
    sweeper.flag_overdue(hub.engine, datetime.now(UTC) + timedelta(hours=25))
    assert hub.message(queued.id).overdue == "no 997/999 from fabrikam within 24 h"
    sweeper.flag_overdue(hub.engine, datetime.now(UTC) + timedelta(hours=49))  # the PO is still unanswered
    assert hub.message(queued.id).overdue == "PO PO-1 version 1: no 855/865 from fabrikam within 48 h"


def test_the_intake_stores_a_file_and_records_a_refused_one(hub):
    intake = PipelineIntake(hub.engine, hub.settings, {"contoso": "folder"})
    data = sent_by("contoso", "fabrikam", "850", order("PO-9"), 901)
    message_id = intake.receive("contoso", Inbound(channel_id="po9.edi", name="po9.edi", size=len(data), data=data))
    assert message_id is not None and hub.message(message_id).state == S.RECEIVED
    assert intake.receive("contoso", Inbound(channel_id="again.edi", name="again.edi", size=len(data),
                                             data=data)) is None  # a duplicate: nothing to process
    intake.refused("contoso", Inbound(channel_id="big.edi", name="big.edi", size=10**9,
                                      refusal="the file is 1000000000 bytes, over the limit (max_bytes)"))
    with Session(hub.engine) as session:
        [refused] = session.exec(select(Message).where(Message.channel_id == "big.edi")).all()
    assert (refused.state, refused.transport, refused.error) == (
        S.FAILED, "folder", "the file is 1000000000 bytes, over the limit (max_bytes)")


def test_a_file_over_the_size_limit_is_refused_with_its_reason_set_aside_and_nothing_stored(engine, tmp_path):
    small = sent_by("contoso", "fabrikam", "850", order("PO-1"), 911)
    big = sent_by("contoso", "fabrikam", "850", order("PO-2", [line(n) for n in range(1, 60)]), 912)
    hub = Hub(engine, settings_for(tmp_path, max_message_bytes=len(small) + 10))
    intake = PipelineIntake(hub.engine, hub.settings, {"contoso": "folder"})
    inbound = tmp_path / "in"
    inbound.mkdir()
    (inbound / "big.edi").write_bytes(big)
    (inbound / "small.edi").write_bytes(small)
    folder = FolderTransport(FolderConfig(kind="folder", inbound_dir=inbound, outbound_dir=tmp_path / "out"))
    report = poll("contoso", folder, FileLeases(tmp_path / "leases"), intake, 30)
    reason = (f"the file is larger than {len(small) + 10:,} bytes, the limit of GATEWAY_MAX_MESSAGE_BYTES; "
              "refused whole, nothing of it stored")
    assert report.refused == [("big.edi", reason)] and report.received == ["small.edi"]
    with Session(hub.engine) as session:
        [refused] = session.exec(select(Message).where(Message.channel_id == "big.edi")).all()
    assert (refused.state, refused.error, refused.size) == (S.FAILED, reason, len(big))
    assert (inbound / "refused" / "big.edi").read_bytes() == big  # set aside, not polled again
    assert poll("contoso", folder, FileLeases(tmp_path / "leases"), intake, 30).refused == []
    stored = [p.name for p in hub.settings.blob_dir.rglob("*") if p.is_file()]
    assert stored == [hashlib.sha256(small).hexdigest()]
    # A file that grows past the limit after it was listed is stopped while it is read, and nothing is kept.
    grown = tmp_path / "grown.edi"
    grown.write_bytes(big)
    with pytest.raises(TooLarge):
        intake.receive("contoso", Inbound(channel_id="grown.edi", name="grown.edi", size=100, path=grown))
    assert [p.name for p in hub.settings.blob_dir.rglob("*") if p.is_file()] == stored


def test_what_one_file_caused_is_delivered_at_once_in_two_units_of_work_and_once(hub):
    outcome = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    memory = MemoryTransport()
    done = deliver_all(hub.engine, hub.settings, PARTNERS, outcome.queued or (), transport_for=lambda p: memory)
    assert done.left == [] and [d.state for d in done.done] == [S.SENT, S.SENT]
    assert sorted(memory.outbox) == sorted(m.file_name for m in hub.caused_by(outcome.message_id))
    again = deliver_all(hub.engine, hub.settings, PARTNERS, outcome.queued or (), transport_for=lambda p: memory)
    assert again.done == [] and again.left == []
    for m in hub.caused_by(outcome.message_id):
        assert (m.state, m.attempts) == (S.SENT, 0)
        with Session(hub.engine) as session:
            states = list(session.exec(select(MessageEvent.state).where(MessageEvent.message_id == m.id)
                                       .order_by(MessageEvent.id)))
        assert states == [S.QUEUED, S.SENDING, S.SENT]


def test_a_send_a_retry_can_help_is_left_to_the_delivery_task_with_its_try_taken_back(hub):
    outcome = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    flaky = {"contoso": MemoryTransport(), "fabrikam": Flaky(TransportRetryable("outbound directory unreachable"))}
    done = deliver_all(hub.engine, hub.settings, PARTNERS, outcome.queued or (),
                       transport_for=lambda p: flaky[p.id])
    [vendor] = [m for m in hub.caused_by(outcome.message_id) if m.partner_id == "fabrikam"]
    assert done.left == [(vendor.id, 0)] and [d.state for d in done.done] == [S.SENT]
    assert (hub.message(vendor.id).state, hub.message(vendor.id).attempts) == (S.SENDING, 0)
    assert deliver(hub.engine, hub.settings, PARTNERS, vendor.id, lambda p: flaky["fabrikam"], count_try=0).state \
        is S.SENT


def test_partners_on_other_transports_are_left_to_the_delivery_task_untouched(hub):
    outcome = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    done = deliver_all(hub.engine, hub.settings, PARTNERS, outcome.queued or (), kinds=frozenset({"sftp"}))
    assert done.done == [] and done.left == [(m, 0) for m in outcome.queued or ()]
    assert {m.state for m in hub.caused_by(outcome.message_id)} == {S.QUEUED}


def test_a_send_the_transport_rejects_fails_its_message_and_the_others_go(hub):
    outcome = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    ways = {"contoso": MemoryTransport(), "fabrikam": Flaky(TransportRejected("a different file is already there"))}
    done = deliver_all(hub.engine, hub.settings, PARTNERS, outcome.queued or (), transport_for=lambda p: ways[p.id])
    assert done.left == [] and sorted(d.state for d in done.done) == sorted([S.SENT, S.FAILED])
