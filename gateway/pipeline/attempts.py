"""Counting the tries of a message's step, so that one which keeps killing its worker goes dead instead of
looping (issue 7: three times).

A task counts a try in the database before it works (`begin`) and takes it back when it ends, well or with an
error it can report (`end`); a try whose worker was killed is never taken back. When the database itself is
away, `end` cannot reach it: the retry carries the tries it owes and `begin` forgives them, so a database outage
never looks like a killed worker. Each state change resets the count to the try that made it, if any
(`gateway.messages.store.transition`), so only tries of the same step add up, and a try that moved the message
on and then killed its worker counts against the step it died in. A
message past its limit is marked dead with that reason. A try that ends in a bug (an exception nothing raises on
purpose) is finished too: the message fails naming the error (`fail_on_bug`), rather than wait as "never finished".
"""

from __future__ import annotations

import logging
import traceback
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.db import read_session, unit_of_work
from gateway.errors import Retryable
from gateway.messages.states import STEPS, Direction, MessageState
from gateway.messages.store import MESSAGE_T, add_event, transition

log = logging.getLogger(__name__)

MAX_UNFINISHED_TRIES = 3
# The steps a worker takes a message through, by the state it starts from.
IN_STEPS, OUT_STEPS = STEPS[Direction.IN], STEPS[Direction.OUT]


class Uncounted(Retryable):
    """A retryable error that came before the try was counted (its unit of work was undone): nothing to take
    back, and the tries the retry owes are still owed."""


def begin(engine: Engine, message_id: int, steps: frozenset[MessageState], forgive: int = 0) -> bool:
    """Count a try of the message's current step, less `forgive` earlier tries that ended with an error they
    could not write down; False when there is nothing to do (past these steps, or dead now because its earlier
    tries never finished)."""
    with unit_of_work(engine) as session:
        return count(session, message_id, steps, forgive)


def count(session: Session, message_id: int, steps: frozenset[MessageState], forgive: int = 0) -> bool:
    """`begin` inside the caller's unit of work (a step whose first write comes at once counts its try with it):
    one UPDATE ... RETURNING, and a state change for a message going dead."""
    row = session.connection().execute(_count_statement(steps, bool(forgive)),
                                       {"message_id": message_id, "forgive": forgive}).one_or_none()
    if row is None:
        return False
    tries, state = int(row.attempts), MessageState(row.state)
    if tries <= MAX_UNFINISHED_TRIES:
        return True
    transition(session, message_id, MessageState.DEAD, "given up",
               error=f"its {state} step was started {tries - 1} times and never finished: it killed its "
                     f"worker (or the worker was lost) {tries - 1} times; look at the message before "
                     f"replaying it")
    return False


@lru_cache(maxsize=16)
def _count_statement(steps: frozenset[MessageState], forgives: bool) -> Any:
    """`count`'s UPDATE, built once per set of steps (the message and the tries forgiven are parameters)."""
    counted = MESSAGE_T.c.attempts + 1 - bindparam("forgive", type_=MESSAGE_T.c.attempts.type)
    return (update(MESSAGE_T).where(MESSAGE_T.c.id == bindparam("message_id"),
                                    MESSAGE_T.c.state.in_(sorted(s.value for s in steps)))
            .values(attempts=case((counted < 1, 1), else_=counted) if forgives else counted)
            .returning(MESSAGE_T.c.attempts, MESSAGE_T.c.state))


def end(engine: Engine, message_id: int) -> None:
    """The try finished (or failed in a way it reported): it does not count against the message. (A try that
    took the message out of its worker's steps needs no `end`: that move set the count to zero.)"""
    with unit_of_work(engine) as session:
        end_all(session, [message_id])


def end_all(session: Session, message_ids: list[int]) -> None:
    """`end` for several messages, inside the caller's unit of work."""
    if message_ids:
        session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id.in_(message_ids),
                                                             MESSAGE_T.c.attempts > 0)
                                     .values(attempts=MESSAGE_T.c.attempts - 1))


def give_up(engine: Engine, message_id: int, reason: str) -> bool:
    """After the last retry: dead with the reason of the last failure (False when already past that)."""
    with unit_of_work(engine) as session:
        return transition(session, message_id, MessageState.DEAD, "given up after the last retry", error=reason)


def fail_on_bug(engine: Engine, message_id: int, error: BaseException) -> bool:
    """The message failed with an unexpected exception (a bug): failed, with a reason naming the error and the
    traceback on its timeline and in the log, so operators see it (`gateway messages --state failed`) and can
    replay it once the bug is fixed. False when it is already past the step that failed."""
    log.error("message %s: unexpected %s", message_id, type(error).__name__, exc_info=error)
    text = str(error).replace("\n", " ")
    reason = (f"internal error (a bug, not the document): {type(error).__name__}: {text[:500]}; the traceback is "
              f"on the message's timeline; replay the message once the bug is fixed")
    trace = "".join(traceback.format_exception(error))
    with unit_of_work(engine) as session:
        if not transition(session, message_id, MessageState.FAILED, "failed", error=reason):
            return False
        add_event(session, message_id, "traceback:\n" + trace[-8000:])
    return True


def queued_outbound(engine: Engine, message_id: int) -> list[int]:
    """The outbound messages `message_id` caused that still wait for delivery: queued, or left sending by a
    worker that died while it delivered them (sending again is safe: the same bytes under the same name)."""
    with read_session(engine, snapshot=False) as session:
        return list(session.connection().execute(select(MESSAGE_T.c.id).where(
            MESSAGE_T.c.caused_by_id == message_id, MESSAGE_T.c.state.in_([s.value for s in OUT_STEPS]))
            .order_by(MESSAGE_T.c.id)).scalars())
