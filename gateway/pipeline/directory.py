"""The partners as every process reads them: the synced copy in the database (`gateway partners sync`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Text, cast, select
from sqlmodel import Session

from gateway.models import TradingPartner
from gateway.partners import Partner, PartnersFile
from gateway.x12_profiles import by_isa

PARTNER_T = TradingPartner.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Directory:
    partners: PartnersFile

    @classmethod
    def load(cls, session: Session) -> Directory:
        """The synced partners: read each time (another process may have synced since), parsed and checked once
        per content (every task of a worker reads the same rows)."""
        rows = session.connection().execute(select(cast(PARTNER_T.c.options, Text)).order_by(PARTNER_T.c.id))
        return _parsed(tuple(text for text in rows.scalars() if text))

    def get(self, partner_id: str | None) -> Partner | None:
        return next((p for p in self.partners.partners if p.id == partner_id), None)

    def by_isa(self, qualifier: str | None, isa_id: str | None) -> Partner | None:
        return by_isa(self.partners, qualifier or "", isa_id or "")


def parties(sender: Partner, receiver: Partner) -> tuple[str, str] | None:
    """(customer, vendor) of a document between these two, or None when they are not a customer and a vendor."""
    if sender.role == "customer" and receiver.role == "vendor":
        return sender.id, receiver.id
    if sender.role == "vendor" and receiver.role == "customer":
        return receiver.id, sender.id
    return None


@lru_cache(maxsize=4)
def _parsed(options: tuple[str, ...]) -> Directory:
    """The directory of these partner rows (their JSON text): a memo of a pure function, content in, parsed and
    validated partners out; a sync that changes any row changes the key."""
    rows = [json.loads(text) for text in options]
    return Directory(PartnersFile(partners=tuple(Partner.model_validate(row) for row in rows if row)))
