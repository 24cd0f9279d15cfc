"""What every transport's configuration record shares: strict records, safe local directories, polling limits.

Each adapter's record sits beside it (`transports.folder`, `transports.sftp`, `transports.as2`); the partners file
builds its `[partners.transport]` union from them. Validation errors raise ValueError with a message that ends in
"; expected ...", which the partners file turns into one line naming the file, partner and key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Directories of the operating system: a partner's folder there is a mistake or an attack (reading /etc, filling
# /dev), never a mailbox.
SYSTEM_DIRS = tuple(Path(p) for p in (
    "/etc", "/proc", "/sys", "/dev", "/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
    "/run", "/var/run", "/var/lib", "/var/log", "/var/spool", "/var/cache", "/var/mail",
))
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class ConfigRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def system_dir_of(path: Path) -> Path | None:
    """The system directory `path` lies in (as written, or once symbolic links are followed), or None."""
    for candidate in (Path(os.path.abspath(path)), Path(os.path.realpath(path))):
        if candidate == Path("/"):
            return candidate
        for system in SYSTEM_DIRS:
            if candidate == system or system in candidate.parents:
                return system
    return None


def _safe_local_dir(path: Path) -> Path:
    if ".." in path.parts:
        raise ValueError(f"'{path}' climbs out with '..'; expected a path that stays inside its base directory")
    system = system_dir_of(path)
    if system is not None:
        raise ValueError(f"'{path}' points into the system directory {system}; expected a directory of the "
                         "gateway's own, such as var/partners/NAME")
    return path


LocalDir = Annotated[Path, AfterValidator(_safe_local_dir)]
"""A local directory the gateway reads or writes: no `..`, nowhere in the operating system's own directories."""


class PollingLimits(ConfigRecord):
    """What every polled channel takes (transports.rules applies them)."""

    settle_seconds: float = Field(default=0, ge=0, le=86_400)
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1)
