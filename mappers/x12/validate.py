"""Validation of X12 interchanges: bytes in, errors as data out.

`validate(data, encoding=...)` is the one interface the rest of the gateway uses, so that a faster
implementation can later replace the pyx12 path without touching mappers or acknowledgments. The envelope
(ISA/IEA, GS/GE, ST/SE pairing, counts and control numbers) is checked here, on the segments that
`mappers.x12.envelope` cuts out; the contents of each transaction set are checked by pyx12 against our maps,
driven segment by segment through its walker with the maps loaded once per process (`x12n_document` reloads
every map on each call, ~21 ms).

Every error carries the codes an acknowledgment needs (X12.md section 8):
- level "interchange": `code` is a TA1 note code (TA105, I18);
- level "group": an AK905/716 code;
- level "set": an AK502/718 (IK502) code;
- level "segment": an AK304/720 (IK304) code, with `segment` and `position` counted from ST = 1;
- level "element": an AK403/723 (IK403) code, with `element` (and `component`) inside that segment.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

import pyx12.errors
import pyx12.map_if
import pyx12.map_index
import pyx12.params
import pyx12.segment
from pyx12.map_walker import walk_tree

from mappers.x12.envelope import ISA_WIDTHS, SEPARATOR_OFFSETS, RawInterchange, RawSegment, split_interchanges
from mappers.x12.segments import Delimiters

Level = Literal["interchange", "group", "set", "segment", "element"]


@dataclass(frozen=True)
class ValidationError:
    level: Level
    code: str
    message: str
    interchange: str | None = None  # ISA13
    group: str | None = None  # GS06
    transaction: str | None = None  # ST02
    segment: str | None = None  # segment ID (None for an empty segment)
    position: int | None = None  # segment position counted from ST = 1, as in AK302
    element: int | None = None  # element position, as in AK401-1
    component: int | None = None  # component position, as in AK401-2
    value: str | None = None  # the bad value, as in AK404

    @property
    def where(self) -> str:
        """`ISA13/GS06/ST02`, with `-` for what does not apply."""
        return "/".join(x or "-" for x in (self.interchange, self.group, self.transaction))

    @property
    def pointer(self) -> str:
        """`SEG@position ELEMENT`, e.g. `BEG@2 BEG05` or `PO1@7 PO106-2`; empty for envelope errors."""
        if self.level not in ("segment", "element"):
            return ""
        text = f"{self.segment or '(empty)'}@{self.position}"
        if self.element is not None:
            text += f" {self.segment or ''}{self.element:02d}"
            if self.component is not None:
                text += f"-{self.component}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class SetReport:
    set_id: str  # ST01
    control_number: str  # ST02, exactly as sent
    implementation: str | None = None  # ST03 [5010]
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass
class GroupReport:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    control_number: str  # GS06
    version: str  # GS08
    declared_sets: int | None = None  # GE01 as sent (None when GE is missing or not a number)
    supported: bool = True  # a map exists for GS08/GS01 (else 716 1 or 2); a 997 cannot be written in GS08 then
    sets: list[SetReport] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def status(self) -> str:
        """AK901: A all accepted, P some rejected, R all rejected or the group itself in error."""
        accepted = sum(1 for s in self.sets if s.accepted)
        if self.errors or (self.sets and accepted == 0):
            return "R"
        return "A" if accepted == len(self.sets) else "P"


@dataclass
class InterchangeReport:
    control_number: str | None  # ISA13 (None when the ISA could not be read)
    sender_qualifier: str = ""
    sender_id: str = ""  # trimmed
    receiver_qualifier: str = ""
    receiver_id: str = ""  # trimmed
    date: str = ""  # ISA09
    time: str = ""  # ISA10
    version: str = ""  # ISA12
    ack_requested: bool = False  # ISA14 = 1
    usage: str = "P"  # ISA15
    delimiters: Delimiters | None = None
    has_ta1: bool = False  # the interchange carries a TA1 (it is itself an acknowledgment)
    groups: list[GroupReport] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)  # TA1 codes

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass
class ValidationReport:
    interchanges: list[InterchangeReport] = field(default_factory=list)

    @property
    def errors(self) -> list[ValidationError]:
        out: list[ValidationError] = []
        for ic in self.interchanges:
            out += ic.errors
            for group in ic.groups:
                out += group.errors
                for tx in group.sets:
                    out += tx.errors
        return out

    @property
    def ok(self) -> bool:
        return not self.errors


class Validator(Protocol):
    """The seam: any implementation that turns bytes into a report can replace the pyx12 one."""

    def validate(self, data: bytes, *, encoding: str = "ascii") -> ValidationReport: ...


def decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """The text to validate and whether non-ASCII characters are allowed.

    With an ASCII partner every byte becomes one character (latin-1), so a stray byte is reported as an
    invalid character in its element instead of failing the whole file. With a wider encoding the text is
    decoded as the partner sends it; undecodable bytes become U+FFFD and are reported the same way.
    """
    name = codecs.lookup(encoding).name
    if name == "ascii":
        return data.decode("latin-1"), False
    return data.decode(name, errors="replace"), True


def validate(data: bytes, *, encoding: str = "ascii", map_path: str | None = None) -> ValidationReport:
    """Validate every interchange in `data`; see the module docstring for what the errors hold.

    Without `map_path`, each interchange is checked with our runtime map directory for its ISA12 (strict
    004010 lengths for 00401, see `mappers.x12.maps`), or pyx12's own maps when ours are not installed.
    """
    if map_path is not None:
        return default_validator(map_path).validate(data, encoding=encoding)
    return _validate_all(data, encoding, lambda isa12: default_validator(_our_map_dir(isa12)))


# ---------------------------------------------------------------------------------------------------------
# The pyx12 implementation
# ---------------------------------------------------------------------------------------------------------

# TA1 note code (I18) for a bad value in ISA01..ISA16 (X12.md section 8).
_TA1_BY_ISA_ELEMENT = {1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
                       9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027"}
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_SEGMENT_XID = re.compile(r'<segment xid="([A-Z0-9]{2,3})"')
_REFDES = re.compile(r"(\d\d)(?:-(\d+))?$")
_TRAILER_ELEMENTS = {("ST", 1), ("ST", 2), ("SE", 1), ("SE", 2)}  # checked by the envelope pass


@functools.lru_cache(maxsize=4)
def default_validator(map_path: str | None = None) -> Pyx12Validator:
    """One validator per map directory and process: pyx12 maps are loaded once and kept."""
    return Pyx12Validator(map_path)


def _our_map_dir(isa12: str | None = None) -> str | None:
    try:
        from mappers.x12 import maps
    except ImportError:  # our maps are not installed: pyx12's own maps (997/999) still work
        return None
    return str(maps.map_dir("00401" if isa12 == "00401" else None))


def _validate_all(data: bytes, encoding: str, choose: Callable[[str], Pyx12Validator]) -> ValidationReport:
    text, wide = decode(data, encoding)
    report = ValidationReport()
    seen: set[tuple[str, str, str, str, str]] = set()
    for raw in split_interchanges(text):
        isa12 = raw.isa_text[84:89] if raw.delimiters is not None else ""
        ic = _InterchangeCheck(choose(isa12), raw, wide).run()
        key = (ic.sender_qualifier, ic.sender_id, ic.receiver_qualifier, ic.receiver_id, ic.control_number or "")
        if ic.control_number is not None and key in seen:
            ic.errors.append(ValidationError("interchange", "025", f"interchange control number "
                                             f"{ic.control_number} appears twice in this file for the "
                                             "same sender and receiver", interchange=ic.control_number))
        seen.add(key)
        report.interchanges.append(ic)
    if not report.interchanges:
        empty = InterchangeReport(control_number=None)
        empty.errors.append(ValidationError("interchange", "023", "the file is empty: no interchange (ISA) in it"))
        report.interchanges.append(empty)
    return report


class Pyx12Validator:
    """Validates with pyx12's map walker and element checks, driven set by set with cached maps."""

    def __init__(self, map_path: str | None = None) -> None:
        self.map_path = map_path
        self.param = pyx12.params.params()
        self._files: dict[tuple[str, str], str] = {}
        for entry in pyx12.map_index.map_index(map_path).maps:
            if entry["vriic"] and entry["fic"] and entry["map_file"]:
                self._files.setdefault((entry["vriic"], entry["fic"]), entry["map_file"])
        self._maps: dict[str, Any] = {}
        self._segment_nodes: dict[str, dict[str, list[Any]]] = {}
        self._all_ids: set[str] | None = None

    def load(self, map_file: str) -> Any:
        if map_file not in self._maps:
            self._maps[map_file] = pyx12.map_if.load_map_file(map_file, self.param, self.map_path)
        return self._maps[map_file]

    def map_for(self, version: str, functional_id: str) -> Any | None:
        map_file = self._files.get((version, functional_id))
        return self.load(map_file) if map_file else None

    def supports_version(self, version: str) -> bool:
        return any(v == version for v, _ in self._files)

    def control_map(self, isa12: str) -> Any:
        return self.load("x12.control.00501.xml" if isa12 >= "00501" else "x12.control.00401.xml")

    def segment_nodes(self, cur_map: Any) -> dict[str, list[Any]]:
        """Every segment node of a map by segment ID, to tell a bad qualifier from a misplaced segment."""
        key = cur_map.id + ":" + str(id(cur_map))
        if key not in self._segment_nodes:
            nodes: dict[str, list[Any]] = {}
            for node in cur_map.loop_segment_iterator():
                if node.is_segment():
                    nodes.setdefault(node.id, []).append(node)
            self._segment_nodes[key] = nodes
        return self._segment_nodes[key]

    def all_segment_ids(self) -> set[str]:
        """Segment IDs of every map we have: known somewhere but not in this set means AK304 6, not 1."""
        if self._all_ids is None:
            # Read the IDs straight from the XML: building every map object would cost seconds.
            ids: set[str] = set()
            for map_file in set(self._files.values()):
                try:
                    ids |= set(_SEGMENT_XID.findall(self._map_text(map_file)))
                except OSError:
                    continue
            self._all_ids = ids
        return self._all_ids

    def _map_text(self, map_file: str) -> str:
        if self.map_path is not None:
            return (Path(self.map_path) / map_file).read_text(encoding="utf-8")
        return resources.files("pyx12").joinpath("map", map_file).read_text(encoding="utf-8")

    def validate(self, data: bytes, *, encoding: str = "ascii") -> ValidationReport:
        return _validate_all(data, encoding, lambda isa12: self)


