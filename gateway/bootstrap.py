"""The composition root: what `gateway run`, the app, the worker and the CLI build from Settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from gateway.db import make_engine, upgrade
from gateway.models import PartnerLink, TradingPartner
from gateway.partners import PartnersFile, load_partners
from gateway.settings import Settings


def sync_partners(session: Session, partners: PartnersFile) -> None:
    """Make the partner tables say what the partners file says (the file is the source of truth)."""
    for p in partners.partners:
        fields: dict[str, Any] = {"role": p.role, "name": p.name, "isa_qualifier": p.isa_qualifier, "isa_id": p.isa_id,
                  "gs_id": p.gs_id, "x12_version": p.x12_version, "options": p.model_dump(mode="json")}
        row = session.get(TradingPartner, p.id)
        if row is None:
            session.add(TradingPartner(id=p.id, **fields))
        else:
            row.sqlmodel_update(fields)
            session.add(row)
    session.flush()
    wanted = {(c, p.id) for p in partners.by_role("vendor") for c in p.customers}
    have = {(link.customer_id, link.vendor_id) for link in session.exec(select(PartnerLink))}
    for customer_id, vendor_id in have - wanted:
        session.exec(delete(PartnerLink).where(
            col(PartnerLink.customer_id) == customer_id, col(PartnerLink.vendor_id) == vendor_id))
    for customer_id, vendor_id in wanted - have:
        session.add(PartnerLink(customer_id=customer_id, vendor_id=vendor_id))


def install(engine: Engine, partners: PartnersFile) -> None:
    """Migrate the database and make its partner tables say what the partners file says (idempotent)."""
    upgrade(engine)
    with Session(engine) as session:
        sync_partners(session, partners)
        session.commit()


def prepare(settings: Settings) -> str:
    """Migrate the database and load the partners file; return a one-line summary."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    partners = load_partners(settings.partners, key_dir=settings.key_dir)
    install(make_engine(settings.effective_database_url), partners)
    return (f"database migrated, {len(partners.partners)} partners loaded from {settings.partners}; "
            f"serving on http://{settings.host}:{settings.port}")


def engine_for(settings: Settings) -> Engine:
    return make_engine(settings.effective_database_url)
