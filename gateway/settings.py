"""Settings: environment variables prefixed GATEWAY_, read once by whoever composes the application."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from mappers.x12.envelope import Limits

DEFAULT_PARTNERS = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "partners.toml"


class Settings(BaseSettings):
    """Everything has a default that works on one machine with nothing else installed."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite at <data_dir>/gateway.db
    broker_url: str = ""  # empty: the embedded filesystem broker under <data_dir>/broker
    partners: Path = DEFAULT_PARTNERS
    host: str = "127.0.0.1"
    port: int = 8000
    # The most X12 read at once, in characters (bytes for ASCII partners): beyond it reading stops with an
    # error naming the limit (mappers.x12.envelope.Limits). A set is held whole while validated and mapped.
    x12_max_segment: int = Field(default=Limits.segment, ge=1024)
    x12_max_set: int = Field(default=Limits.set, ge=1024)
    x12_max_interchange: int = Field(default=Limits.interchange, ge=1024)

    @property
    def x12_limits(self) -> Limits:
        return Limits(segment=self.x12_max_segment, set=self.x12_max_set, interchange=self.x12_max_interchange)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gateway.db').as_posix()}"
