"""Writing to the message store: inbound and outbound messages, state changes, the timeline.

Every function takes the caller's session and never commits (the unit of work does). Duplicates are decided by
the unique constraints of `gateway.messages.tables`, never by looking first: an insert that conflicts is the
answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, case, insert, literal, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.schema import Table
from sqlmodel import Session

from gateway.messages.blobs import BlobStore, StoredBlob
from gateway.messages.states import STEPS, TRANSITIONS, Direction, MessageState, sources_of
from gateway.messages.tables import Message, MessageEvent, MessagePo
from gateway.models import utcnow
from mappers.x12.envelope import isa_header

MESSAGE_T: Table = Message.__table__  # type: ignore[attr-defined]
EVENT_T: Table = MessageEvent.__table__  # type: ignore[attr-defined]
MESSAGE_PO_T: Table = MessagePo.__table__  # type: ignore[attr-defined]
ENVELOPE_HEAD = 4096  # bytes read for the envelope: the ISA, after any blank lines before it


@dataclass(frozen=True)
class Envelope:
    """What the ISA says about an interchange, read without parsing the rest."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    isa13: str

    @property
    def key(self) -> str:
        return f"{self.sender_qualifier}:{self.sender_id}|{self.receiver_qualifier}:{self.receiver_id}|{self.isa13}"


def read_envelope(data: bytes) -> Envelope | None:
    """The first ISA's identities and control number; None when the bytes do not start with a readable ISA."""
    head = data.lstrip()[:106].decode("latin-1")
    isa = isa_header(head) if len(head) == 106 else None
    if isa is None:
        return None
    return Envelope(isa.sender_qualifier.strip(), isa.sender_id, isa.receiver_qualifier.strip(), isa.receiver_id,
                    isa.control_number.strip())


def envelope_of(blobs: BlobStore, sha256: str) -> Envelope | None:
    """The envelope of an archived document, from its first bytes: a 100 MB interchange is not loaded for it."""
    with blobs.open(sha256) as raw:
        return read_envelope(raw.read(ENVELOPE_HEAD))


