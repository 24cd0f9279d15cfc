"""Delivery: an outbound message goes queued -> sending -> sent through its partner's transport.

Only this step calls a transport's `send`, always with the bytes stored in the outbox under the stored file name,
so a retry (or a second worker) sends the same bytes under the same name and the transport answers "already
there", which counts as sent. A message found in `sending` was left there by a worker that died or a retry:
it is sent again, which is safe for that reason. Retryable errors propagate for the worker's retry with
backoff; a send the transport rejects (no adapter, a different file under that name) fails the message with
the reason.

`deliver_all` takes the outbound messages one inbound message caused, when their partner's transport is a local
write (`INLINE_KINDS`), in two units of work for all of them instead of two each: the task that processed the
inbound message delivers them at once, without a task of their own. The rest, and any whose send a retry may
help, are left to the delivery task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from gateway.as2 import outbound as as2_outbound
from gateway.as2.receive import As2Directory
from gateway.db import unit_of_work
from gateway.errors import Rejected, Retryable
from gateway.health import HealthNotes
from gateway.messages.blobs import FileBlobStore
from gateway.messages.states import Direction, MessageState
from gateway.messages.store import MESSAGE_T, transition
from gateway.partners import Partner, PartnersFile
from gateway.pipeline import attempts
from gateway.pipeline.watch import mark
from gateway.settings import Settings
from transports import Transport, TransportContext, TransportError, TransportRejected, open_transport

# Transports whose send is a write to a local (or mounted) folder: fast enough for the task that processed the
# inbound message to deliver what it caused itself. A slow partner's sends stay on the outbound queue.
INLINE_KINDS = frozenset({"folder"})


@dataclass(frozen=True)
class Delivery:
    message_id: int
    state: MessageState
    detail: str


def deliver(engine: Engine, settings: Settings, partners: PartnersFile, message_id: int,
            transport_for: Callable[[Partner], Transport] | None = None,
            health: HealthNotes | None = None, count_try: int | None = None) -> Delivery:
    """Send one outbound message; returns at once for a message already sent (or failed, dead, acknowledged).
    Two units of work: one takes the message to sending (reading what to send), one marks it sent. `health`
    notes the partner's successes and failures (a worker keeps one, which throttles them). `count_try`: the
    first unit of work also counts this try of the step (`attempts.count`, forgiving that many earlier ones),
    for a worker that has not counted it (a retryable error before then is `attempts.Uncounted`)."""
    health = health or HealthNotes(engine)
    try:
        with unit_of_work(engine) as session:
            rows = _rows(session, [message_id])
            if not rows:
                raise Rejected(f"message {message_id} does not exist")
            row = rows[0]
            skipped = _take(session, row, count_try)
            if skipped is not None:
                return skipped
    except OperationalError as e:
        raise attempts.Uncounted(f"message {message_id}: {str(e).splitlines()[0]}") from e
    try:
        partner = partners.get(row.partner_id)
    except KeyError:
        return _failed(engine, message_id, f"partner {row.partner_id!r} is not in the partners file; add it and "
                                           f"replay the message")
    data = FileBlobStore(settings.blob_dir).get(row.sha256)
    try:
        detail = _send(engine, settings, partners, partner, row.file_name, data, message_id, transport_for)
    except TransportRejected as e:
        health.failure(partner.id, f"send: {e.reason}")
        return _failed(engine, message_id, f"{partner.transport.kind} transport of {partner.id}: {e.reason}")
    except TransportError as e:
        health.failure(partner.id, f"send: {e.reason}")
        raise
    try:
        mark(engine, message_id, MessageState.SENT, detail)
    except OperationalError as e:  # sent but not marked: the retry finds it already there
        raise Retryable(f"message {message_id}: sent, not yet marked: {str(e).splitlines()[0]}") from e
    health.success(partner.id, "send")
    return Delivery(message_id, MessageState.SENT, detail)


@dataclass
class Delivered:
    """What `deliver_all` did: the deliveries it finished, and the messages left to the delivery task, each with
    the tries it owes (counted here, not taken back: the task forgives them)."""

    done: list[Delivery] = field(default_factory=list)
    left: list[tuple[int, int]] = field(default_factory=list)


def deliver_all(engine: Engine, settings: Settings, partners: PartnersFile, message_ids: Sequence[int], *,
                kinds: frozenset[str] = INLINE_KINDS, transport_for: Callable[[Partner], Transport] | None = None,
                health: HealthNotes | None = None) -> Delivered:
    """Send the outbound messages among `message_ids` whose partner's transport is one of `kinds`, as `deliver`
    does each (counting its try, queued -> sending -> sent), in one unit of work to take them all to sending and
    one to mark them all sent. The others, those whose send failed in a way a retry can help, and all of them
    when the database is away, are left to the delivery task; a send the transport rejects fails its message."""
    health = health or HealthNotes(engine)
    found = Delivered()
    taken: list[tuple[Any, Partner]] = []
    try:
        with unit_of_work(engine) as session:
            for row in _rows(session, message_ids):
                partner = next((p for p in partners.partners if p.id == row.partner_id), None)
                if partner is None or partner.transport.kind not in kinds:
                    found.left.append((row.id, 0))
                elif _take(session, row, 0) is None:
                    taken.append((row, partner))
    except OperationalError:  # nothing was counted
        return Delivered(left=[(message_id, 0) for message_id in message_ids])
    blobs = FileBlobStore(settings.blob_dir)
    sent: list[tuple[int, str, str]] = []
    retried: list[int] = []
    for row, partner in taken:
        try:
            detail = _send(engine, settings, partners, partner, row.file_name, blobs.get(row.sha256), row.id,
                           transport_for)
        except TransportRejected as e:
            health.failure(partner.id, f"send: {e.reason}")
            found.done.append(_failed(engine, row.id, f"{partner.transport.kind} transport of {partner.id}: "
                                                      f"{e.reason}"))
        except TransportError as e:
            health.failure(partner.id, f"send: {e.reason}")
            retried.append(row.id)
        except Exception as e:  # a bug: the message says so, as the delivery task's would
            attempts.fail_on_bug(engine, row.id, e)
            found.done.append(Delivery(row.id, MessageState.FAILED, f"internal error: {type(e).__name__}"))
        else:
            sent.append((row.id, detail, partner.id))
    try:
        with unit_of_work(engine) as session:
            for message_id, detail, _ in sent:
                transition(session, message_id, MessageState.SENT, detail)
            attempts.end_all(session, retried)  # the task counts its own try
    except OperationalError:  # sent but not marked: the task finds them already there
        found.left += [(message_id, 1) for message_id, _, _ in sent] + [(message_id, 1) for message_id in retried]
        return found
    for message_id, detail, partner_id in sent:
        health.success(partner_id, "send")
        found.done.append(Delivery(message_id, MessageState.SENT, detail))
    found.left += [(message_id, 0) for message_id in retried]
    return found


def _rows(session: Session, message_ids: Sequence[int]) -> list[Any]:
    return list(session.connection().execute(_ROWS, {"ids": list(message_ids)}).all())


_ROWS = select(MESSAGE_T.c.id, MESSAGE_T.c.direction, MESSAGE_T.c.partner_id, MESSAGE_T.c.file_name,
               MESSAGE_T.c.sha256, MESSAGE_T.c.state).where(
    MESSAGE_T.c.id.in_(bindparam("ids", expanding=True))).order_by(MESSAGE_T.c.id)  # built and keyed once


def _take(session: Session, row: Any, count_try: int | None) -> Delivery | None:
    """Take an outbound message to sending, counting this try (`attempts.count`, forgiving `count_try` earlier
    ones; None: not counted here); a Delivery when there is nothing to send."""
    state = MessageState(row.state)
    if row.direction != Direction.OUT.value:
        return Delivery(row.id, state, "not an outbound message")
    if state not in attempts.OUT_STEPS:
        return Delivery(row.id, state, f"already {state}")
    if count_try is not None and not attempts.count(session, row.id, attempts.OUT_STEPS, count_try):
        return Delivery(row.id, MessageState.DEAD, "given up: its tries never finished")
    if state is MessageState.QUEUED:
        # Lost to another worker only when it sends the same bytes under the same name: harmless.
        transition(session, row.id, MessageState.SENDING, "sending")
    return None


def _send(engine: Engine, settings: Settings, partners: PartnersFile, partner: Partner, name: str, data: bytes,
          message_id: int, transport_for: Callable[[Partner], Transport] | None) -> str:
    """Hand the stored bytes to the partner's transport; the line the timeline shows for it."""
    if partner.transport.kind == "as2":
        # AS2 sends as the gateway's own AS2 identity, which lives beside the partners, not in one adapter.
        directory = As2Directory.from_partners(partners)
        if directory is None:
            raise TransportRejected("the partners file has no [gateway.as2] table: the gateway has no AS2 identity "
                                    "to send with (`gateway keys generate` makes one)")
        sent = as2_outbound.send(engine, directory, partner.id, name, data, message_id=message_id,
                                 timeout=settings.as2_timeout_seconds)
        return f"sent to {partner.id} over AS2 as {sent.as2_message_id}"
    transport = (transport_for(partner) if transport_for is not None else
                 open_transport(partner.transport, TransportContext(partner.id, settings.data_dir / "incoming")))
    try:
        receipt = transport.send(name, data)
    finally:
        close = getattr(transport, "close", None)  # SFTP holds a connection (and a paramiko thread)
        if close is not None:
            close()
    return (f"sent to {partner.id} as {receipt.where}" +
            (" (already there from an earlier try)" if receipt.already_there else ""))


def _failed(engine: Engine, message_id: int, reason: str) -> Delivery:
    mark(engine, message_id, MessageState.FAILED, "not sent", error=reason)
    return Delivery(message_id, MessageState.FAILED, reason)
