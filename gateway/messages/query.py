"""Reading the message store for people: lists with filters, and one message told in full."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from gateway.errors import Rejected
from gateway.messages.blobs import BlobStore
from gateway.messages.tables import AppliedSet, Message, MessageEvent, MessagePo


def find_messages(session: Session, *, state: str | None = None, partner: str | None = None, po: str | None = None,
                  since: datetime | None = None, limit: int | None = 50) -> list[Message]:
    query = select(Message)
    if state:
        query = query.where(Message.state == state)
    if partner:
        query = query.where(Message.partner_id == partner)
    if po:
        query = query.where(col(Message.id).in_(select(MessagePo.message_id).where(MessagePo.po_number == po)))
    if since:
        query = query.where(Message.created_at >= since)
    query = query.order_by(col(Message.id).desc())
    return list(session.exec(query.limit(limit) if limit else query))


def describe(session: Session, message_id: int, blobs: BlobStore) -> list[str]:
    m = session.get(Message, message_id)
    if m is None:
        raise Rejected(f"message {message_id} does not exist")
    raw = "purged" if m.purged_at else str(blobs.path(m.sha256))
    lines = [f"message {m.id}: {'inbound' if m.direction == 'in' else 'outbound'} {m.kind}, {m.state}",
             f"  partner   {m.partner_id or '?'} via {m.transport or '-'} {m.channel_id or m.file_name or ''}",
             f"  envelope  {m.sender_qualifier}/{m.sender_id} -> {m.receiver_qualifier}/{m.receiver_id} "
             f"ISA13 {m.isa13}  sets {', '.join(m.set_types) or '-'}",
             f"  raw       {raw} ({m.size} bytes, sha256 {m.sha256})"]
    for label, other in (("caused by", m.caused_by_id), ("answers", m.answers_id),
                         ("duplicate of", m.duplicate_of_id)):
        if other is not None:
            lines.append(f"  {label:<9} message {other}")
    if m.overdue:
        lines.append(f"  overdue   {m.overdue}")
    if m.ack_status:
        lines.append(f"  ack       {m.ack_status}")
    pos = session.exec(select(MessagePo).where(MessagePo.message_id == message_id)).all()
    if pos:
        lines.append("  POs       " + ", ".join(p.po_number + (f" v{p.version}" if p.version else "") for p in pos))
    if m.error:
        lines.append("  error     " + m.error.replace("\n", "\n            "))
    outcomes = session.exec(select(AppliedSet).where(AppliedSet.message_id == message_id)
                            .order_by(col(AppliedSet.set_index))).all()
    if outcomes:
        lines.append("sets:")
        lines += [f"  {a.set_index:>4} {a.set_id} {a.control:<28} {a.outcome:<8} {a.po_number or ''}"
                  + (f" {a.code}: {a.reason}" if a.code else "") for a in outcomes]
    caused = session.exec(select(Message).where(Message.caused_by_id == message_id).order_by(col(Message.id))).all()
    if caused:
        lines.append("outbound:")
        lines += [f"  message {c.id} to {c.partner_id} {','.join(c.set_types)} {c.state} {c.file_name}" for c in caused]
    lines.append("timeline:")
    for event in session.exec(select(MessageEvent).where(MessageEvent.message_id == message_id)
                              .order_by(col(MessageEvent.id))):
        head = f"  {event.at:%Y-%m-%d %H:%M:%S} {event.state or '':<12} "
        lines.append(head + event.detail.replace("\n", "\n" + " " * len(head)))
    return lines
