"""The message store's tables: every interchange in and out, its timeline, and the outcome of each set.

Uniqueness lives here, never in check-then-insert code:
- `message.interchange_key` (sender qualifier+id, receiver qualifier+id, ISA13) and `message.content_key`
  (sha256) are set on the first inbound copy only: a second copy conflicts and is stored as a duplicate;
- `message.outbox_key` names what caused an outbound document (message, first set of its batch, functional group):
  rendering it twice conflicts instead of queueing it twice;
- `applied_set` (message_id, set_index) is inserted before a set is applied: applying it again is a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.models import utcnow


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_state_updated", "state", "updated_at"),
        Index("ix_message_partner_created", "partner_id", "created_at"),
        Index("ix_message_out_group", "partner_id", "gs06"),
    )
    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3)
    kind: str = Field(default="document", max_length=16)  # document | ack (997/999/TA1: never acknowledged)
    state: str = Field(max_length=16)
    partner_id: str | None = Field(default=None, max_length=64)  # inbound: the sender; outbound: the receiver
    transport: str | None = Field(default=None, max_length=16)
    channel_id: str | None = None  # the file name, the AS2 Message-ID
    file_name: str | None = None  # outbound: the name delivery writes it under
    sha256: str = Field(max_length=64)
    size: int = 0
    sender_qualifier: str | None = Field(default=None, max_length=2)
    sender_id: str | None = Field(default=None, max_length=15)
    receiver_qualifier: str | None = Field(default=None, max_length=2)
    receiver_id: str | None = Field(default=None, max_length=15)
    isa13: str | None = Field(default=None, max_length=9)
    gs06: str | None = Field(default=None, max_length=9)  # the first group's (an ack names it in AK102)
    set_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    controls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    caused_by_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    answers_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="message.id")
    interchange_key: str | None = Field(default=None, unique=True)
    content_key: str | None = Field(default=None, max_length=64, unique=True)
    outbox_key: str | None = Field(default=None, unique=True)
    ack_status: str | None = Field(default=None, max_length=1)  # outbound: A, E, P or R from the partner's ack
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Recomputed by each scheduled check: no 997/999 within the partner's window, or no 855/865 to the PO version
    # this message carried within the vendor's (gateway.pipeline.sweeper.flag_overdue).
    overdue: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Tries of the current step: workers count them, so one that keeps killing its worker goes dead.
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    purged_at: datetime | None = None  # raw bytes removed by retention


class MessagePo(SQLModel, table=True):
    """Which PO (and version) a message carried, so `gateway messages --po N` needs no parsing."""

    __tablename__ = "message_po"
    __table_args__ = (UniqueConstraint("message_id", "po_number", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    po_number: str = Field(max_length=22, index=True)
    version: int | None = None


class MessageEvent(SQLModel, table=True):
    """A message's timeline: each state change and what happened, with the reason."""

    __tablename__ = "message_event"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    state: str | None = Field(default=None, max_length=16)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AppliedSet(SQLModel, table=True):
    """The outcome of one transaction set of an inbound message: applied, refused (with its code) or failed."""

    __tablename__ = "applied_set"
    __table_args__ = (UniqueConstraint("message_id", "set_index"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    set_index: int  # position of the set in the message, from 0
    set_id: str = Field(max_length=3)
    control: str = Field(default="", max_length=32)  # ISA13/GS06/ST02
    outcome: str = Field(max_length=16)
    code: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    po_number: str | None = Field(default=None, max_length=22)
    at: datetime = Field(default_factory=utcnow)


def as_dict(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in row.__table__.c}
