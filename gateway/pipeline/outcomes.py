"""The outcome of each set of an inbound message (`applied_set`), and the message's summary of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from gateway.lifecycle.bulk import insert_new_rows
from gateway.messages.store import insert_or_nothing
from gateway.messages.tables import AppliedSet
from gateway.models import utcnow
from mappers.x12.segments import MappingError
from mappers.x12.translate import Verdict
from mappers.x12.validate import InterchangeReport

APPLIED_SET_T = AppliedSet.__table__  # type: ignore[attr-defined]
MAX_REASONS = 10

__all__ = ["APPLIED_SET_T", "Raced", "claim", "insert_or_nothing", "outcome_row", "record_outcome", "set_contents",
           "settle", "summary", "verdicts", "verdicts_of"]


class Raced(Exception):
    """Another worker moved the message first: this unit of work is undone and the step is left to it."""


def set_contents(interchanges: list[InterchangeReport]) -> tuple[list[str], list[str]]:
    """The set types and ISA13/GS06/ST02 of every set, in file order."""
    types, controls = [], []
    for ic in interchanges:
        if ic.has_ta1:
            types.append("TA1")  # an acknowledgment outside any set: the apply step reconciles it
        for group in ic.groups:
            for tx in group.sets:
                types.append(tx.set_id)
                controls.append(f"{ic.control_number}/{group.control_number}/{tx.control_number}")
    return types, controls


def outcome_row(message_id: int, set_index: int, set_id: str, control: str, outcome: str, *,
                code: str | None = None, reason: str | None = None, po_number: str | None = None) -> dict[str, Any]:
    return {"message_id": message_id, "set_index": set_index, "set_id": set_id[:3], "control": control[:32],
            "outcome": outcome, "code": code, "reason": reason, "po_number": po_number[:22] if po_number else None,
            "at": utcnow()}


def record_outcome(session: Session, message_id: int, set_index: int, set_id: str, control: str, outcome: str,
                   *, code: str | None = None, reason: str | None = None, po_number: str | None = None
                   ) -> int | None:
    """Insert the set's outcome first: None when it already has one (it was applied before: a no-op)."""
    return insert_or_nothing(session, APPLIED_SET_T, outcome_row(message_id, set_index, set_id, control, outcome,
                                                                 code=code, reason=reason, po_number=po_number),
                             ["message_id", "set_index"])


def claim(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    """Insert the outcome rows of a batch's sets in one statement; the positions inserted now. A set left out
    has its outcome already (applied before, or by another worker, whose insert this one waited for)."""
    if not rows:
        return set()
    # One statement whatever the number of rows (on PostgreSQL over unnest, prepared once)
    return set(insert_new_rows(session, APPLIED_SET_T, rows, ("message_id", "set_index"), "set_index"))


def verdicts(session: Session, message_id: int, controls: list[str]) -> list[Verdict]:
    """What validation said of each set (`controls`, ISA13/GS06/ST02 in file order), from the outcome rows the
    validation step wrote for the sets it refused: `translate` takes them instead of validating the same bytes
    a second time (pyx12 is the most expensive part of reading)."""
    rows = session.connection().execute(select(APPLIED_SET_T.c.set_index, APPLIED_SET_T.c.reason).where(
        APPLIED_SET_T.c.message_id == message_id, APPLIED_SET_T.c.outcome == "invalid")).all()
    return verdicts_of(controls, {row.set_index: row.reason for row in rows})


def verdicts_of(controls: list[str], refused: dict[int, str | None]) -> list[Verdict]:
    """`verdicts` from the sets validation refused (position: reason), as the validation step returned them."""
    found: list[Verdict] = []
    for index, control in enumerate(controls):
        isa13, gs06, st02 = (control.split("/", 2) + ["", ""])[:3]  # ISA13 and GS06 are numeric; ST02 may hold "/"
        reason = refused.get(index)
        found.append(((isa13, gs06, st02), None if index not in refused else
                      MappingError(f"refused by validation: {reason or 'invalid'}")))
    return found


def settle(session: Session, message_id: int, set_index: int, outcome: str, code: str, reason: str,
           po_number: str | None = None) -> None:
    """A claimed set that did not apply: its outcome and why (the claim survives the set's savepoint)."""
    session.connection().execute(update(APPLIED_SET_T).where(
        APPLIED_SET_T.c.message_id == message_id, APPLIED_SET_T.c.set_index == set_index).values(
        outcome=outcome, code=code, reason=reason, **({"po_number": po_number[:22]} if po_number else {})))


def summary(session: Session, message_id: int, where: str, queued: int) -> tuple[str, str | None]:
    """A sentence for the timeline, and the reasons a person must act on (None when every set applied), each
    starting with `where` (the file or channel id, and the partner); `queued`: the outbound documents it caused."""
    rows = session.connection().execute(
        select(APPLIED_SET_T).where(APPLIED_SET_T.c.message_id == message_id).order_by(APPLIED_SET_T.c.set_index)
    ).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no sets"
    problems = [f"{where}: set {r.control} ({r.set_id}){' PO ' + r.po_number if r.po_number else ''}: "
                f"{r.code}: {r.reason}" for r in rows if r.outcome != "applied"]
    reasons = "; ".join(problems[:MAX_REASONS]) + (f"; and {len(problems) - MAX_REASONS} more"
                                                   if len(problems) > MAX_REASONS else "")
    return f"{text}; {queued} outbound document(s) queued", reasons or None
