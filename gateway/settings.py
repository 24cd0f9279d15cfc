"""Settings: environment variables prefixed GATEWAY_, read once by whoever composes the application."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PARTNERS = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "partners.toml"


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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gateway.db').as_posix()}"

    @property
    def blob_dir(self) -> Path:
        """Where raw documents are archived, content-addressed (a shared volume for several machines)."""
        return self.data_dir / "blobs"
