"""The message store's parts: the transition table, the blob store, the envelope read at receipt."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from gateway.db import unit_of_work
from gateway.errors import TooLarge
from gateway.messages.blobs import ABANDONED_SECONDS, FileBlobStore
from gateway.messages.states import Direction, IllegalTransition, MessageState, check
from gateway.messages.store import (
    advance,
    envelope_of,
    read_envelope,
    record_inbound,
    state_of,
    transition,
)
from gateway.messages.tables import Message, MessageEvent
from gateway.pipeline.attempts import IN_STEPS, count
from tests.factories import order
from tests.hub import sent_by

S = MessageState


def test_transitions_follow_the_table_in_each_direction():
    check(Direction.IN, S.RECEIVED, S.VALIDATED)
    check(Direction.OUT, S.SENT, S.ACKNOWLEDGED)
    for direction, current, target in ((Direction.IN, S.RECEIVED, S.APPLIED), (Direction.IN, S.DUPLICATE, S.RECEIVED),
                                       (Direction.OUT, S.QUEUED, S.ACKNOWLEDGED), (Direction.IN, S.ROUTED, S.SENT)):
        with pytest.raises(IllegalTransition, match=f"from {current} to {target}"):
            check(direction, current, target)


def test_a_message_moves_once_and_a_second_mover_is_told_no(engine, tmp_path):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 5)
    blob = FileBlobStore(tmp_path).put(data)
    with unit_of_work(engine) as session:
        message_id, first = record_inbound(session, blob, read_envelope(data), partner_id="contoso",
                                           transport="test", channel_id="po.edi")
        assert first is None
        assert transition(session, message_id, S.VALIDATED, "validated")
        assert not transition(session, message_id, S.VALIDATED, "validated again")  # already there
        assert not transition(session, message_id, S.ROUTED, "skipping steps")  # not from validated
        assert state_of(session, message_id) is S.VALIDATED
        assert [count_attempt(session, message_id) for _ in range(3)] == [1, 2, 3]
        assert transition(session, message_id, S.ACKNOWLEDGED, "acknowledged")
        # A new step starts its own count, with the try in flight that moved it: if that try never ends (its
        # worker was killed), the next one is the step's second.
        assert count_attempt(session, message_id) == 2
        assert transition(session, message_id, S.FAILED, "failed")
        assert transition(session, message_id, S.ACKNOWLEDGED, "replayed")  # no try in flight: from zero
        assert count_attempt(session, message_id) == 1


def count_attempt(session: Session, message_id: int) -> int:
    """One more try of the message's step, as a worker counts it; the count it leaves."""
    assert count(session, message_id, IN_STEPS)
    return session.get(Message, message_id, populate_existing=True).attempts


def test_a_path_of_states_moves_in_one_step_with_an_event_per_state_or_not_at_all(engine, tmp_path):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 6)
    blob = FileBlobStore(tmp_path).put(data)
    with unit_of_work(engine) as session:
        message_id, _ = record_inbound(session, blob, read_envelope(data), partner_id="contoso", transport="test",
                                       channel_id="po.edi")
        assert not advance(session, message_id, [(S.VALIDATED, "v"), (S.ROUTED, "skipping steps")])
        assert not advance(session, message_id, [(S.ACKNOWLEDGED, "not from received"), (S.APPLIED, "a")])
        assert state_of(session, message_id) is S.RECEIVED
        assert advance(session, message_id, [(S.VALIDATED, "validated"), (S.ACKNOWLEDGED, "acknowledged"),
                                             (S.FAILED, "refused")], error="TA1 006", values={"gs06": "77"})
        assert not advance(session, message_id, [(S.VALIDATED, "again")])  # the second mover is told no
    with Session(engine) as session:
        message = session.get(Message, message_id)
        events = session.exec(select(MessageEvent).where(MessageEvent.message_id == message_id)
                              .order_by(col(MessageEvent.id))).all()
    assert message is not None and (message.state, message.error, message.gs06) == ("failed", "TA1 006", "77")
    assert [(e.state, e.detail) for e in events][1:] == [("validated", "validated"), ("acknowledged", "acknowledged"),
                                                         ("failed", "refused: TA1 006")]


def test_blobs_are_content_addressed_durable_files(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    first, again = store.put(b"ISA*..."), store.put(b"ISA*...")
    assert first == again and first.size == 7
    path = store.path(first.sha256)
    assert path.read_bytes() == b"ISA*..." and path.parent.parent.name == first.sha256[:2]
    assert [p.name for p in path.parent.iterdir()] == [first.sha256]  # no temporary file left behind
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


PIECE = 64 * 1024


def pieces_of(data: bytes, root: Path, written: list[int]) -> Iterator[bytes]:
    """`data` handed over piece by piece, noting before each piece how much the store had written so far."""
    for start in range(0, len(data), PIECE):
        written.append(sum(p.stat().st_size for p in root.glob(".incoming-*.tmp")))
        yield data[start:start + PIECE]


def test_a_large_document_is_stored_piece_by_piece_under_its_sha256(tmp_path):
    data = sent_by("contoso", "fabrikam", "850", order("PO-1"), 77).ljust(8 * 1024 * 1024, b"\n")
    store, written = FileBlobStore(tmp_path / "blobs"), []
    blob = store.put_stream(pieces_of(data, tmp_path / "blobs", written), max_bytes=len(data))
    assert (blob.sha256, blob.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.path(blob.sha256).read_bytes() == data
    # Each piece was on disk before the next was asked for: the document was never gathered in memory.
    assert all(before >= n * PIECE - PIECE for n, before in enumerate(written)) and written[-1] > 0
    assert list((tmp_path / "blobs").glob(".incoming-*")) == []
    envelope = envelope_of(store, blob.sha256)  # from the first bytes, not the 8 MB
    assert envelope is not None and envelope.isa13 == "000000077"
    assert store.put_stream(iter([data[:100], data[100:]])) == blob  # the same bytes again: the same blob


def test_a_document_over_the_limit_is_refused_whole_and_nothing_is_left_behind(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(TooLarge, match="larger than 100 bytes, the limit of GATEWAY_MAX_MESSAGE_BYTES") as refused:
        store.put_stream(iter([b"x" * 60, b"x" * 60]), max_bytes=100)
    assert "nothing of it stored" in refused.value.reason
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
    assert store.put_stream(iter([b"x" * 60, b"x" * 40]), max_bytes=100).size == 100  # at the limit: taken


def test_a_document_abandoned_mid_write_is_removed_once_it_is_old_and_one_being_written_stays(tmp_path):
    store = FileBlobStore(tmp_path / "blobs")
    blob = store.put(b"ISA*kept")
    abandoned, writing = tmp_path / "blobs" / ".incoming-a.tmp", tmp_path / "blobs" / ".incoming-b.tmp"
    abandoned.write_bytes(b"ISA*half")
    writing.write_bytes(b"ISA*still")
    os.utime(abandoned, (time.time() - 2 * ABANDONED_SECONDS,) * 2)  # its writer was killed two days ago
    assert store.remove_abandoned(time.time() - ABANDONED_SECONDS) == 1
    assert not abandoned.exists() and writing.exists() and store.get(blob.sha256) == b"ISA*kept"


def test_the_envelope_is_read_from_the_isa_alone():
    envelope = read_envelope(b"\n" + sent_by("northwind", "contoso", "850", order("PO-1"), 12))
    assert envelope is not None
    assert (envelope.sender_qualifier, envelope.sender_id, envelope.receiver_id, envelope.isa13) == \
        ("01", "123456789", "CONTOSO", "000000012")
    assert read_envelope(b"not x12") is None
