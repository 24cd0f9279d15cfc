"""SFTP (paramiko): the configuration record of `kind = "sftp"` partners. The adapter arrives on this seam."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from transports.config import PollingLimits


class SftpConfig(PollingLimits):
    kind: Literal["sftp"]
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    private_key: Path  # must lie inside the key directory (GATEWAY_KEY_DIR); checked with the partners file
    host_key: str = Field(min_length=1, description="the server's public host key, pinned")
    inbound_dir: str = "outbound"
    outbound_dir: str = "inbound"
    poll_seconds: int = Field(default=60, ge=1)
