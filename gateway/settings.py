"""Settings: environment variables prefixed GATEWAY_, read once by whoever composes the application."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mappers.x12.envelope import Limits

DEFAULT_PARTNERS = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "partners.toml"
DEFAULT_KEY_DIR = Path("keys")
# The one line that plugs the pipeline's intake (receive service) into every poll.
DEFAULT_RECEIVE_SERVICE = "gateway.pipeline.intake:pipeline_intake"


class Settings(BaseSettings):
    """Everything has a default that works on one machine with nothing else installed."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite at <data_dir>/gateway.db
    broker_url: str = ""  # empty: the embedded filesystem broker under <data_dir>/broker
    partners: Path = DEFAULT_PARTNERS
    # Transaction sets applied per transaction, each under its own savepoint. Kept below 64: PostgreSQL tracks
    # that many subtransactions per transaction cheaply, and past it every other session's snapshots slow down.
    apply_batch: int = Field(default=50, ge=1)
    retention_days: int = Field(default=90, ge=1)  # archived raw bytes older than this are purged
    host: str = "127.0.0.1"
    port: int = 8000
    key_dir: Path = DEFAULT_KEY_DIR  # SFTP private keys named in the partners file must lie under it
    broker_key_prefix: str = ""  # prefixes every Redis key of the broker and the leases: gateways sharing a Redis
    # What a poll hands each incoming file to: module:function building a gateway.polling.Intake from Settings.
    receive_service: str = DEFAULT_RECEIVE_SERVICE
    poll_lease_seconds: float = Field(default=60, gt=0)  # a dead poller frees its partner after this
    overdue_check_seconds: float = Field(default=900, gt=0)  # how often the overdue-acknowledgment check runs
    # The largest document received by any channel, in bytes: a larger file is refused whole with the reason,
    # nothing of it stored (a channel's `max_bytes` in the partners file may set a lower limit for its partner).
    max_message_bytes: int = Field(default=256 * 1024 * 1024, ge=1)
    as2_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1)  # a larger AS2 body gets 413, unread
    as2_timeout_seconds: float = Field(default=120, gt=0)  # posting an AS2 message or an asynchronous MDN
    retention_check_seconds: float = Field(default=3600, gt=0)  # how often archived bytes past retention go
    sweep_seconds: float = Field(default=60, gt=0)  # how often the sweeper looks for stuck messages
    # A message in a middle state untouched this long is woken again by the sweeper (its task was lost with a
    # killed worker, or never sent); longer than any step takes, so that a live worker is rarely doubled.
    stuck_seconds: float = Field(default=300, gt=0)

    # The most X12 read at once, in characters (bytes for ASCII partners): beyond it reading stops with an
    # error naming the limit (mappers.x12.envelope.Limits). A set is held whole while validated and mapped.
    x12_max_segment: int = Field(default=Limits.segment, ge=1024)
    x12_max_set: int = Field(default=Limits.set, ge=1024)
    x12_max_interchange: int = Field(default=Limits.interchange, ge=1024)
    # What checks each set against the maps: the maps compiled into tables, or pyx12's walker (the older path,
    # kept as the oracle of tests/x12/test_differential.py). mappers.x12.validate reads the same variable.
    x12_validator: Literal["compiled", "pyx12"] = "compiled"

    @property
    def broker_is_redis(self) -> bool:
        return self.broker_url.split("://", 1)[0] in ("redis", "rediss", "redis+socket")

    @property
    def x12_limits(self) -> Limits:
        return Limits(segment=self.x12_max_segment, set=self.x12_max_set, interchange=self.x12_max_interchange)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gateway.db').as_posix()}"

    @property
    def blob_dir(self) -> Path:
        """Where raw documents are archived, content-addressed (a shared volume for several machines)."""
        return self.data_dir / "blobs"
