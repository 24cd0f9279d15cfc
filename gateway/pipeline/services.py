"""The pipeline's services: receive, process, replay (see gateway/pipeline/__init__.py for the list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from sqlalchemy import delete, exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from gateway.db import read_session, unit_of_work
from gateway.errors import RETRYABLE, Refusal, Rejected, Retryable
from gateway.messages.blobs import FileBlobStore
from gateway.messages.states import Direction, MessageState
from gateway.messages.store import (
    EVENT_T,
    MESSAGE_T,
    add_event,
    advance,
    envelope_of,
    record_inbound,
    state_of,
    transition,
)
from gateway.messages.tables import Message
from gateway.partners import Partner
from gateway.pipeline import attempts
from gateway.pipeline.acknowledge import reconcile
from gateway.pipeline.apply import Parties, SetItem, apply_batch, batches, sets_of
from gateway.pipeline.directory import Directory
from gateway.pipeline.outcomes import APPLIED_SET_T, Raced, summary, verdicts, verdicts_of
from gateway.pipeline.validate import Validation, record_validation, validate
from gateway.settings import Settings
from gateway.x12_profiles import private_codes, sender_profiles
from mappers.x12.segments import MappingError
from mappers.x12.translate import interchange_acks, translate


@dataclass(frozen=True)
class Received:
    message_id: int
    duplicate_of: int | None


@dataclass(frozen=True)
class Outcome:
    message_id: int
    state: MessageState
    error: str | None
    # The outbound messages it caused that wait for delivery, when this run settled it (None: not known here)
    queued: tuple[int, ...] | None = None


def receive(engine: Engine, settings: Settings, data: bytes | Iterable[bytes], *, partner: str | None = None,
            transport: str | None = None, channel_id: str | None = None) -> Received:
    """Archive the bytes (fsynced) and record the message; durable when this returns, so the transport may
    then say "received" (delete the remote file, send the MDN). A duplicate is recorded as one, linked.
    `data` may come in pieces (never held whole); past GATEWAY_MAX_MESSAGE_BYTES it raises TooLarge."""
    blobs = FileBlobStore(settings.blob_dir)
    blob = blobs.put_stream((data,) if isinstance(data, bytes) else data, settings.max_message_bytes)
    try:
        with unit_of_work(engine) as session:
            message_id, first = record_inbound(session, blob, envelope_of(blobs, blob.sha256), partner_id=partner,
                                               transport=transport, channel_id=channel_id)
    except OperationalError as e:
        raise Retryable(f"cannot record a received message: {str(e).splitlines()[0]}") from e
    return Received(message_id, first)


def process(engine: Engine, settings: Settings, message_id: int, *, now: datetime | None = None) -> Outcome:
    """Take an inbound message as far as it goes: validated, acknowledged, applied, routed (or failed with a
    reason). Returns at once for a message already past these steps; safe to run twice, or twice at once."""
    now = now or datetime.now(UTC)
    blobs = FileBlobStore(settings.blob_dir)
    try:
        with read_session(engine, snapshot=False) as session:
            message = session.get(Message, message_id)
            if message is None:
                raise Rejected(f"message {message_id} does not exist")
            directory = Directory.load(session)
        state = MessageState(message.state)
        if state is MessageState.RECEIVED:
            # no transaction open while it reads and validates
            found = validate(blobs, message, directory, settings.x12_validator)
            message.set_types, message.controls = found.set_types, found.controls
            if not found.goes_on:  # quarantined, or failed with the refusal it owes its sender
                with unit_of_work(engine) as session:
                    record_validation(session, blobs, found, now)
            elif message.attempts <= 1:  # its validation is written with its first batch: one unit of work
                return _apply(engine, settings, message, directory, now, found)
            else:
                # An earlier try never finished (it killed its worker, maybe while applying, which undid the
                # validation written with it): the validation and the sender's acknowledgment go first, on their
                # own, and the earlier tries count against applying.
                with unit_of_work(engine) as session:
                    state = record_validation(session, blobs, found, now, keep_tries=True).state
        if state is MessageState.ACKNOWLEDGED:
            # Racing another worker here is safe too: each set's outcome row lets only one apply it.
            return _apply(engine, settings, message, directory, now)
    except Raced:
        pass  # another worker finished the step; the message's state says how far it got
    except (OperationalError, IntegrityError) as e:
        # The database is away, a lock timed out, or another worker committed the same key first: nothing was
        # half-written, and the next try sees what the other one did.
        raise Retryable(f"message {message_id}: {str(e).splitlines()[0]}") from e
    except (Rejected, MappingError, ValueError, OSError) as e:
        _fail(engine, message_id, f"{type(e).__name__}: {e}")
    except RETRYABLE:
        raise
    except Exception as e:  # a bug: the message says so, rather than wait as "never finished"
        attempts.fail_on_bug(engine, message_id, e)
    return outcome(engine, message_id)


def _apply(engine: Engine, settings: Settings, message: Message, directory: Directory, now: datetime,
           validation: Validation | None = None) -> Outcome:
    """Apply the message's sets in batches, each its own unit of work; the first one also writes `validation`
    (when this run validated it) and the last one settles the message (applied, then routed or failed), so a
    file of one batch takes one unit of work."""
    assert message.id is not None
    message_id = message.id
    blobs = FileBlobStore(settings.blob_dir)
    if validation is not None:  # its parties as validation found them (a stranger's interchange may come first)
        sender, receiver = validation.sender, validation.receiver
    else:
        sender = directory.by_isa(message.sender_qualifier, message.sender_id)
        receiver = directory.by_isa(message.receiver_qualifier, message.receiver_id)
    if sender is None or receiver is None:
        raise Rejected(_LEFT.format(message_id=message_id))
    if validation is None:
        with read_session(engine, snapshot=False) as session:
            validated = verdicts(session, message_id, list(message.controls))
    else:
        validated = verdicts_of(list(message.controls), validation.refused)
    finished: Outcome | None = None
    unwritten = validation

    def run(batch: list[SetItem] | None, parties: Parties | None, last: bool) -> None:
        nonlocal finished, unwritten
        with unit_of_work(engine) as session:
            if unwritten is not None:
                record_validation(session, blobs, unwritten, now)  # Raced when another worker validated it
            elif state_of(session, message_id) is not MessageState.ACKNOWLEDGED:
                raise Raced(message_id)
            if batch is not None:
                # An interchange refused at validation (no such partner) has no set left to apply.
                apply_batch(session, blobs, batch, parties or Parties(sender, receiver, message_id, now))
            if last:
                finished = _settle(session, blobs, message, sender, directory)
        unwritten = None

    pending: tuple[list[SetItem], Parties | None] | None = None
    try:
        with blobs.open(message.sha256) as raw:  # translate streams: one set in memory at a time
            documents = translate(raw, sender.encoding, sender_profiles(directory.partners),
                                  private_codes=private_codes(directory.partners), verdicts=validated)
            # Each interchange's sets are applied as its own sender sent them to its own receiver.
            for key, sets in groupby(sets_of(documents), key=lambda item: item.parties):
                parties = _parties(directory, key, message_id, now)
                for batch in batches(sets, settings.apply_batch):
                    if pending is not None:  # one batch behind, so that the last one knows it is
                        run(pending[0], pending[1], last=False)
                        pending = None
                    if parties is None and any(item.error is None for item in batch):
                        raise Rejected(_LEFT.format(message_id=message_id))
                    pending = batch, parties
        last_batch, last_parties = pending if pending is not None else (None, None)
        run(last_batch, last_parties, last=True)
    except Raced:
        raise
    except Exception:
        if unwritten is None:
            raise
        # Applying failed before the validation was written: the validation and the acknowledgments the sender
        # is owed stand on their own, in a unit of work of their own; then the apply step runs again and fails
        # (or is retried) as for any acknowledged message.
        with unit_of_work(engine) as session:
            record_validation(session, blobs, unwritten, now)
        return _apply(engine, settings, message, directory, now)
    assert finished is not None
    return finished


def _settle(session: Session, blobs: FileBlobStore, message: Message, sender: Partner, directory: Directory
            ) -> Outcome:
    """Every set has its outcome: the message applied, then routed, or failed naming the sets not applied.
    A TA1 answers what we sent to the partner its own ISA names (a file may hold several senders' interchanges)."""
    assert message.id is not None
    if "TA1" in message.set_types:  # TA1s stand outside any set: read from the archived file as it streams
        with blobs.open(message.sha256) as source:
            found = interchange_acks(source, sender.encoding)
        for ack in found:
            partner = directory.by_isa(ack.sender_qualifier, ack.sender_id) or sender
            add_event(session, message.id, "TA1: " + reconcile(session, ack, partner, message.id))
    caused = session.connection().execute(select(MESSAGE_T.c.id, MESSAGE_T.c.kind, MESSAGE_T.c.state).where(
        MESSAGE_T.c.caused_by_id == message.id).order_by(MESSAGE_T.c.id)).all()
    text, problems = summary(session, message.id, f"{message.channel_id or f'message {message.id}'}: "
                                                  f"partner {sender.id}", sum(row.kind == "document" for row in caused))
    applied = (MessageState.APPLIED, f"every set has its outcome: {text}")
    if problems:
        moved = advance(session, message.id, [applied, (MessageState.FAILED, "some sets were not applied")],
                        error=problems)
    else:
        moved = advance(session, message.id, [applied, (MessageState.ROUTED, "routed")])
    if not moved:
        raise Raced(message.id)
    queued = (row.id for row in caused if row.state == MessageState.QUEUED.value)  # settling moves none of them
    return Outcome(message.id, MessageState.FAILED if problems else MessageState.ROUTED, problems, tuple(queued))


_LEFT = ("message {message_id}: a sender or receiver left the partners file since it was validated; run "
         "`gateway partners sync` and replay it")


def _parties(directory: Directory, key: tuple[str, str, str, str], message_id: int, now: datetime
             ) -> Parties | None:
    sender, receiver = directory.by_isa(key[0], key[1]), directory.by_isa(key[2], key[3])
    return Parties(sender, receiver, message_id, now) if sender and receiver else None


def _fail(engine: Engine, message_id: int, reason: str) -> None:
    with unit_of_work(engine) as session:
        transition(session, message_id, MessageState.FAILED, "failed", error=reason)


def outcome(engine: Engine, message_id: int) -> Outcome:
    with read_session(engine, snapshot=False) as session:
        message = session.get(Message, message_id)
        if message is None:
            raise Rejected(f"message {message_id} does not exist")
        return Outcome(message_id, MessageState(message.state), message.error)


def replay(engine: Engine, settings: Settings, message_id: int, *, now: datetime | None = None) -> Outcome:
    """Run a failed, dead, quarantined or routed message again. Its sets refused for a reason that can change
    (unknown PO, unknown version, not yet confirmed) get another try; applied sets stay applied (no-ops).
    An outbound message goes back to queued, its stored bytes unchanged."""
    with unit_of_work(engine) as session:
        state = state_of(session, message_id)
        direction = Direction(session.connection().execute(
            select(MESSAGE_T.c.direction).where(MESSAGE_T.c.id == message_id)).scalar_one())
        if direction is Direction.OUT:
            if not transition(session, message_id, MessageState.QUEUED, f"replayed from {state}"):
                raise Rejected(f"message {message_id} is {state}; only failed or dead outbound messages are replayed")
            return Outcome(message_id, MessageState.QUEUED, None)
        session.connection().execute(delete(APPLIED_SET_T).where(
            APPLIED_SET_T.c.message_id == message_id, APPLIED_SET_T.c.outcome == "refused",
            APPLIED_SET_T.c.code.in_([c.value for c in Refusal if c.replayable])))
        acknowledged = session.connection().execute(select(exists().where(
            EVENT_T.c.message_id == message_id, EVENT_T.c.state == MessageState.ACKNOWLEDGED.value))).scalar()
        target = MessageState.ACKNOWLEDGED if acknowledged and state is not MessageState.QUARANTINED \
            else MessageState.RECEIVED
        if not transition(session, message_id, target, f"replayed from {state}"):
            raise Rejected(f"message {message_id} is {state}; replay takes failed, dead, quarantined or routed "
                           f"messages")
    return process(engine, settings, message_id, now=now)

