"""The partners as every process reads them: the synced copy in the database (`gateway partners sync`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
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
        rows = session.connection().execute(select(PARTNER_T.c.options).order_by(PARTNER_T.c.id)).scalars()
        return cls(PartnersFile(partners=tuple(Partner.model_validate(options) for options in rows if options)))

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
