"""The sweeper and the overdue flags: housekeeping that reads the database, the truth of where messages stand.

The broker only carries wake-ups: a task lost with a killed worker (Redis gives it back only after its visibility
timeout, the filesystem broker never) or never sent (a crash between a commit and the enqueue) leaves its message
in a middle state. `stuck` finds those untouched for longer than the timeout, touches them (so the next sweep
leaves them alone for another timeout) and says which step to wake for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from gateway.db import unit_of_work
from gateway.messages.states import Direction, MessageState
from gateway.messages.store import MESSAGE_PO_T, MESSAGE_T, add_event
from gateway.pipeline.attempts import IN_STEPS, OUT_STEPS
from gateway.pipeline.watch import overdue_acks, overdue_mdns, overdue_responses


@dataclass(frozen=True)
class Stuck:
    message_id: int
    direction: Direction  # in: wake processing; out: wake delivery
    state: MessageState


def stuck(engine: Engine, now: datetime, timeout_seconds: float, limit: int = 1000) -> list[Stuck]:
    """Messages in a middle state untouched for `timeout_seconds`, touched now, oldest first."""
    cutoff = now - timedelta(seconds=timeout_seconds)
    middle = or_(and_(MESSAGE_T.c.direction == Direction.IN.value,
                      MESSAGE_T.c.state.in_([s.value for s in IN_STEPS])),
                 and_(MESSAGE_T.c.direction == Direction.OUT.value,
                      MESSAGE_T.c.state.in_([s.value for s in OUT_STEPS])))
    found: list[Stuck] = []
    with unit_of_work(engine) as session:
        conn = session.connection()
        rows = conn.execute(select(MESSAGE_T.c.id, MESSAGE_T.c.direction, MESSAGE_T.c.state)
                            .where(middle, MESSAGE_T.c.updated_at < cutoff)
                            .order_by(MESSAGE_T.c.updated_at).limit(limit)).all()
        for row in rows:
            # Only if nobody moved it meanwhile: of two sweepers, one wakes it.
            touched = conn.execute(update(MESSAGE_T).where(
                MESSAGE_T.c.id == row.id, MESSAGE_T.c.state == row.state, MESSAGE_T.c.updated_at < cutoff)
                .values(updated_at=now)).rowcount
            if touched:
                add_event(session, row.id, f"re-queued by the sweeper: {row.state} for over {timeout_seconds:g} s")
                found.append(Stuck(row.id, Direction(row.direction), MessageState(row.state)))
    return found


def flag_overdue(engine: Engine, now: datetime) -> int:
    """Recompute the overdue flags: an outbound message without the partner's 997/999 within its window, the
    outbound messages that carried a PO version its vendor has not answered within its window, and an AS2 send
    whose asynchronous MDN has not come within the window (that flag wins: the partner may not have the message
    at all). Returns how many messages are flagged."""
    with unit_of_work(engine) as session:
        conn = session.connection()
        flags: dict[int, str] = {}
        for late in overdue_acks(session, now):
            if late.message_id is not None:
                flags[late.message_id] = f"no 997/999 from {late.partner_id} within {late.window_hours:g} h"
        for late in overdue_responses(session, now):
            carried = conn.execute(select(MESSAGE_T.c.id)
                                   .join(MESSAGE_PO_T, MESSAGE_PO_T.c.message_id == MESSAGE_T.c.id)
                                   .where(MESSAGE_T.c.direction == Direction.OUT.value,
                                          MESSAGE_T.c.partner_id == late.partner_id,
                                          MESSAGE_PO_T.c.po_number == late.po_number,
                                          MESSAGE_PO_T.c.version == late.version)).scalars()
            for message_id in carried:
                flags[message_id] = (f"{late.what}: no 855/865 from {late.partner_id} within "
                                     f"{late.window_hours:g} h")
        for late in overdue_mdns(session, now):
            if late.message_id is not None:
                flags[late.message_id] = f"{late.what}: no MDN from {late.partner_id} within {late.window_hours:g} h"
        conn.execute(update(MESSAGE_T).where(MESSAGE_T.c.overdue.is_not(None),
                                             MESSAGE_T.c.id.notin_(list(flags))).values(overdue=None))
        for message_id, reason in flags.items():
            changed = conn.execute(update(MESSAGE_T).where(
                MESSAGE_T.c.id == message_id,
                or_(MESSAGE_T.c.overdue.is_(None), MESSAGE_T.c.overdue != reason)).values(overdue=reason)).rowcount
            if changed:
                add_event(session, message_id, f"overdue: {reason}")
    return len(flags)
