"""Where a message stands: one enum, and the only table saying which moves are allowed.

Inbound:  received -> validated -> acknowledged -> applied -> routed; or quarantined (no partner to answer),
          duplicate (seen before: shown, never applied), failed (a reason a person can act on), dead (given up).
Outbound: queued -> sending -> sent -> acknowledged | failed | dead.
A replay takes a failed, dead, quarantined or routed message back to received (or acknowledged, when its
acknowledgments are already out) and an outbound one back to queued.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.errors import GatewayError


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class MessageState(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    ACKNOWLEDGED = "acknowledged"
    APPLIED = "applied"
    ROUTED = "routed"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


S = MessageState
INBOUND: dict[MessageState, frozenset[MessageState]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.QUARANTINED, S.FAILED, S.DEAD}),
    S.VALIDATED: frozenset({S.ACKNOWLEDGED, S.FAILED, S.DEAD}),
    S.ACKNOWLEDGED: frozenset({S.APPLIED, S.FAILED, S.DEAD}),
    S.APPLIED: frozenset({S.ROUTED, S.FAILED, S.DEAD}),
    S.ROUTED: frozenset({S.ACKNOWLEDGED}),  # replay of its replayable refusals
    S.FAILED: frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.DEAD}),
    S.DEAD: frozenset({S.RECEIVED, S.ACKNOWLEDGED}),
    S.QUARANTINED: frozenset({S.RECEIVED}),
    S.DUPLICATE: frozenset(),
}
OUTBOUND: dict[MessageState, frozenset[MessageState]] = {
    S.QUEUED: frozenset({S.SENDING, S.SENT, S.FAILED, S.DEAD}),
    S.SENDING: frozenset({S.SENT, S.QUEUED, S.FAILED, S.DEAD}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.FAILED}),
    S.ACKNOWLEDGED: frozenset(),
    S.FAILED: frozenset({S.QUEUED, S.DEAD}),
    S.DEAD: frozenset({S.QUEUED}),
}
TRANSITIONS = {Direction.IN: INBOUND, Direction.OUT: OUTBOUND}
# The middle states: those a worker's step takes a message out of (the sweeper wakes a message left in one).
STEPS = {Direction.IN: frozenset({S.RECEIVED, S.VALIDATED, S.ACKNOWLEDGED, S.APPLIED}),
         Direction.OUT: frozenset({S.QUEUED, S.SENDING})}


class IllegalTransition(GatewayError):
    """A move the transition table does not allow: a bug, or two workers racing (the loser sees this)."""


def sources_of(direction: Direction, target: MessageState) -> frozenset[MessageState]:
    """Every state from which `target` may be reached."""
    return frozenset(state for state, nexts in TRANSITIONS[direction].items() if target in nexts)


def check(direction: Direction, current: MessageState, target: MessageState) -> None:
    if target not in TRANSITIONS[direction].get(current, frozenset()):
        raise IllegalTransition(f"a {direction.value}bound message cannot go from {current} to {target}")
