"""AS2 (RFC 4130): the configuration record of `kind = "as2"` partners. The adapter arrives on this seam."""

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
    sign: Literal["sha256", "sha384", "sha512", "sha1"] | None = "sha256"
    encrypt: Literal["aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc"] | None = "aes256_cbc"
    mdn: Literal["sync", "async"] = "sync"
    mdn_signed: bool = True
