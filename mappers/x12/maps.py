"""The runtime pyx12 map directory: pyx12's support files plus our maps, assembled once per process.

With `map_path`, pyx12 reads *everything* from one directory (maps.xml, the control maps, codes.xml, dataele.xml,
the maps) and falls back to nothing, so we assemble that directory from pyx12's installed support files and our
generated maps in schemas/x12/maps/ (see schemas/x12/generate.py), merging our data elements into pyx12's
`dataele.xml`. Nothing of pyx12 is committed: its files are copied from the installed package.

Two flavours, because pyx12 knows one length per data element: the default directory carries 005010 lengths
(which only grew since 004010, so it never rejects a valid 004010 document); `map_dir("00401")` carries strict
004010 lengths (REF02 1/30, BRA01 1/30...) for validating an interchange whose ISA12 is 00401.

The directory is keyed by a hash of its inputs, built in a temporary directory and renamed into place, so several
processes can build it at once and a stale one is never reused.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import time
from importlib import metadata, resources
from pathlib import Path
from xml.etree import ElementTree

_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "x12"
_OURS = _SCHEMAS / "maps"
_PYX12_SUPPORT = ("x12.control.00401.xml", "x12.control.00501.xml", "codes.xml", "dataele.xml")
_FLAVOURS = {"00401": "004010", "00501": "005010"}


class MapDirError(RuntimeError):
    """The map directory cannot be assembled (our maps or pyx12's files missing): retrying will not help."""


def map_dir(icvn: str | None = None) -> Path:
    """The pyx12 `map_path` to validate with; built on the first call, then cached for the process.

    `icvn` is the interchange's ISA12: "00401" gives strict 004010 element lengths, anything else (or None) the
    005010 lengths. Every flavour holds every map, so any GS08 we support resolves in either.
    """
    return _cached(_FLAVOURS.get(icvn or "", "005010"))


@functools.cache
def _cached(release: str) -> Path:
    return build_map_dir(_root(), release)


def build_map_dir(root: Path, release: str) -> Path:
    """Assemble the map directory for `release` ("004010" or "005010") under `root`, or reuse it if present.

    Safe when several processes call it at once: each builds in its own temporary directory and renames it into
    place; the loser of the race discards its copy and uses the winner's.
    """
    if not (_OURS / "maps.xml").is_file():
        raise MapDirError(f"our pyx12 maps are missing: run `python -m schemas.x12.generate` ({_OURS})")
    pyx12_maps = resources.files("pyx12").joinpath("map")
    sources: list[tuple[str, bytes]] = [
        (name, _widen_isa(data) if name.startswith("x12.control") else data)
        for name, data in ((n, pyx12_maps.joinpath(n).read_bytes()) for n in _PYX12_SUPPORT)
    ]
    ours = sorted(p for p in _OURS.glob("*.xml") if not p.name.startswith(("dataele.", "codes.")))
    sources += [(p.name, p.read_bytes()) for p in ours]
    additions = (_OURS / f"dataele.{release}.xml").read_bytes()
    code_lists = (_OURS / "codes.x12.xml").read_bytes()
    digest = hashlib.sha256(release.encode() + metadata.version("pyx12").encode())
    for name, data in sources + [("additions", additions), ("code lists", code_lists)]:
        digest.update(name.encode() + b"\0" + data)
    target = root / f"{release}-{digest.hexdigest()[:16]}"
    if (target / "maps.xml").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        for name, data in sources:
            (staging / name).write_bytes(data)
        (staging / "dataele.xml").write_bytes(_merge_dataele(dict(sources)["dataele.xml"], additions))
        (staging / "codes.xml").write_bytes(_merge_codes(dict(sources)["codes.xml"], code_lists))
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "maps.xml").is_file():  # not a concurrent builder's win: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _forget_stale(root, release, target)
    return target


STALE_AFTER_SECONDS = 86_400  # a process started with older maps may still read its directory for a while


def _forget_stale(root: Path, release: str, current: Path) -> None:
    """Remove directories built from older maps or another pyx12, once nothing recent can be using them."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for old in root.glob(f"{release}-*"):
        try:
            if old != current and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _root() -> Path:
    """schemas/x12/runtime/ (git-ignored) when writable, else a per-user cache directory."""
    for candidate in (_SCHEMAS / "runtime", Path(tempfile.gettempdir()) / f"edi-gateway-pyx12-{os.getuid()}"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise MapDirError("no writable directory for the pyx12 runtime maps")


# pyx12's control maps list only HIPAA qualifiers; X12.md §1 and sample 9a show others (ISA01 01, ISA05 12)
_ISA_CODES = {
    "ISA01": ["00", "01", "02", "03", "04", "05", "06"],
    "ISA05": [
        "01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30",
        "31", "32", "33", "34", "35", "36", "37", "38", "AM", "NR", "SA", "SN", "ZZ",
    ],
}
_ISA_CODES["ISA07"] = _ISA_CODES["ISA05"]


def _widen_isa(control_map: bytes) -> bytes:
    """pyx12's control map with the ISA qualifier lists of the X12 standard instead of HIPAA's."""
    root = ElementTree.fromstring(control_map)
    for element in root.iter("element"):
        codes = _ISA_CODES.get(element.get("xid") or "")
        valid = element.find("valid_codes")
        if codes and valid is not None:
            for code in list(valid):
                valid.remove(code)
            for value in codes:
                ElementTree.SubElement(valid, "code").text = value
    widened: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return widened


def _merge_dataele(base: bytes, additions: bytes) -> bytes:
    """pyx12's data elements with ours added; ours win where both define a number (the release's lengths)."""
    ours = {e.get("ele_num"): e for e in ElementTree.fromstring(additions).iter("data_ele")}
    root = ElementTree.fromstring(base)
    for existing in list(root.iter("data_ele")):
        if existing.get("ele_num") in ours:
            root.remove(existing)
    for element in ours.values():
        element.tail = "\n  "
        root.append(element)
    merged: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return merged


def _merge_codes(base: bytes, ours: bytes) -> bytes:
    """pyx12's external code sets with ours (the X12 code lists, `x12-<element>`) appended."""
    root = ElementTree.fromstring(base)
    for codeset in ElementTree.fromstring(ours).iter("codeset"):
        codeset.tail = "\n  "
        root.append(codeset)
    merged: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return merged
