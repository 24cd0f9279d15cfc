"""Counting the tries of a message's step, so that one which keeps killing its worker goes dead instead of
looping (issue 7: three times).

A task counts a try in the database before it works (`begin`) and takes it back when it ends, well or with an
error it can report (`end`); a try whose worker was killed is never taken back. When the database itself is
away, `end` cannot reach it: the retry carries the tries it owes and `begin` forgives them, so a database outage
never looks like a killed worker. Each state change resets the count, so only tries of the same step add up. A
message past its limit is marked dead with that reason.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from gateway.db import unit_of_work
from gateway.messages.states import MessageState
from gateway.messages.store import MESSAGE_T, count_attempt, state_of, transition

MAX_UNFINISHED_TRIES = 3
# The steps a worker takes a message through, by the state it starts from.
IN_STEPS = frozenset({MessageState.RECEIVED, MessageState.VALIDATED, MessageState.ACKNOWLEDGED,
                      MessageState.APPLIED})
OUT_STEPS = frozenset({MessageState.QUEUED, MessageState.SENDING})


def begin(engine: Engine, message_id: int, steps: frozenset[MessageState], forgive: int = 0) -> bool:
    """Count a try of the message's current step, less `forgive` earlier tries that ended with an error they
    could not write down; False when there is nothing to do (past these steps, or dead now because its earlier
    tries never finished)."""
    with unit_of_work(engine) as session:
        state = state_of(session, message_id)
        if state not in steps:
            return False
        tries = count_attempt(session, message_id)
        if forgive:
            tries = max(1, tries - forgive)
            session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id == message_id)
                                         .values(attempts=tries))
        if tries <= MAX_UNFINISHED_TRIES:
            return True
        transition(session, message_id, MessageState.DEAD, "given up",
                   error=f"its {state} step was started {tries - 1} times and never finished (the worker was "
                         f"killed or lost each time); look at the message before replaying it")
    return False


def end(engine: Engine, message_id: int) -> None:
    """The try finished (or failed in a way it reported): it does not count against the message."""
    with unit_of_work(engine) as session:
        session.connection().execute(update(MESSAGE_T).where(MESSAGE_T.c.id == message_id,
                                                             MESSAGE_T.c.attempts > 0)
                                     .values(attempts=MESSAGE_T.c.attempts - 1))


def give_up(engine: Engine, message_id: int, reason: str) -> bool:
    """After the last retry: dead with the reason of the last failure (False when already past that)."""
    with unit_of_work(engine) as session:
        return transition(session, message_id, MessageState.DEAD, "given up after the last retry", error=reason)


def queued_outbound(engine: Engine, message_id: int) -> list[int]:
    """The outbound messages `message_id` caused that still wait for delivery."""
    with unit_of_work(engine) as session:
        return list(session.connection().execute(select(MESSAGE_T.c.id).where(
            MESSAGE_T.c.caused_by_id == message_id, MESSAGE_T.c.state == MessageState.QUEUED.value)
            .order_by(MESSAGE_T.c.id)).scalars())
