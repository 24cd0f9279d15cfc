"""AS2 exchanges: one row per AS2 message in or out, keyed by (direction, partner, Message-ID).

The unique key makes a repeated Message-ID find the first exchange instead of making a second; the MDN we sent
is kept whole (headers and body) so a repeat is answered byte for byte. For messages we send, the row holds
the MIC we expect back and what the partner's MDN said.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary, Table, Text, UniqueConstraint, update
from sqlmodel import Field, Session, SQLModel, select

from gateway.messages.store import insert_or_nothing
from gateway.models import utcnow


class As2Exchange(SQLModel, table=True):
    __tablename__ = "as2_exchange"
    __table_args__ = (UniqueConstraint("direction", "partner_id", "as2_message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3)  # in | out
    partner_id: str = Field(max_length=64)
    as2_message_id: str = Field(max_length=998)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    mic: str | None = Field(default=None, max_length=128)  # base64; in: what we reported, out: what we expect
    mic_hash: str | None = Field(default=None, max_length=8)
    mdn_status: str = Field(default="pending", max_length=8)  # pending | positive | negative | none (not asked)
    disposition: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    mdn: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # in: the MDN we sent
    mdn_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # in: an async MDN's target
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


EXCHANGE_T: Table = As2Exchange.__table__  # type: ignore[attr-defined]
_KEY = ["direction", "partner_id", "as2_message_id"]


def find(session: Session, direction: str, partner_id: str, as2_message_id: str) -> As2Exchange | None:
    return session.exec(select(As2Exchange).where(
        As2Exchange.direction == direction, As2Exchange.partner_id == partner_id,
        As2Exchange.as2_message_id == as2_message_id)).first()


def record(session: Session, direction: str, partner_id: str, as2_message_id: str, **values: Any) -> As2Exchange:
    """Insert the exchange, or return the one already recorded under that key (whoever inserted it first)."""
    insert_or_nothing(session, EXCHANGE_T, {"direction": direction, "partner_id": partner_id,
                                            "as2_message_id": as2_message_id, "created_at": utcnow(),
                                            "updated_at": utcnow(), **values}, _KEY)
    found = find(session, direction, partner_id, as2_message_id)
    assert found is not None  # just inserted, or there before
    return found


def set_mdn_result(session: Session, exchange_id: int, **values: Any) -> None:
    session.execute(update(EXCHANGE_T).where(EXCHANGE_T.c.id == exchange_id).values(updated_at=utcnow(), **values))
