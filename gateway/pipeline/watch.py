"""Scheduled checks and housekeeping: overdue acknowledgments and responses, delivery marks, retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from gateway.as2.store import EXCHANGE_T
from gateway.db import unit_of_work
from gateway.lifecycle.tables import PO_T
from gateway.messages.blobs import ABANDONED_SECONDS, FileBlobStore
from gateway.messages.states import MessageState
from gateway.messages.store import MESSAGE_T, add_event, transition
from gateway.models import PoState
from gateway.pipeline.directory import Directory
from gateway.settings import Settings

IN_FLIGHT = frozenset({MessageState.RECEIVED, MessageState.VALIDATED, MessageState.ACKNOWLEDGED,
                       MessageState.APPLIED, MessageState.QUEUED, MessageState.SENDING})


@dataclass(frozen=True)
class Overdue:
    what: str  # "message 42" or "PO 4500012345"
    partner_id: str
    since: datetime
    window_hours: float
    message_id: int | None = None  # the outbound message that waits for the acknowledgment
    po_number: str | None = None  # the PO version that waits for the vendor's answer
    version: int | None = None


def overdue_acks(session: Session, now: datetime) -> list[Overdue]:
    """Documents we sent that the partner has not acknowledged (997/999) within its `ack_window_hours`."""
    found = []
    for partner in Directory.load(session).partners.partners:
        cutoff = now - timedelta(hours=partner.ack_window_hours)
        rows = session.connection().execute(select(MESSAGE_T.c.id, MESSAGE_T.c.updated_at).where(
            MESSAGE_T.c.direction == "out", MESSAGE_T.c.kind == "document", MESSAGE_T.c.partner_id == partner.id,
            MESSAGE_T.c.state == MessageState.SENT.value, MESSAGE_T.c.updated_at < cutoff)
            .order_by(MESSAGE_T.c.id))
        found += [Overdue(f"message {r.id}", partner.id, r.updated_at, partner.ack_window_hours, message_id=r.id)
                  for r in rows]
    return found


def overdue_mdns(session: Session, now: datetime) -> list[Overdue]:
    """Messages we sent over AS2 whose asynchronous MDN has not come within the partner's `ack_window_hours`.
    Only sends that went through wait for one (a failed try carries its error and is the retries' business)."""
    found = []
    for partner in Directory.load(session).partners.partners:
        cutoff = now - timedelta(hours=partner.ack_window_hours)
        rows = session.connection().execute(select(EXCHANGE_T.c.message_id, EXCHANGE_T.c.as2_message_id,
                                                   EXCHANGE_T.c.updated_at).where(
            EXCHANGE_T.c.direction == "out", EXCHANGE_T.c.partner_id == partner.id,
            EXCHANGE_T.c.mdn_status == "pending", EXCHANGE_T.c.error.is_(None),
            EXCHANGE_T.c.message_id.is_not(None), EXCHANGE_T.c.updated_at < cutoff).order_by(EXCHANGE_T.c.id))
        found += [Overdue(f"AS2 message {r.as2_message_id}", partner.id, r.updated_at, partner.ack_window_hours,
                          message_id=r.message_id) for r in rows]
    return found


def overdue_responses(session: Session, now: datetime) -> list[Overdue]:
    """PO versions a vendor has not answered (855/865) within its `response_window_hours`: the business SLA."""
    found = []
    for vendor in Directory.load(session).partners.by_role("vendor"):
        cutoff = now - timedelta(hours=vendor.response_window_hours)
        rows = session.connection().execute(select(PO_T.c.po_number, PO_T.c.latest_version, PO_T.c.updated_at)
                                            .where(PO_T.c.vendor_id == vendor.id,
                                                   PO_T.c.state == PoState.FOR_REVIEW.value,
                                                   PO_T.c.updated_at < cutoff).order_by(PO_T.c.updated_at))
        found += [Overdue(f"PO {r.po_number} version {r.latest_version}", vendor.id, r.updated_at,
                          vendor.response_window_hours, po_number=r.po_number, version=r.latest_version)
                  for r in rows]
    return found


def mark(engine: Engine, message_id: int, target: MessageState, detail: str, error: str | None = None) -> bool:
    """Delivery's marks on an outbound message (sending, sent, failed, dead); False when it was already past."""
    with unit_of_work(engine) as session:
        return transition(session, message_id, target, detail, error=error)


def purge(engine: Engine, settings: Settings, now: datetime) -> int:
    """Remove archived bytes of settled messages older than `retention_days`; the rows and timelines stay.
    Bytes shared with a message still kept (content-addressed) stay too, and documents a killed worker left
    half-written go. Returns how many messages' bytes were purged."""
    cutoff = now - timedelta(days=settings.retention_days)
    blobs = FileBlobStore(settings.blob_dir)
    old = and_(MESSAGE_T.c.created_at < cutoff, MESSAGE_T.c.purged_at.is_(None),
               MESSAGE_T.c.state.notin_([s.value for s in IN_FLIGHT]))
    with unit_of_work(engine) as session:
        conn = session.connection()
        rows = conn.execute(select(MESSAGE_T.c.id, MESSAGE_T.c.sha256).where(old)).all()
        kept = set(conn.execute(select(MESSAGE_T.c.sha256).where(
            MESSAGE_T.c.purged_at.is_(None), MESSAGE_T.c.id.notin_([r.id for r in rows]))).scalars())
        for row in rows:
            conn.execute(update(MESSAGE_T).where(MESSAGE_T.c.id == row.id).values(purged_at=now))
            add_event(session, row.id, f"raw bytes purged (older than {settings.retention_days} days)")
    # Files go only once their rows say so: a crash in between leaves a file nobody needs, never a row
    # pointing at nothing.
    for sha in {r.sha256 for r in rows} - kept:
        blobs.delete(sha)
    blobs.remove_abandoned(now.timestamp() - ABANDONED_SECONDS)
    return len(rows)
