"""Step one of `process`: identify the parties, validate, and queue the acknowledgments the sender is owed.

Two parts, so that no transaction is open while the bytes are read and validated (a PostgreSQL transaction held
that long would hold its locks and block others): `validate` reads the archived bytes and runs the validator,
writing nothing, and `record_validation` is the short unit of work that takes the message from received to
acknowledged (or to quarantined or failed, with a reason a person can act on) and queues the acknowledgments.
Sets with syntax errors get their outcome there (invalid), so the apply step skips them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from gateway.messages.blobs import BlobStore
from gateway.messages.states import MessageState
from gateway.messages.store import add_event, advance, envelope_of
from gateway.messages.tables import Message
from gateway.partners import Partner
from gateway.pipeline.acknowledge import queue_acks, refuse_interchange
from gateway.pipeline.directory import Directory
from gateway.pipeline.outcomes import Raced, claim, outcome_row, set_contents
from gateway.x12_profiles import private_codes
from mappers.x12.validate import InterchangeReport, ValidationError, ValidationReport, iter_validate

MAX_ERRORS_SHOWN = 20
S = MessageState


@dataclass
class Validation:
    """What `validate` found in a message's bytes, nothing written yet."""

    message: Message  # as read before validating (detached)
    directory: Directory
    report: ValidationReport | None  # None: not an X12 interchange
    sender: Partner | None = None
    receiver: Partner | None = None
    channel: Partner | None = None  # the partner whose channel it came in on
    set_types: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    # Each interchange with the partner its acknowledgment goes to and the one it is addressed to (known sender
    # and receiver only), and the outcome rows of the sets refused now (syntax, routing)
    addressed: list[tuple[InterchangeReport, Partner, Partner | None]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    # The message's ISA parties when its first interchange names a stranger and a later one is between partners:
    # the file is taken as that one's (the stranger's interchange is refused alone)
    taken_as: dict[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return self.message.channel_id or f"message {self.message.id}"

    @property
    def refused(self) -> dict[int, str | None]:
        """The sets refused now, by position, with the reason (what `translate` takes as their verdicts)."""
        return {row["set_index"]: row["reason"] for row in self.invalid}

    @property
    def refused_interchanges(self) -> list[InterchangeReport]:
        return [ic for ic in self.report.interchanges if ic.errors] if self.report else []

    @property
    def goes_on(self) -> bool:
        """It will be acknowledged and applied: an X12 interchange between partners, and, when some of its
        interchanges are refused at the envelope, others left whose sets can carry the reason (their outcomes,
        which the message's final error lists). Else it is quarantined or fails at validation."""
        if self.report is None or self.sender is None or self.receiver is None:
            return False
        refused = self.refused_interchanges
        return not refused or (len(refused) < len(self.report.interchanges) and
                               all(any(g.sets for g in ic.groups) for ic in refused))


@dataclass(frozen=True)
class Validated:
    """Where `record_validation` left the message, and the sets it refused (position: reason), which the apply
    step takes instead of reading them back."""

    state: MessageState
    refused: dict[int, str | None]


def validate(blobs: BlobStore, message: Message, directory: Directory, validator: str | None = None) -> Validation:
    """Read the message's bytes and validate them, writing nothing: run it with no transaction open.
    `validator`: the set validator (Settings.x12_validator; None: GATEWAY_X12_VALIDATOR, else compiled)."""
    envelope = envelope_of(blobs, message.sha256)
    if envelope is None:
        return Validation(message, directory, None)
    channel = directory.get(message.partner_id)
    sender = directory.by_isa(envelope.sender_qualifier, envelope.sender_id)
    receiver = directory.by_isa(envelope.receiver_qualifier, envelope.receiver_id)
    known = sender or channel
    with blobs.open(message.sha256) as raw:  # read piece by piece: memory holds one set at a time
        report = ValidationReport(list(iter_validate(raw, encoding=known.encoding if known else "ascii",
                                                     private_codes=private_codes(directory.partners),
                                                     validator=validator)))
    taken_as: dict[str, object] = {}
    if sender is None or receiver is None:  # a stranger's interchange first: a later one between partners says
        later = _first_between_partners(directory, report.interchanges[1:])
        if later is not None:
            ic, sender, receiver = later
            taken_as = {"sender_qualifier": ic.sender_qualifier, "sender_id": ic.sender_id,
                        "receiver_qualifier": ic.receiver_qualifier, "receiver_id": ic.receiver_id}
    set_types, controls = set_contents(report.interchanges)
    found = Validation(message, directory, report, sender, receiver, channel, set_types, controls, taken_as=taken_as)
    if sender is not None and receiver is not None:
        assert message.id is not None
        found.addressed = [_parties(directory, ic, channel or sender) for ic in report.interchanges]
        found.invalid = _invalid_sets(message.id, [(ic, to) for ic, _, to in found.addressed])
    return found


def record_validation(session: Session, blobs: BlobStore, found: Validation, now: datetime,
                      keep_tries: bool = False) -> Validated:
    """The unit of work after `validate`: the message moved on (Raced if another worker moved it first), its
    acknowledgments queued, its invalid sets given their outcome. `keep_tries`: the tries counted so far died
    applying it (in a unit of work that also wrote its validation): they count against the apply step."""
    message, report = found.message, found.report
    assert message.id is not None
    if report is None:
        _move(session, message.id, [(S.QUARANTINED, "not taken in")],
              f"{found.where}: not an X12 interchange (it does not start with an ISA segment of 106 characters)")
        return Validated(S.QUARANTINED, {})
    columns: dict[str, object] = {"set_types": found.set_types, "controls": found.controls}
    if report.interchanges and report.interchanges[0].groups:
        columns["gs06"] = report.interchanges[0].groups[0].control_number[:9]
    sender, receiver = found.sender, found.receiver
    if sender is None or receiver is None:
        return _unknown_party(session, blobs, found, columns, now)
    addressed = found.addressed
    errors = [f"{found.where}: partner {sender.id}: {e.where}: {e.pointer + ' ' if e.pointer else ''}{e.code}: "
              f"{e.message}" for e in report.errors]
    acks = queue_acks(session, blobs, [(ic, answer_to) for ic, answer_to, _ in addressed], message.id, now)
    claim(session, found.invalid)
    refused = found.refused
    steps = [(S.VALIDATED, f"validated: {len(found.controls)} set(s) "
                           f"({', '.join(sorted(set(found.set_types))) or 'none'}), {len(errors)} error(s)"
                           + "".join(f"\n{line}" for line in errors[:MAX_ERRORS_SHOWN])),
             (S.ACKNOWLEDGED, f"acknowledgment queued for {sender.id}: {', '.join(acks)}" if acks
              else "no acknowledgment owed")]
    refusals = found.refused_interchanges
    reasons = "; ".join(f"{found.where}: partner {sender.id}: {e.where}: TA1 {e.code}: {e.message}"
                        for ic in refusals for e in ic.errors)
    if not found.goes_on:
        _move(session, message.id, [*steps, (S.FAILED, "refused at the envelope")], reasons,
              {**columns, "partner_id": sender.id})
        return Validated(S.FAILED, refused)
    _move(session, message.id, steps, None, {**columns, **found.taken_as, "partner_id": sender.id}, keep_tries)
    if refusals:
        add_event(session, message.id, f"refused at the envelope, the other interchanges go on: {reasons}")
    return Validated(S.ACKNOWLEDGED, refused)


def _first_between_partners(directory: Directory, interchanges: list[InterchangeReport]
                            ) -> tuple[InterchangeReport, Partner, Partner] | None:
    """The first interchange from a partner to a partner, with them, if any: whom a file is from when its first
    interchange names a stranger (the rest of the file is answered and applied as usual)."""
    for ic in interchanges:
        sender = directory.by_isa(ic.sender_qualifier, ic.sender_id)
        receiver = directory.by_isa(ic.receiver_qualifier, ic.receiver_id)
        if sender is not None and receiver is not None:
            return ic, sender, receiver
    return None


def _parties(directory: Directory, ic: InterchangeReport, first: Partner
             ) -> tuple[InterchangeReport, Partner, Partner | None]:
    """An interchange of the file with the partner its acknowledgment goes to (its own sender, per that sender's
    options: a file may hold interchanges of several senders) and the partner it is addressed to. One from a
    sender or to a receiver that is no partner is refused alone (TA1 006 / 009), answered to `first` (the partner
    whose channel the file came in on, else the file's sender) when its own sender is unknown."""
    sender = directory.by_isa(ic.sender_qualifier, ic.sender_id)
    receiver = directory.by_isa(ic.receiver_qualifier, ic.receiver_id)
    if sender is None:
        refuse_interchange(ic, "006", f"sender {ic.sender_qualifier}/{ic.sender_id} (ISA05/ISA06) of interchange "
                                      f"{ic.control_number} is not a partner")
    elif receiver is None:
        refuse_interchange(ic, "009", f"receiver {ic.receiver_qualifier}/{ic.receiver_id} (ISA07/ISA08) of "
                                      f"interchange {ic.control_number} is not a partner")
    return ic, sender or first, receiver


def _unknown_party(session: Session, blobs: BlobStore, found: Validation, columns: dict[str, object],
                   now: datetime) -> Validated:
    """TA1 006 (unknown sender) or 009 (unknown receiver) where a route back exists, else quarantine."""
    message, interchanges = found.message, found.report.interchanges if found.report else []
    assert message.id is not None
    if found.sender is None:
        code, reason = "006", f"sender {message.sender_qualifier}/{message.sender_id} (ISA05/ISA06) is not a partner"
    else:
        code, reason = "009", (f"receiver {message.receiver_qualifier}/{message.receiver_id} (ISA07/ISA08) is "
                               f"not a partner")
    answer_to = found.sender or found.channel
    if answer_to is None or not interchanges:
        _move(session, message.id, [(S.QUARANTINED, "quarantined")],
              f"{found.where}: {reason}, and no partner to answer; add the partner to the partners file, run "
              f"`gateway partners sync` and `gateway replay {message.id}`", columns)
        return Validated(S.QUARANTINED, {})
    acks = queue_acks(session, blobs, [(refuse_interchange(interchanges[0], code, reason), answer_to)], message.id,
                      now)
    _move(session, message.id, [(S.VALIDATED, f"refused: {reason}"),
                                (S.ACKNOWLEDGED, f"refusal queued for {answer_to.id}: {', '.join(acks)}"),
                                (S.FAILED, "refused")], f"{found.where}: {reason} (TA1 {code})",
          {**columns, "partner_id": answer_to.id})
    return Validated(S.FAILED, {})


def _invalid_sets(message_id: int, interchanges: list[tuple[InterchangeReport, Partner | None]]
                  ) -> list[dict[str, Any]]:
    """Sets with syntax errors, and sets of a group whose GS03 is not the GS id of the receiver its interchange
    names (the gateway routes by ISA08 and GS03: the two must name the same partner): their outcome rows, written
    with the validation (the apply step skips them). An interchange to no partner is refused at the envelope (an
    error of its own)."""
    rows = []
    index = -1
    for ic, receiver in interchanges:
        for group in ic.groups:
            for tx in group.sets:
                index += 1
                control = f"{ic.control_number}/{group.control_number}/{tx.control_number}"
                found: list[ValidationError] = ic.errors + group.errors + tx.errors
                if found:
                    rows.append(outcome_row(message_id, index, tx.set_id, control, "invalid", code="syntax",
                                            reason="; ".join(f"{e.pointer + ' ' if e.pointer else ''}{e.code}: "
                                                             f"{e.message}" for e in found[:5])))
                elif receiver is not None and group.receiver.strip() != receiver.gs_id:
                    rows.append(outcome_row(message_id, index, tx.set_id, control, "invalid", code="routing",
                                            reason=f"GS03 {group.receiver!r} is not the GS id of {receiver.id} "
                                                   f"({receiver.gs_id!r}), whom ISA08 names"))
    return rows


def _move(session: Session, message_id: int, steps: list[tuple[MessageState, str]], error: str | None = None,
          columns: dict[str, object] | None = None, keep_tries: bool = False) -> None:
    """Steps of this unit of work, in one UPDATE; if another worker moved the message first, undo everything
    (Raced)."""
    if not advance(session, message_id, steps, error=error, values=columns, keep_tries=keep_tries):
        raise Raced(message_id)
