"""Where the runtime pyx12 map directory is: read only. `gateway.x12_maps` builds it (DESIGN section 3: no file
writes in mappers).

With `map_path`, pyx12 reads *everything* from one directory (maps.xml, the control maps, codes.xml, dataele.xml,
the maps) and falls back to nothing, so the gateway assembles that directory at install or start-up time from
pyx12's installed support files and our generated maps in schemas/x12/maps/ (see schemas/x12/generate.py).

Two flavours, because pyx12 knows one length per data element: the default directory carries 005010 lengths
(which only grew since 004010, so it never rejects a valid 004010 document); `map_dir("00401")` carries strict
004010 lengths (REF02 1/30, BRA01 1/30...) for validating an interchange whose ISA12 is 00401.

A directory is named by a hash of its inputs (`inputs` below), so a stale one is never used: after an upgrade of
pyx12 or of our maps, the gateway builds the new one and this module finds it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from importlib import metadata, resources
from pathlib import Path

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "x12"
OURS = SCHEMAS / "maps"
PYX12_SUPPORT = ("x12.control.00401.xml", "x12.control.00501.xml", "codes.xml", "dataele.xml")
_FLAVOURS = {"00401": "004010", "00501": "005010"}


class MapDirError(RuntimeError):
    """The map directory is not there (not installed, or our maps missing): retrying will not help."""


def map_dir(icvn: str | None = None) -> Path:
    """The pyx12 `map_path` to validate with, as `gateway.x12_maps.install()` built it; cached per process.

    `icvn` is the interchange's ISA12: "00401" gives strict 004010 element lengths, anything else (or None) the
    005010 lengths. Every flavour holds every map, so any GS08 we support resolves in either.
    """
    return _located(_FLAVOURS.get(icvn or "", "005010"))


@functools.cache
def _located(release: str) -> Path:
    name = directory_name(release)
    for root in roots():
        if (root / name / "maps.xml").is_file():
            return root / name
    raise MapDirError(f"the pyx12 map directory {name} is not installed: run `python -m gateway.x12_maps` "
                      "(make does it after installing; the gateway does it at start-up)")


def inputs(release: str) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
    """What the directory for `release` is made of: pyx12's support files and our maps (name, bytes), our data
    elements for the release and our code lists."""
    if not (OURS / "maps.xml").is_file():
        raise MapDirError(f"our pyx12 maps are missing: run `python -m schemas.x12.generate` ({OURS})")
    pyx12_maps = resources.files("pyx12").joinpath("map")
    sources = [(name, pyx12_maps.joinpath(name).read_bytes()) for name in PYX12_SUPPORT]
    ours = sorted(p for p in OURS.glob("*.xml") if not p.name.startswith(("dataele.", "codes.")))
    sources += [(p.name, p.read_bytes()) for p in ours]
    sources.append(("envelope.json", (OURS / "envelope.json").read_bytes()))
    return sources, (OURS / f"dataele.{release}.xml").read_bytes(), (OURS / "codes.x12.xml").read_bytes()


@functools.cache
def directory_name(release: str) -> str:
    """`<release>-<hash of the inputs>`: a directory built from other inputs is another directory. Hashed once per
    process (~20 ms of reading and hashing): the CLI and the gateway ask at start-up (`install`), then the first
    pass asks again (`map_dir`), and the directory found is kept for the process anyway (`_located`)."""
    sources, additions, code_lists = inputs(release)
    digest = hashlib.sha256(release.encode() + metadata.version("pyx12").encode())
    for name, data in sources + [("additions", additions), ("code lists", code_lists)]:
        digest.update(name.encode() + b"\0" + data)
    return f"{release}-{digest.hexdigest()[:16]}"


def roots() -> list[Path]:
    """Where the directories may be: schemas/x12/runtime/ (git-ignored), else a per-user temporary directory."""
    return [SCHEMAS / "runtime", Path(tempfile.gettempdir()) / f"edi-gateway-pyx12-{os.getuid()}"]
