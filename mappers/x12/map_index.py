"""Which map checks which set: maps.xml of a map directory (ours, or pyx12's own when None), read once.

Both set validators (`validate_pyx12`, `compiled`) choose maps the same way: by (GS08, GS01), or by
(GS08, GS01, ST01) when a group holds several set types (a 5010 FA group holds 997s and 999s).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pyx12.map_index

_SEGMENT_XID = re.compile(r'<segment xid="([A-Z0-9]{2,3})"')


class MapIndex:
    def __init__(self, map_path: str | None = None) -> None:
        self.map_path = map_path
        self._files: dict[tuple[str, str], str] = {}  # the group's map: the first maps.xml names
        self._set_files: dict[tuple[str, str, str], str] = {}  # by ST01 too
        for entry in pyx12.map_index.map_index(map_path).maps:
            if entry["vriic"] and entry["fic"] and entry["map_file"]:
                self._files.setdefault((entry["vriic"], entry["fic"]), entry["map_file"])
                self._set_files[(entry["vriic"], entry["fic"], entry["abbr"] or "")] = entry["map_file"]
        self._all_ids: set[str] | None = None

    def map_file(self, version: str, functional_id: str, set_id: str | None = None) -> str | None:
        """The map file for a group (GS08, GS01), or for one set of it (ST01) when several sets share the group."""
        found = self._set_files.get((version, functional_id, set_id)) if set_id else None
        return found or self._files.get((version, functional_id))

    def supports_version(self, version: str) -> bool:
        return any(v == version for v, _ in self._files)

    def all_segment_ids(self) -> set[str]:
        """Segment IDs of every map we have: known somewhere but not in this set means AK304 6, not 1."""
        if self._all_ids is None:
            # Read the IDs straight from the XML: building every map object would cost seconds.
            ids: set[str] = set()
            for map_file in set(self._files.values()):
                try:
                    ids |= set(_SEGMENT_XID.findall(self.map_text(map_file)))
                except OSError:
                    continue
            self._all_ids = ids
        return self._all_ids

    def map_text(self, map_file: str) -> str:
        if self.map_path is not None:
            return (Path(self.map_path) / map_file).read_text(encoding="utf-8")
        return resources.files("pyx12").joinpath("map", map_file).read_text(encoding="utf-8")