def insert_or_nothing(session: Session, table: Table, values: dict[str, Any], unique: list[str]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None when the key exists."""
    conn = session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=unique)
    return conn.execute(statement.returning(table.c.id)).scalar()


def record_inbound(session: Session, blob: StoredBlob, envelope: Envelope | None, *, partner_id: str | None,
                   transport: str | None, channel_id: str | None) -> tuple[int, int | None]:
    """A new inbound message in state received: (its id, None); or, when the same interchange (sender,
    receiver, ISA13) or the same bytes came before, a duplicate row linked to the first: (its id, first id)."""
    now = utcnow()
    values: dict[str, Any] = {
        "direction": Direction.IN.value, "kind": "document", "state": MessageState.RECEIVED.value,
        "partner_id": partner_id, "transport": transport, "channel_id": channel_id, "sha256": blob.sha256,
        "size": blob.size, "set_types": [], "controls": [], "created_at": now, "updated_at": now,
        **(_envelope_columns(envelope) if envelope else {}),
    }
    keys = {"interchange_key": envelope.key if envelope else None, "content_key": blob.sha256}
    conn = session.connection()
    first_copy = {**values, **keys}
    message_id = conn.execute(_inbound_statement(conn.dialect.name == "postgresql", tuple(sorted(first_copy))),
                              {f"new_{name}": value for name, value in first_copy.items()}).scalar()
    if message_id is None:  # seen before (either key): the first copy holds the keys
        same = [MESSAGE_T.c[name] == value for name, value in keys.items() if value is not None]
        first = session.connection().execute(select(MESSAGE_T.c.id).where(or_(*same))
                                             .order_by(MESSAGE_T.c.id).limit(1)).scalar_one()
        values.update(state=MessageState.DUPLICATE.value, duplicate_of_id=first)
        message_id = session.connection().execute(insert(MESSAGE_T).values(**values).returning(
            MESSAGE_T.c.id)).scalar_one()
        add_event(session, message_id, f"duplicate of message {first} (same interchange or same bytes): shown, "
                                       f"not applied", MessageState.DUPLICATE)
        return message_id, first
    add_event(session, message_id, f"received from {partner_id or 'an unknown partner'} by {transport or '?'}"
                                   + (f" as {channel_id}" if channel_id else "")
                                   + f", {blob.size} bytes archived (sha256 {blob.sha256[:12]}...)",
              MessageState.RECEIVED)
    return message_id, None


@lru_cache(maxsize=8)
def _inbound_statement(postgres: bool, columns: tuple[str, ...]) -> Any:
    """`record_inbound`'s INSERT ... ON CONFLICT DO NOTHING, built once per set of columns."""
    dialect_insert = pg_insert if postgres else sqlite_insert
    return dialect_insert(MESSAGE_T).values({name: bindparam(f"new_{name}", type_=MESSAGE_T.c[name].type)
                                             for name in columns}).on_conflict_do_nothing().returning(MESSAGE_T.c.id)


def record_refused(session: Session, *, partner_id: str | None, transport: str | None, channel_id: str, size: int,
                   reason: str) -> int:
    """A file its transport refused whole (too large, an unsafe name, an AS2 message from an unknown id or that
    does not verify), unread: a failed inbound message with the reason, so that `gateway messages --state failed`
    shows it; `partner_id` None when the sender is not a partner. No bytes are archived (the sha256 is of none)."""
    now = utcnow()
    message_id: int = session.connection().execute(insert(MESSAGE_T).values(
        direction=Direction.IN.value, kind="document", state=MessageState.FAILED.value, partner_id=partner_id,
        transport=transport, channel_id=channel_id, sha256=hashlib.sha256(b"").hexdigest(), size=size,
        set_types=[], controls=[], error=reason, created_at=now, updated_at=now).returning(MESSAGE_T.c.id)
    ).scalar_one()
    add_event(session, message_id, f"refused by the {transport or '?'} transport, unread, and set aside: {reason}",
              MessageState.FAILED)
    return message_id


def _envelope_columns(envelope: Envelope) -> dict[str, Any]:
    return {"sender_qualifier": envelope.sender_qualifier[:2], "sender_id": envelope.sender_id[:15],
            "receiver_qualifier": envelope.receiver_qualifier[:2], "receiver_id": envelope.receiver_id[:15],
            "isa13": envelope.isa13[:9]}


@dataclass(frozen=True)
class Outbound:
    """An outbound interchange to queue: rendered, numbered and archived already."""

    receiver_id: str
    blob: StoredBlob
    envelope: Envelope
    gs06: str
    set_types: list[str]
    outbox_key: str  # what caused it, e.g. "42/3/PO" (message, first set, group): queueing it twice conflicts
    caused_by_id: int
    kind: str = "document"
    answers_id: int | None = None
    po_numbers: tuple[tuple[str, int | None], ...] = ()


def queue_outbound(session: Session, out: Outbound) -> int | None:
    """The outbound message in state queued; None when that outbox key was queued before (nothing written).
    On PostgreSQL the message, its POs and its event are one statement."""
    now = utcnow()
    name = f"{out.set_types[0] if out.set_types else 'x12'}_{out.envelope.isa13}_{out.blob.sha256[:8]}.edi"
    values = {
        "direction": Direction.OUT.value, "kind": out.kind, "state": MessageState.QUEUED.value,
        "partner_id": out.receiver_id, "file_name": name, "sha256": out.blob.sha256, "size": out.blob.size,
        **_envelope_columns(out.envelope), "gs06": out.gs06, "set_types": out.set_types, "controls": [],
        "caused_by_id": out.caused_by_id, "answers_id": out.answers_id, "outbox_key": out.outbox_key,
        "attempts": 0, "created_at": now, "updated_at": now}  # every default spelt out: in a CTE none applies
    detail = f"queued for {out.receiver_id} as {name} (caused by message {out.caused_by_id})"
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        message_id = insert_or_nothing(session, MESSAGE_T, values, ["outbox_key"])
        if message_id is not None:
            record_pos(session, message_id, out.po_numbers)
            add_event(session, message_id, detail, MessageState.QUEUED)
        return message_id
    pos = list(dict.fromkeys(out.po_numbers))
    params = {**{f"new_{name}": value for name, value in values.items()}, "event_at": now, "event_detail": detail,
              **{f"po_{n}": po[:22] for n, (po, _) in enumerate(pos)},
              **{f"version_{n}": version for n, (_, version) in enumerate(pos)}}
    return conn.execute(_queue_statement(tuple(sorted(values)), len(pos)), params).scalar()


@lru_cache(maxsize=64)
def _queue_statement(columns: tuple[str, ...], pos: int) -> Any:
    """`queue_outbound`'s statement on PostgreSQL for `pos` POs, built once, its values parameters."""
    queued = pg_insert(MESSAGE_T).values({name: bindparam(f"new_{name}", type_=MESSAGE_T.c[name].type)
                                          for name in columns}).on_conflict_do_nothing(
        index_elements=["outbox_key"]).returning(MESSAGE_T.c.id).cte("queued")
    ctes = [insert(EVENT_T).from_select(["message_id", "at", "detail", "state"], select(
        queued.c.id, bindparam("event_at", type_=EVENT_T.c.at.type),
        bindparam("event_detail", type_=EVENT_T.c.detail.type),
        literal(MessageState.QUEUED.value, EVENT_T.c.state.type))).cte("queued_event")]
    rows = [select(queued.c.id, bindparam(f"po_{n}", type_=MESSAGE_PO_T.c.po_number.type),
                   bindparam(f"version_{n}", type_=MESSAGE_PO_T.c.version.type)) for n in range(pos)]
    if rows:
        ctes.append(insert(MESSAGE_PO_T).from_select(["message_id", "po_number", "version"],
                                                     rows[0] if len(rows) == 1 else union_all(*rows)).cte("queued_po"))
    return select(queued.c.id).add_cte(*ctes)


def record_pos(session: Session, message_id: int, pos: Iterable[tuple[str, int | None]]) -> None:
    rows = [{"message_id": message_id, "po_number": po[:22], "version": version} for po, version in dict.fromkeys(pos)]
    if rows:
        session.connection().execute(insert(MESSAGE_PO_T), rows)


def add_event(session: Session, message_id: int, detail: str, state: MessageState | None = None) -> None:
    session.connection().execute(_EVENT_INSERT, {"message_id": message_id, "at": utcnow(), "detail": detail,
                                                 "state": state.value if state else None})


_EVENT_INSERT = insert(EVENT_T)  # its values given at execution: built and keyed once


def transition(session: Session, message_id: int, target: MessageState, detail: str, *,
               error: str | None = None, at: datetime | None = None, values: dict[str, Any] | None = None) -> bool:
    """Move a message to `target` if the transition table allows it from where it stands now.

    The UPDATE names the allowed source states, so of two workers racing only one moves it: False for the other
    (and for a message already past that point), which then does nothing more. `values`: other columns the same
    UPDATE sets."""
    return advance(session, message_id, [(target, detail)], error=error, at=at, values=values)


def advance(session: Session, message_id: int, steps: list[tuple[MessageState, str]], *, error: str | None = None,
            at: datetime | None = None, values: dict[str, Any] | None = None, keep_tries: bool = False) -> bool:
    """Move a message through `steps` (each a state and its timeline line; `error` belongs to the last) in one
    UPDATE, if the transition table allows the whole path from where it stands now; each step keeps its event.
    On PostgreSQL the UPDATE and the events are one statement, on SQLite two. `keep_tries`: the tries counted so
    far count against the step it enters too (they died in it, before this move was written)."""
    target = steps[-1][0]
    sets_error = error is not None or target not in (MessageState.FAILED, MessageState.DEAD, MessageState.QUARANTINED)
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    statement = _advance_statement(tuple(state for state, _ in steps), tuple(sorted(values or ())), sets_error,
                                   keep_tries, postgres)
    if statement is None:
        return False  # a path the table allows from nowhere
    now = utcnow()
    details = [detail for _, detail in steps[:-1]] + [steps[-1][1] if error is None else f"{steps[-1][1]}: {error}"]
    params = {"message_id": message_id, "new_updated_at": at or now, "new_error": error,
              **{f"set_{name}": value for name, value in (values or {}).items()}}
    if not postgres:
        if conn.execute(statement, params).scalar() is None:
            return False
        add_events(session, message_id, list(zip([state for state, _ in steps], details, strict=True)))
        return True
    params.update({f"detail_{n}": detail for n, detail in enumerate(details)}, at=now)
    return bool(conn.execute(statement, params).all())


@lru_cache(maxsize=512)
def _advance_statement(path: tuple[MessageState, ...], columns: tuple[str, ...], sets_error: bool, keep_tries: bool,
                       postgres: bool) -> Any:
    """`advance`'s statement for one shape of move, built once: its values are parameters (building and keying a
    statement of this size cost more CPU than PostgreSQL takes to run it). On SQLite the UPDATE alone."""
    target = path[-1]
    sources = {d: _path_sources(d, list(path)) for d in Direction}
    if not any(sources.values()):
        return None
    where = or_(*[and_(MESSAGE_T.c.direction == d.value, MESSAGE_T.c.state.in_([s.value for s in found]))
                  for d, found in sources.items() if found])
    # The tries counted so far were of the step the message leaves; a try in flight (one counted, not yet ended)
    # is now one of the step it enters, so that if it kills its worker there, it counts (gateway.pipeline.attempts).
    stepped = [d.value for d in Direction if target in STEPS[d]]
    in_flight = case((and_(MESSAGE_T.c.direction.in_(stepped), MESSAGE_T.c.attempts > 0), 1), else_=0)
    changes: dict[str, Any] = {name: bindparam(f"set_{name}", type_=MESSAGE_T.c[name].type) for name in columns}
    # (parameters named after no column: one named after a column it sets is the UPDATE's own)
    changes.update(state=target.value, updated_at=bindparam("new_updated_at", type_=MESSAGE_T.c.updated_at.type),
                   attempts=MESSAGE_T.c.attempts if keep_tries else in_flight if stepped else 0)
    if sets_error:
        changes["error"] = bindparam("new_error", type_=MESSAGE_T.c.error.type)
    moved = update(MESSAGE_T).where(MESSAGE_T.c.id == bindparam("message_id"), where).values(**changes).returning(
        MESSAGE_T.c.id)
    if not postgres:
        return moved
    cte = moved.cte("moved")
    at = bindparam("at", type_=EVENT_T.c.at.type)
    rows = [select(cte.c.id, at, bindparam(f"detail_{n}", type_=EVENT_T.c.detail.type),
                   literal(state.value, EVENT_T.c.state.type)) for n, state in enumerate(path)]
    return insert(EVENT_T).from_select(["message_id", "at", "detail", "state"],
                                       rows[0] if len(rows) == 1 else union_all(*rows)).returning(EVENT_T.c.id)


def _path_sources(direction: Direction, path: list[MessageState]) -> frozenset[MessageState]:
    """The states a message of `direction` may take the whole `path` from (none when the path is not allowed)."""
    table = TRANSITIONS[direction]
    if any(b not in table.get(a, frozenset()) for a, b in zip(path, path[1:], strict=False)):
        return frozenset()
    return sources_of(direction, path[0])


def add_events(session: Session, message_id: int, events: Sequence[tuple[MessageState | None, str]]) -> None:
    """Several timeline lines in one statement, in order."""
    at = utcnow()
    session.connection().execute(_EVENT_INSERT, [
        {"message_id": message_id, "at": at, "detail": detail, "state": state.value if state else None}
        for state, detail in events])


def state_of(session: Session, message_id: int) -> MessageState:
    value = session.connection().execute(select(MESSAGE_T.c.state).where(MESSAGE_T.c.id == message_id)).scalar()
    if value is None:
        from gateway.errors import Rejected

        raise Rejected(f"message {message_id} does not exist")
    return MessageState(value)