class _InterchangeCheck:
    """One pass over an interchange's segments: envelope pairing and counts, then each set's contents."""

    def __init__(self, validator: Pyx12Validator, raw: RawInterchange, wide: bool) -> None:
        self.v = validator
        self.raw = raw
        self.wide = wide
        self.ic = InterchangeReport(control_number=None, delimiters=raw.delimiters)
        self.group: GroupReport | None = None
        self.group_map: Any = None
        self.group_ids: set[str] = set()
        self.set_ids: set[str] = set()
        self.tx: SetReport | None = None
        self.tx_segments: list[RawSegment] = []
        self.outside_set = False  # an ST outside any group: its segments are skipped up to its SE

    def run(self) -> InterchangeReport:
        raw = self.raw
        if raw.delimiters is None or raw.isa is None:
            self.salvage(raw.isa_text)
            for e in raw.errors:
                self.error(e.code, e.message)
            return self.ic
        self.start(raw.isa_text)
        for seg in raw.segments():
            if seg is None:
                self.empty_segment()
            else:
                self.feed(seg)
        if not raw.closed:
            self.close_set(None)
            self.close_group(None)
            if not any(e.code == "023" for e in raw.errors):
                self.error("023", "the interchange trailer (IEA) is missing: the file ends inside the interchange")
        for e in raw.errors:
            self.error(e.code, e.message)
        return self.ic

    def salvage(self, text: str) -> None:
        """Identity and ISA13 of an ISA that is not fixed width, when splitting on its separator still gives
        16 elements: enough to address a TA1 that rejects it."""
        if len(text) < 4 or not text.startswith("ISA") or text[3].isalnum() or text[3] == " ":
            return
        fields = text.split(text[3])
        if len(fields) < 17 or not re.fullmatch(r"\d{9}", fields[13]):
            return
        ic = self.ic
        ic.sender_qualifier, ic.sender_id = fields[5].strip(), fields[6].strip()
        ic.receiver_qualifier, ic.receiver_id = fields[7].strip(), fields[8].strip()
        ic.date, ic.time, ic.version, ic.control_number = fields[9], fields[10], fields[12], fields[13]
        ic.ack_requested, ic.usage = fields[14] == "1", fields[15]

    # -- errors at each level -------------------------------------------------------------------------
    def error(self, code: str, message: str) -> None:
        self.ic.errors.append(ValidationError("interchange", code, message, interchange=self.ic.control_number))

    def group_error(self, code: str, message: str) -> None:
        assert self.group is not None
        self.group.errors.append(ValidationError("group", code, message, interchange=self.ic.control_number,
                                                 group=self.group.control_number))

    def set_error(self, code: str, message: str) -> None:
        assert self.tx is not None
        self.tx.errors.append(self._in_set("set", code, message))

    def _in_set(self, level: Level, code: str, message: str, **where: Any) -> ValidationError:
        assert self.tx is not None
        return ValidationError(level, code, message, interchange=self.ic.control_number,
                               group=self.group.control_number if self.group else None,
                               transaction=self.tx.control_number, **where)

    # -- ISA ------------------------------------------------------------------------------------------
    def start(self, isa: str) -> None:
        fields = [isa[o + 1:o + 1 + w] for o, w in zip(SEPARATOR_OFFSETS, ISA_WIDTHS, strict=True)]
        ic = self.ic
        ic.sender_qualifier, ic.sender_id = fields[4], fields[5].strip()
        ic.receiver_qualifier, ic.receiver_id = fields[6], fields[7].strip()
        ic.date, ic.time, ic.version = fields[8], fields[9], fields[11]
        ic.control_number, ic.ack_requested, ic.usage = fields[12], fields[13] == "1", fields[14]
        if not re.fullmatch(r"\d{5}", ic.version):
            self.error("017", f"ISA12 (interchange version) is {ic.version!r}: it must be 5 digits, e.g. 00401")
        d = self.raw.delimiters
        assert d is not None
        node = self.v.control_map(ic.version).getnodebypath("/ISA_LOOP/ISA")
        text = isa[:105] if not self.wide else _ascii_mask(isa[:105])
        _, errors = node.is_valid_errors(pyx12.segment.Segment(text, d.segment, d.element, d.component))
        for e in errors:
            index = e.map_node.seq if e.map_node is not None else 0
            # Qualifier lists in pyx12's control map are HIPAA's; ISA12 is checked above, ISA11 by the
            # delimiter detection in 5010.
            if index in (5, 7, 12) and e.err_cde == "7" or index == 11 and d.repetition is not None:
                continue
            code = _TA1_BY_ISA_ELEMENT.get(index, "022")
            self.error(code, f"ISA{index:02d}: {e.err_str}")

    # -- one segment ----------------------------------------------------------------------------------
    def feed(self, seg: RawSegment) -> None:
        tag = seg.tag
        if tag == "IEA":
            self.close_set(None)
            self.close_group(None)
            self.close_interchange(seg)
        elif tag == "GS":
            self.close_set(None)
            self.close_group(None)
            self.open_group(seg)
        elif tag == "GE":
            self.close_set(None)
            self.close_group(seg)
        elif tag == "ST":
            self.close_set(None)
            self.open_set(seg)
        elif self.tx is not None:
            self.tx_segments.append(seg)
            if tag == "SE":
                self.close_set(seg)
        elif self.outside_set:
            self.outside_set = tag != "SE"
        elif tag == "TA1" and self.group is None and not self.ic.groups:
            self.ic.has_ta1 = True
        else:
            where = "between transaction sets" if self.group else "outside any functional group"
            self.error("024", f"segment {tag} {where}: only GS..GE groups (and TA1) may appear there")

    def empty_segment(self) -> None:
        if self.tx is not None:
            position = len(self.tx_segments) + 1
            self.set_error("5", f"empty segment (two segment terminators in a row) before segment {position}: "
                                "a segment must have an ID")
        else:
            self.error("024", "empty segment (two segment terminators in a row) in the envelope")

    # -- GS/GE ----------------------------------------------------------------------------------------
    def open_group(self, seg: RawSegment) -> None:
        self.group = GroupReport(functional_id=seg.get(1), sender=seg.get(2), receiver=seg.get(3),
                                 control_number=seg.get(6), version=seg.get(8))
        self.ic.groups.append(self.group)
        self.set_ids = set()
        d = self.raw.delimiters
        assert d is not None
        node = self.v.control_map(self.ic.version).getnodebypath("/ISA_LOOP/GS_LOOP/GS")
        text = _ascii_mask(seg.text) if self.wide else seg.text
        _, errors = node.is_valid_errors(pyx12.segment.Segment(text, d.segment, d.element,
                                                               d.component))
        for e in errors:
            index = e.map_node.seq if e.map_node is not None else 0
            if index in (1, 8):
                continue  # decided by the maps we have, below
            if index == 6:
                self.group_error("6", f"GS06: {e.err_str}")
            else:
                self.error("024", f"GS{index:02d} of group {self.group.control_number}: {e.err_str}")
        if self.group.control_number in self.group_ids:
            # 716 19 exists from 4050 on; 4010 has no uniqueness code, 6 (control number syntax) is nearest.
            code = "19" if self.group.version >= "005010" else "6"
            self.group_error(code, f"group control number {self.group.control_number} is not unique within "
                                   "the interchange")
        self.group_ids.add(self.group.control_number)
        if not re.fullmatch(r"[A-Z]{2}", self.group.functional_id) or \
                not re.fullmatch(r"\d{1,9}", self.group.control_number) or \
                not re.fullmatch(r"[A-Za-z0-9]{1,12}", self.group.version):
            # A 997/999 must echo GS01, GS06 and GS08 (AK101-103): with these broken no functional ack can
            # answer the group, so the interchange is refused (TA1) rather than the group left unanswered.
            self.error("024", f"group {self.group.control_number!r}: GS01 {self.group.functional_id!r}, GS06 or "
                              f"GS08 {self.group.version!r} cannot be acknowledged")
        self.group_map = self.v.map_for(self.group.version, self.group.functional_id)
        self.group.supported = self.group_map is not None
        if self.group_map is None:
            if not self.v.supports_version(self.group.version):
                self.group_error("2", f"version {self.group.version!r} (GS08) is not supported")
            else:
                self.group_error("1", f"functional group {self.group.functional_id!r} (GS01) is not supported "
                                      f"in version {self.group.version}")

    def close_group(self, ge: RawSegment | None) -> None:
        group = self.group
        if group is None:
            if ge is not None:
                self.error("024", "functional group trailer (GE) without a header (GS)")
            return
        if ge is None:
            self.group_error("3", f"functional group trailer (GE) missing for group {group.control_number}")
        else:
            if ge.get(2) != group.control_number:
                self.group_error("4", f"GE02 {ge.get(2)!r} does not match GS06 {group.control_number!r}")
            group.declared_sets = int(ge.get(1)) if ge.get(1).isdigit() else None
            if not _is_count(ge.get(1), len(group.sets)):
                self.group_error("5", f"GE01 says {ge.get(1)!r} transaction sets, the group has {len(group.sets)}")
        self.group = None
        self.group_map = None

    # -- ST/SE ----------------------------------------------------------------------------------------
    def open_set(self, st: RawSegment) -> None:
        if self.group is None:
            self.error("024", f"transaction set {st.get(2)!r} (ST) outside any functional group")
            self.outside_set = True
            return
        self.tx = SetReport(set_id=st.get(1), control_number=st.get(2), implementation=st.get(3) or None)
        self.group.sets.append(self.tx)
        self.tx_segments = [st]
        if not re.fullmatch(r"\d{3}", self.tx.set_id):
            self.set_error("6", f"ST01 {self.tx.set_id!r} is not a transaction set identifier")
        elif self.group_map is None:
            self.set_error("1", f"transaction set {self.tx.set_id} is not supported: no map for GS01 "
                                f"{self.group.functional_id!r} in version {self.group.version!r}")
        elif self.group_map.id != self.tx.set_id:
            self.set_error("6", f"a {self.tx.set_id} does not belong in a {self.group.functional_id} group, "
                                f"which holds {self.group_map.id}s")
        if not 4 <= len(self.tx.control_number) <= 9 or not self.tx.control_number.strip():
            self.set_error("7", f"ST02 {self.tx.control_number!r} must be 4 to 9 characters")
        elif self.tx.control_number in self.set_ids:
            self.set_error("23", f"ST02 {self.tx.control_number} is not unique within the functional group")
        self.set_ids.add(self.tx.control_number)

    def close_set(self, se: RawSegment | None) -> None:
        tx = self.tx
        if tx is None:
            return
        count = len(self.tx_segments)
        if se is None:
            self.set_error("2", f"transaction set trailer (SE) missing for set {tx.control_number}")
        else:
            if se.get(2) != tx.control_number:
                self.set_error("3", f"SE02 {se.get(2)!r} does not match ST02 {tx.control_number!r}")
            if not _is_count(se.get(1), count):
                self.set_error("4", f"SE01 says {se.get(1)!r} segments, the set has {count} (ST and SE included)")
        if self.group_map is not None and self.group_map.id == tx.set_id:
            try:
                _SetCheck(self, self.group_map).run(self.tx_segments)
            except (pyx12.errors.EngineError, pyx12.errors.X12Error) as e:
                self.set_error("5", f"the validator could not follow this set: {e}")
        self.tx = None
        self.tx_segments = []

    # -- IEA ------------------------------------------------------------------------------------------
    def close_interchange(self, iea: RawSegment) -> None:
        if iea.get(2) != self.ic.control_number:
            self.error("001", f"IEA02 {iea.get(2)!r} does not match ISA13 {self.ic.control_number!r}")
        if not _is_count(iea.get(1), len(self.ic.groups)):
            self.error("021", f"IEA01 says {iea.get(1)!r} functional groups, the interchange has "
                              f"{len(self.ic.groups)}")


