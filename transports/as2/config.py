"""AS2 (RFC 4130): the configuration record of `kind = "as2"` partners."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from transports.config import ConfigRecord


class As2Config(ConfigRecord):
    kind: Literal["as2"]
    as2_id: str = Field(min_length=1, max_length=128)
    url: str = Field(pattern=r"^https?://")
    certificate: Path
    sign: Literal["sha256", "sha384", "sha512"] | None = "sha256"  # we verify SHA-1, never sign with it
    encrypt: Literal["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"] | None = "aes256_cbc"
    mdn: Literal["sync", "async"] = "sync"
    mdn_signed: bool = True
    compress: bool = False  # RFC 5402 compression before signing
    mdn_url: str | None = Field(default=None, pattern=r"^https?://")  # ours, given to the partner for async MDNs
    # Refuse messages from this partner that are not signed or not encrypted (insufficient-message-security).
    require_signed: bool = True
    require_encrypted: bool = False
