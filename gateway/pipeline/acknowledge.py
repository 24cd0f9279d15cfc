"""Acknowledgments, hop by hop: the 997/999 and TA1 we owe a sender, and reconciling the ones partners send us.

Ours are rendered, numbered and queued in the unit of work that moves the message to acknowledged. Theirs
(an inbound 997/999 or TA1) are matched with the outbound message they answer (by the partner that sent them
and our GS06 or ISA13) and never forwarded.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from gateway.canonical import FunctionalAck, InterchangeAck
from gateway.control_numbers import ReservedNumbers
from gateway.messages.blobs import BlobStore
from gateway.messages.states import MessageState
from gateway.messages.store import MESSAGE_T, Outbound, add_event, queue_outbound, read_envelope, transition
from gateway.partners import Partner
from gateway.x12_profiles import ack_options
from mappers.x12.acks import acknowledge, parse_acks
from mappers.x12.validate import InterchangeReport, ValidationError


def queue_acks(session: Session, blobs: BlobStore, interchanges: list[tuple[InterchangeReport, Partner]],
               message_id: int, now: datetime) -> list[str]:
    """Queue the TA1/997/999 owed for each interchange to its partner (its sender), per that partner's options;
    what was queued, described."""
    queued = []
    for index, (ic, sender) in enumerate(interchanges):
        counted = CountedNumbers()  # a dry run says how many numbers of each kind: reserved in one statement
        if acknowledge(ic, ack_options(sender), counted, now) is None:
            continue
        numbers = ReservedNumbers(session.connection(), sender.id, counted.counts)
        data = acknowledge(ic, ack_options(sender), numbers, now)
        assert data is not None  # the same interchange, options and time as the dry run
        envelope = read_envelope(data)
        assert envelope is not None
        kinds = sorted({"TA1" if isinstance(a, InterchangeAck) else a.ack_type
                        for a in parse_acks(data, sender.encoding)})
        queue_outbound(session, Outbound(
            receiver_id=sender.id, blob=blobs.put(data), envelope=envelope, gs06="", set_types=kinds,
            outbox_key=f"{message_id}/ack/{index}", caused_by_id=message_id, kind="ack", answers_id=message_id))
        queued.append(f"{'/'.join(kinds) or 'ack'}" + (f" to {sender.id}" if len(interchanges) > 1 else ""))
    return queued


class CountedNumbers:
    """Control numbers for a dry run that counts how many of each kind the real run will take."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def next(self, kind: str) -> int:
        self.counts[kind] += 1
        return self.counts[kind]


def refuse_interchange(ic: InterchangeReport, code: str, reason: str) -> InterchangeReport:
    """The interchange marked refused at the envelope (TA1 006 unknown sender, 009 unknown receiver)."""
    ic.errors.append(ValidationError("interchange", code, reason, interchange=ic.control_number))
    return ic


def reconcile(session: Session, ack: FunctionalAck | InterchangeAck, sender: Partner, ack_message_id: int) -> str:
    """Mark the outbound message this ack answers; a sentence for the ack message's timeline."""
    if isinstance(ack, FunctionalAck):
        where, column, number = f"group {ack.group_control_number}", MESSAGE_T.c.gs06, ack.group_control_number
        rejected = [f"set {s.control_number}: {s.status} {' '.join(s.codes)}".strip()
                    for s in ack.sets if not s.accepted]
        status = ack.status
    else:
        where, column, number = f"interchange {ack.control_number}", MESSAGE_T.c.isa13, ack.control_number
        rejected = [] if ack.accepted else [f"TA1 {ack.status} {ack.code}"]
        status = ack.status
    target = session.connection().execute(select(MESSAGE_T.c.id).where(
        MESSAGE_T.c.direction == "out", MESSAGE_T.c.partner_id == sender.id, column == number)
        .order_by(MESSAGE_T.c.id.desc()).limit(1)).scalar()
    if target is None:
        return f"{type(ack).__name__} for {where} matches nothing we sent to {sender.id}"
    session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id == target).values(ack_status=status[:1]))
    session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id == ack_message_id).values(
        answers_id=target))
    if status in ("A", "E", "P"):
        note = "accepted" if status != "P" else "partially accepted: " + "; ".join(rejected)
        moved = transition(session, target, MessageState.ACKNOWLEDGED, f"{note} by {sender.id} "
                                                                         f"(message {ack_message_id})")
    else:
        moved = transition(session, target, MessageState.FAILED, f"rejected by {sender.id} (message "
                                                                   f"{ack_message_id})",
                           error="; ".join(rejected) or f"{status}")
    if not moved:
        add_event(session, target, f"acknowledgment {status} from {sender.id} (message {ack_message_id}) "
                                   f"arrived before the message was marked sent")
    return f"answers message {target} ({where}): {status}"
