"""Partner health: what operators look at to spot a partner that went quiet or keeps failing.

One row per partner, written by every poll and every send (`record_success`, `record_failure`) with a single
upsert, so two workers reporting at once never conflict; read by `gateway partners status` and the dashboard.
Certificate expiry is not stored: it is read from the certificates the partners file names, when asked.

A worker writes a partner's successes through `HealthNotes`, at most one every `HEALTH_SECONDS` per partner and
activity (a poll every half second, a send per file, would otherwise cost a transaction each on one hot row); a
failure is always written, and so is the first success after it.

Recording is best effort: a database that cannot take the row is logged and never fails the poll or the send
it reports on (their own outcome is what matters, and the next one records again).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from gateway.partners import Partner

log = logging.getLogger(__name__)
Activity = Literal["poll", "send"]
MAX_ERROR_LENGTH = 2000


class PartnerHealth(SQLModel, table=True):
    __tablename__ = "partner_health"
    partner_id: str = Field(primary_key=True, max_length=64)
    last_poll_at: datetime | None = None
    last_send_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0


# SQLModel does not declare __table__ for the type checker.
_TABLE: Table = PartnerHealth.__table__  # type: ignore[attr-defined]


def record_success(engine: Engine, partner_id: str, activity: Activity, at: datetime | None = None) -> None:
    """A poll or send went through: its time is noted and the failure count starts again from zero."""
    _upsert(engine, partner_id, {f"last_{activity}_at": _stored(at), "consecutive_failures": 0})


def record_failure(engine: Engine, partner_id: str, reason: str, at: datetime | None = None) -> None:
    """A poll or send failed: the reason is kept (the last one) and the failures counted."""
    _upsert(engine, partner_id, {"last_error": reason[:MAX_ERROR_LENGTH], "last_error_at": _stored(at),
                                 "consecutive_failures": 1},
            on_update={"consecutive_failures": _TABLE.c.consecutive_failures + 1})


def _upsert(engine: Engine, partner_id: str, values: dict[str, Any], on_update: dict[str, Any] | None = None) -> None:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).values(partner_id=partner_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["partner_id"], set_={**values, **(on_update or {})})
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except SQLAlchemyError as e:
        log.warning("partner %s: health not recorded: %s", partner_id, str(e).splitlines()[0])


HEALTH_SECONDS = 10.0


class HealthNotes:
    """One process's health writes: successes throttled to one per `every` seconds per partner and activity,
    failures at once (and the next success after a failure at once, so the failure count restarts from zero)."""

    def __init__(self, engine: Engine, every: float = HEALTH_SECONDS) -> None:
        self._engine, self._every = engine, every
        self._written: dict[tuple[str, str], float] = {}

    def success(self, partner_id: str, activity: Activity) -> None:
        now = time.monotonic()
        last = self._written.get((partner_id, activity))
        if last is not None and now - last < self._every:
            return
        record_success(self._engine, partner_id, activity)
        self._written[(partner_id, activity)] = now

    def failure(self, partner_id: str, reason: str) -> None:
        record_failure(self._engine, partner_id, reason)
        for key in [key for key in self._written if key[0] == partner_id]:
            del self._written[key]


@dataclass(frozen=True)
class PartnerStatus:
    partner_id: str
    kind: str
    last_poll_at: datetime | None
    last_send_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    expires: list[tuple[str, int]]  # (what, days until it expires; negative: expired) per certificate or key


def partner_status(engine: Engine, partners: list[Partner], now: datetime | None = None,
                   own_certificate: Path | None = None) -> list[PartnerStatus]:
    """Every partner of the file, in its order, with what was recorded for it (nothing yet: empty fields);
    `own_certificate` is the gateway's AS2 certificate, whose expiry shows beside each AS2 partner's."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        rows = {row.partner_id: row for row in conn.execute(select(_TABLE))}
    statuses = []
    for partner in partners:
        row = rows.get(partner.id)
        statuses.append(PartnerStatus(
            partner_id=partner.id, kind=partner.transport.kind,
            last_poll_at=row.last_poll_at if row else None, last_send_at=row.last_send_at if row else None,
            consecutive_failures=row.consecutive_failures if row else 0, last_error=row.last_error if row else None,
            expires=expiries(partner, now, own_certificate)))
    return statuses


def status_table(statuses: list[PartnerStatus]) -> list[str]:
    """One line per partner under a header, columns aligned; the last error last, on one line."""
    rows = [("PARTNER", "KIND", "LAST POLL", "LAST SEND", "FAILURES", "EXPIRES IN", "LAST ERROR")]
    for s in statuses:
        rows.append((s.partner_id, s.kind, _when(s.last_poll_at), _when(s.last_send_at), str(s.consecutive_failures),
                     ", ".join(f"{what} {days}d" for what, days in s.expires) or "-",
                     " ".join((s.last_error or "-").split())))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
            for row in rows]


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%SZ") if at else "never"


def expiries(partner: Partner, now: datetime, own_certificate: Path | None = None) -> list[tuple[str, int]]:
    """Days until each certificate the partner's channel relies on expires: the partner's, and for AS2 ours
    (`own_certificate`, the [gateway.as2] one), which the partner pins and which breaks the channel as surely.
    SFTP keys do not expire: none."""
    certificate = getattr(partner.transport, "certificate", None)
    if not isinstance(certificate, Path):
        return []
    found = [_days_left(partner.id, certificate.name, certificate, now)]
    if own_certificate is not None and partner.transport.kind == "as2":
        found.append(_days_left(partner.id, f"ours {own_certificate.name}", own_certificate, now))
    return found


def _days_left(partner_id: str, label: str, certificate: Path, now: datetime) -> tuple[str, int]:
    from cryptography import x509

    try:
        data = certificate.read_bytes()
        cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data))
    except (OSError, ValueError) as e:
        log.warning("partner %s: certificate %s cannot be read: %s", partner_id, certificate, e)
        return (f"{label} (unreadable)", 0)
    return (label, (cert.not_valid_after_utc - now).days)


def _stored(at: datetime | None) -> datetime:
    return (at or datetime.now(UTC)).astimezone(UTC)

