"""Build the runtime pyx12 map directories that `mappers.x12.maps.map_dir()` finds (mappers write no files).

    python -m gateway.x12_maps      # build both flavours (004010 and 005010 lengths) if not already there

Run by `make` after installing, by `gateway run` / the CLI at start-up (`install()`), and by the test suite. A
directory is assembled from pyx12's installed support files (its ISA qualifier lists replaced by the standard's,
from schemas/x12/maps/envelope.json), our data elements merged into `dataele.xml`, our code lists into
`codes.xml`, and our maps. It is built in a temporary directory and renamed into place, so several processes can
build at once; directories of older inputs are removed once nothing recent can be using them.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from xml.etree import ElementTree

from mappers.x12.maps import MapDirError, directory_name, inputs, roots

RELEASES = ("004010", "005010")
STALE_AFTER_SECONDS = 86_400  # a process started with older maps may still read its directory for a while


def install() -> list[Path]:
    """Both flavours of the map directory, built where `map_dir()` looks, unless already there."""
    root = _writable_root()
    return [build_map_dir(root, release) for release in RELEASES]


def build_map_dir(root: Path, release: str) -> Path:
    """Assemble the map directory for `release` ("004010" or "005010") under `root`, or reuse it if present."""
    target = root / directory_name(release)
    if (target / "maps.xml").is_file():
        _keep_tables(target)
        return target
    sources, additions, code_lists = inputs(release)
    files = dict(sources)
    envelope = json.loads(files["envelope.json"])["releases"]
    for icvn in ("00401", "00501"):
        name = f"x12.control.{icvn}.xml"
        files[name] = _widen_isa(files[name], envelope[icvn])
    files["dataele.xml"] = _merge_dataele(files["dataele.xml"], additions)
    files["codes.xml"] = _merge_codes(files["codes.xml"], code_lists)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "maps.xml").is_file():  # not a concurrent builder's win: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _forget_stale(root, release, target)
    _keep_tables(target)
    return target


def _keep_tables(target: Path) -> None:
    """Every map of the directory compiled once (mappers.x12.compiled), so that a process loads tables instead of
    building pyx12's map objects: ~30 ms and 4 MB for an 850 rather than ~300 ms and 14 MB. Written beside the
    maps atomically; a concurrent builder writes the same bytes."""
    from mappers.x12.compiled.tables import FORMAT, compile_file, tables_path

    for stale in (target / "compiled").glob("*.pickle"):  # tables of another version of the compiler
        if not stale.name.endswith(f".{FORMAT}.pickle"):
            with contextlib.suppress(OSError):
                stale.unlink()
    names = set(re.findall(r">([^<>]+\.xml)</map>", (target / "maps.xml").read_text(encoding="utf-8")))
    for name in sorted(names | {"x12.control.00401.xml", "x12.control.00501.xml"}):
        kept = tables_path(target, name)
        if kept.is_file() or not (target / name).is_file():
            continue
        kept.parent.mkdir(exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".tables-", dir=kept.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(compile_file(target, name), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(staging, kept)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staging)


def _writable_root() -> Path:
    for candidate in roots():
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise MapDirError("no writable directory for the pyx12 runtime maps")


def _forget_stale(root: Path, release: str, current: Path) -> None:
    """Remove directories built from older maps or another pyx12, once nothing recent can be using them."""
    cutoff = time.time() - STALE_AFTER_SECONDS
    for old in root.glob(f"{release}-*"):
        try:
            if old != current and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _widen_isa(control_map: bytes, lists: dict[str, list[str] | None]) -> bytes:
    """pyx12's control map with the ISA qualifier lists of the X12 standard (the rule book) instead of HIPAA's."""
    root = ElementTree.fromstring(control_map)
    for element in root.iter("element"):
        codes = lists.get(element.get("xid") or "") if element.get("xid") in ("ISA01", "ISA05", "ISA07") else None
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


if __name__ == "__main__":
    for built in install():
        print(built)
    sys.exit(0)