class _SetCheck:
    """The contents of one transaction set through pyx12's walker (placement) and element checks."""

    def __init__(self, outer: _InterchangeCheck, cur_map: Any) -> None:
        self.outer = outer
        self.map = cur_map
        self.nodes = outer.v.segment_nodes(cur_map)
        self.add = outer.tx.errors.append if outer.tx is not None else None

    def run(self, segments: list[RawSegment]) -> None:
        d = self.outer.raw.delimiters
        assert d is not None
        walker = walk_tree()
        node = self.map.getnodebypath("/ISA_LOOP/GS_LOOP/GS")
        walker.forceWalkCounterToLoopStart("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
        for position, raw in enumerate(segments, start=1):
            text = _ascii_mask(raw.text) if self.outer.wide else raw.text
            seg = pyx12.segment.Segment(text, d.segment, d.element, d.component)
            tag = raw.tag
            if not _SEGMENT_ID.fullmatch(tag):
                self.segment("1", f"{tag!r} is not a segment ID", tag, position)
                continue
            found, errors = self.walk(walker, node, seg, position)
            for e in errors:
                self.walk_error(e, tag, position, node)
            if found is None:
                continue
            node = found
            _, element_errors = found.is_valid_errors(seg)
            for ee in element_errors:
                self.element_error(ee, raw, position)

    def walk(self, walker: walk_tree, node: Any, seg: Any, position: int) -> tuple[Any, list[Any]]:
        found, _, _, errors = walker.walk_errors(node, seg, position, position, None)
        if found is not None or seg.get_seg_id() not in self.nodes:
            return found, errors
        # pyx12 reports a bad qualifier in a known segment as "segment not found": place the segment with
        # each valid qualifier in turn; the element check then reports the bad code itself (723 7).
        qualifier = seg.get_value("01")
        codes = [c for n in self.nodes[seg.get_seg_id()] for c in _first_codes(n)]
        if not codes or qualifier in codes:
            return found, errors
        for code in dict.fromkeys(codes):
            saved = walker.counter._dict.copy()
            trial = pyx12.segment.Segment(seg.format(), seg.seg_term, seg.ele_term, seg.subele_term)
            trial.set("01", code)
            placed, _, _, trial_errors = walker.walk_errors(node, trial, position, position, None)
            if placed is not None:
                return placed, trial_errors
            walker.counter._dict = saved
        return found, errors

    def walk_error(self, e: Any, tag: str, position: int, current: Any) -> None:
        code = e.err_cde
        segment, where = tag, e.seg_count or position
        if code == "3" and e.map_node is not None:
            segment = e.map_node.id
            message = e.err_str
        elif code == "1":
            if tag in self.nodes and self.comes_earlier(tag, current):
                code, message = "7", f"segment {tag} is out of sequence: in the {self.map.id} it comes before " \
                                     f"{current.id}"
            elif tag in self.nodes:
                code, message = "2", f"segment {tag} is not expected at this place in the {self.map.id}"
            elif tag in self.outer.v.all_segment_ids():
                code, message = "6", f"segment {tag} is not defined in the {self.map.id}"
            else:
                message = f"segment ID {tag} is not recognized"
        else:
            message = e.err_str
        self.segment(code, message, segment, where)

    def comes_earlier(self, tag: str, current: Any) -> bool:
        """Whether `tag` belongs in the current segment's loop before it: 720 7 (not in proper sequence)."""
        if current is None or not current.is_segment():
            return False
        return any(n.parent is current.parent and n.pos < current.pos for n in self.nodes[tag])

    def segment(self, code: str, message: str, segment: str, position: int) -> None:
        if self.add:
            self.add(self.outer._in_set("segment", code, message, segment=segment, position=position))

    def element_error(self, ee: Any, raw: RawSegment, position: int) -> None:
        tag = raw.tag
        element: int | None = None
        component: int | None = None
        node = ee.map_node
        rule = _SYNTAX_RULE.search(ee.err_str or "")
        if rule:
            element = _rule_target(rule.group(1), rule.group(2), raw)
        elif node is not None:
            if node.parent is not None and node.parent.is_composite():
                element, component = node.parent.seq, node.seq
            else:
                element = node.seq
        elif ee.refdes and (m := _REFDES.search(str(ee.refdes))):
            element = int(m.group(1))
            component = int(m.group(2)) if m.group(2) else None
        if element is None:
            self.segment("8", ee.err_str, tag, position)
            return
        if (tag, element) in _TRAILER_ELEMENTS:
            return
        if self.add:
            self.add(self.outer._in_set("element", ee.err_cde, ee.err_str, segment=tag, position=position,
                                        element=element, component=component, value=ee.err_val))


_SYNTAX_RULE = re.compile(r"Syntax Error \(([PRCEL])((?:\d\d)+)\)")


def _rule_target(kind: str, digits: str, raw: RawSegment) -> int:
    """The element an X12 syntax rule error is about. pyx12 names the rule's first element; the 723 code
    (2 conditional required missing, 10 exclusion violated) is about the one that is missing or too many:
    P (paired) and R (at least one): the first empty one; C and L (if the first, then the others): the first
    empty one after the first; E (only one of): the second one present."""
    elements = [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    present = [e for e in elements if raw.get(e) != ""]
    if kind == "E":
        return present[1] if len(present) > 1 else elements[0]
    candidates = elements[1:] if kind in ("C", "L") else elements
    return next((e for e in candidates if raw.get(e) == ""), elements[0])


def _first_codes(node: Any) -> list[str]:
    first = node.children[0] if node.children else None
    if first is not None and first.is_composite():
        first = first.children[0] if first.children else None
    return list(getattr(first, "valid_codes", []) or [])


def _is_count(text: str, actual: int) -> bool:
    return text.isdigit() and int(text) == actual


def _ascii_mask(text: str) -> str:
    """Non-ASCII characters as '?' for pyx12 only (same length); U+FFFD (undecodable) stays and is reported."""
    if text.isascii():
        return text
    return "".join(c if c.isascii() or c == "\ufffd" else "?" for c in text)
