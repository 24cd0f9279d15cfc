"""Step one of `process`: identify the parties, validate, and queue the acknowledgments the sender is owed.

One unit of work takes a message from received to acknowledged (or to quarantined or failed, with a reason a
person can act on). Sets with syntax errors get their outcome here (invalid), so the apply step skips them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from gateway.messages.blobs import BlobStore
from gateway.messages.states import MessageState
from gateway.messages.store import add_event, read_envelope, transition
from gateway.messages.tables import Message
from gateway.partners import Partner
from gateway.pipeline.acknowledge import queue_acks, refuse_interchange
from gateway.pipeline.directory import Directory
from gateway.pipeline.outcomes import Raced, record_outcome, set_contents
from gateway.x12_profiles import private_codes
from mappers.x12.validate import InterchangeReport, ValidationError, ValidationReport, iter_validate

MAX_ERRORS_SHOWN = 20
ENVELOPE_BYTES = 4096  # the ISA, after any blank lines before it


def validate_and_acknowledge(session: Session, blobs: BlobStore, message_id: int, now: datetime, *,
                             validator: str | None = None) -> None:
    """`validator`: the set validator (Settings.x12_validator; None: GATEWAY_X12_VALIDATOR, else compiled)."""
    message = session.get(Message, message_id)
    assert message is not None
    where = message.channel_id or f"message {message_id}"
    with blobs.open(message.sha256) as raw:
        envelope = read_envelope(raw.read(ENVELOPE_BYTES))
    if envelope is None:
        _move(session, message_id, MessageState.QUARANTINED, "not taken in",
              f"{where}: not an X12 interchange (it does not start with an ISA segment of 106 characters)")
        return
    directory = Directory.load(session)
    channel = directory.get(message.partner_id)
    sender = directory.by_isa(envelope.sender_qualifier, envelope.sender_id)
    receiver = directory.by_isa(envelope.receiver_qualifier, envelope.receiver_id)
    known = sender or channel
    with blobs.open(message.sha256) as raw:  # read piece by piece: memory holds one set at a time
        report = ValidationReport(list(iter_validate(raw, encoding=known.encoding if known else "ascii",
                                                     private_codes=private_codes(directory.partners),
                                                     validator=validator)))
    set_types, controls = set_contents(report.interchanges)
    message.set_types, message.controls = set_types, controls
    if report.interchanges and report.interchanges[0].groups:
        message.gs06 = report.interchanges[0].groups[0].control_number[:9]
    if sender is None or receiver is None:
        _unknown_party(session, blobs, message, report.interchanges, sender, receiver, channel, now)
        return
    message.partner_id = sender.id
    session.add(message)
    session.flush()
    addressed = [_parties(directory, ic, sender) for ic in report.interchanges]
    errors = [f"{where}: partner {sender.id}: {e.where}: {e.pointer + ' ' if e.pointer else ''}{e.code}: "
              f"{e.message}" for e in report.errors]
    _move(session, message_id, MessageState.VALIDATED,
          f"validated: {len(controls)} set(s) ({', '.join(sorted(set(set_types))) or 'none'}), "
          f"{len(errors)} error(s)" + "".join(f"\n{line}" for line in errors[:MAX_ERRORS_SHOWN]))
    acks = queue_acks(session, blobs, [(ic, answer_to) for ic, answer_to, _ in addressed], message_id, now)
    _record_invalid_sets(session, message_id, [(ic, to) for ic, _, to in addressed])
    _move(session, message_id, MessageState.ACKNOWLEDGED,
          f"acknowledgment queued for {sender.id}: {', '.join(acks)}" if acks else "no acknowledgment owed")
    refused = [ic for ic in report.interchanges if ic.errors]
    if refused:
        reasons = "; ".join(f"{where}: partner {sender.id}: {e.where}: TA1 {e.code}: {e.message}"
                            for ic in refused for e in ic.errors)
        # The file's other interchanges still apply when the refused ones' sets can carry the reason (their
        # outcomes, which the message's final error lists); else the message fails here with it.
        if len(refused) < len(report.interchanges) and all(any(g.sets for g in ic.groups) for ic in refused):
            add_event(session, message_id, f"refused at the envelope, the other interchanges go on: {reasons}")
        else:
            _move(session, message_id, MessageState.FAILED, "refused at the envelope", reasons)


def _parties(directory: Directory, ic: InterchangeReport, first: Partner
             ) -> tuple[InterchangeReport, Partner, Partner | None]:
    """An interchange of the file with the partner its acknowledgment goes to (its own sender, per that sender's
    options: a file may hold interchanges of several senders) and the partner it is addressed to. One from a
    sender or to a receiver that is no partner is refused alone (TA1 006 / 009), answered to the file's first
    sender when its own is unknown."""
    sender = directory.by_isa(ic.sender_qualifier, ic.sender_id)
    receiver = directory.by_isa(ic.receiver_qualifier, ic.receiver_id)
    if sender is None:
        refuse_interchange(ic, "006", f"sender {ic.sender_qualifier}/{ic.sender_id} (ISA05/ISA06) of interchange "
                                      f"{ic.control_number} is not a partner")
    elif receiver is None:
        refuse_interchange(ic, "009", f"receiver {ic.receiver_qualifier}/{ic.receiver_id} (ISA07/ISA08) of "
                                      f"interchange {ic.control_number} is not a partner")
    return ic, sender or first, receiver


def _unknown_party(session: Session, blobs: BlobStore, message: Message, interchanges: list[InterchangeReport],
                   sender: Partner | None, receiver: Partner | None, channel: Partner | None,
                   now: datetime) -> None:
    """TA1 006 (unknown sender) or 009 (unknown receiver) where a route back exists, else quarantine."""
    assert message.id is not None
    where = message.channel_id or f"message {message.id}"
    if sender is None:
        code, reason = "006", f"sender {message.sender_qualifier}/{message.sender_id} (ISA05/ISA06) is not a partner"
    else:
        code, reason = "009", (f"receiver {message.receiver_qualifier}/{message.receiver_id} (ISA07/ISA08) is "
                               f"not a partner")
    answer_to = sender or channel
    if answer_to is None or not interchanges:
        _move(session, message.id, MessageState.QUARANTINED, "quarantined",
              f"{where}: {reason}, and no partner to answer; add the partner to the partners file, run "
              f"`gateway partners sync` and `gateway replay {message.id}`")
        return
    message.partner_id = answer_to.id
    session.add(message)
    session.flush()
    _move(session, message.id, MessageState.VALIDATED, f"refused: {reason}")
    acks = queue_acks(session, blobs, [(refuse_interchange(interchanges[0], code, reason), answer_to)], message.id,
                      now)
    _move(session, message.id, MessageState.ACKNOWLEDGED, f"refusal queued for {answer_to.id}: {', '.join(acks)}")
    _move(session, message.id, MessageState.FAILED, "refused", f"{where}: {reason} (TA1 {code})")


def _record_invalid_sets(session: Session, message_id: int,
                         interchanges: list[tuple[InterchangeReport, Partner | None]]) -> None:
    """Sets with syntax errors, and sets of a group whose GS03 is not the GS id of the receiver its interchange
    names (the gateway routes by ISA08 and GS03: the two must name the same partner), get their outcome now: the
    apply step skips them. An interchange to no partner is refused at the envelope (an error of its own)."""
    index = -1
    for ic, receiver in interchanges:
        for group in ic.groups:
            for tx in group.sets:
                index += 1
                control = f"{ic.control_number}/{group.control_number}/{tx.control_number}"
                found: list[ValidationError] = ic.errors + group.errors + tx.errors
                if found:
                    record_outcome(session, message_id, index, tx.set_id, control, "invalid", code="syntax",
                                   reason="; ".join(f"{e.pointer + ' ' if e.pointer else ''}{e.code}: {e.message}"
                                                    for e in found[:5]))
                elif receiver is not None and group.receiver.strip() != receiver.gs_id:
                    record_outcome(session, message_id, index, tx.set_id, control, "invalid", code="routing",
                                   reason=f"GS03 {group.receiver!r} is not the GS id of {receiver.id} "
                                          f"({receiver.gs_id!r}), whom ISA08 names")


def _move(session: Session, message_id: int, target: MessageState, detail: str, error: str | None = None) -> None:
    """A step of this unit of work; if another worker moved the message first, undo everything (Raced)."""
    if not transition(session, message_id, target, detail, error=error):
        raise Raced(message_id)
