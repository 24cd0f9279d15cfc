"""The envelope pass of validation: ISA/IEA, GS/GE, ST/SE pairing, counts and control numbers.

One pass over an interchange's segments as `mappers.x12.envelope` streams them: envelope errors are
reported with their TA1 / 716 / 718 codes here, and each complete set is handed to the interchange's
`SetValidator` (`validate_api`: pyx12's walker or the compiled tables) for its contents, which reports back
through a `SetSink`. Only the current set's segments are held.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from mappers.x12.control_seen import SeenControlNumbers
from mappers.x12.envelope import (
    EnvelopeError,
    HeldSegments,
    IsaHeader,
    Limits,
    RawInterchange,
    RawSegment,
    isa_header,
    split_interchanges,
)
from mappers.x12.validate_api import ChooseValidator, SetMap, SetValidator, ascii_mask
from mappers.x12.validate_codes import CODED_ISA_ELEMENTS, isa_code_errors
from mappers.x12.validate_composites import composite_errors, composite_segments
from mappers.x12.validate_report import (
    ACK_SETS,
    GroupReport,
    InterchangeReport,
    Level,
    SetReport,
    ValidationError,
)

# TA1 note code (I18) for a bad value in ISA01..ISA16 (X12.md section 8).
_TA1_BY_ISA_ELEMENT = {1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
                       9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027"}


_TRAILER_ELEMENTS = {("ST", 1), ("ST", 2), ("SE", 1), ("SE", 2)}  # checked by this pass

PrivateCodes = Callable[[str, str], frozenset[str]]
"""(ISA05, ISA06) -> the elements ("REF01") where that sender's unknown codes are warnings, not errors."""


class Listener(Protocol):
    """Told of each set and group as validation closes it, their reports final from then on (what the one pass,
    `mappers.x12.onepass`, acknowledges and maps). A set is told with its segments, the group it is in and what
    its interchange's report holds so far: errors of a later GE or IEA are not known yet."""

    def group_opened(self, ic: InterchangeReport, group: GroupReport) -> None: ...

    def set_closed(self, ic: InterchangeReport, group: GroupReport, tx: SetReport,
                   segments: Sequence[RawSegment]) -> None: ...

    def group_closed(self, ic: InterchangeReport, group: GroupReport) -> None: ...


def interchange_checks(text: str | Iterable[str], wide: bool, choose: ChooseValidator,
                       limits: Limits | None = None, private_codes: PrivateCodes | None = None,
                       listener: Listener | None = None) -> Iterator[InterchangeCheck]:
    """A check per interchange of `text`, each to be run (`run` or `steps`) before the next is taken; a file
    without any interchange gets one, which reports that (023)."""
    seen: set[tuple[str, str, str, str, str]] = set()  # the interchanges' identities, for 025
    any_interchange = False
    for raw in split_interchanges(text, limits):
        any_interchange = True
        isa12 = raw.isa_text[84:89] if raw.delimiters is not None else ""
        yield InterchangeCheck(choose(isa12), raw, wide, private_codes, listener, seen)
    if not any_interchange:
        empty = EnvelopeError("023", "the file is empty: no interchange (ISA) in it")
        yield InterchangeCheck(choose(""), RawInterchange(offset=0, delimiters=None, errors=[empty]), wide)


class InterchangeCheck:
    """One pass over an interchange's segments: envelope pairing and counts, then each set's contents."""

    def __init__(self, validator: SetValidator, raw: RawInterchange, wide: bool,
                 private_codes: PrivateCodes | None = None, listener: Listener | None = None,
                 seen: set[tuple[str, str, str, str, str]] | None = None) -> None:
        self.v = validator
        self.seen = seen if seen is not None else set()  # the file's interchanges so far, for 025
        self.listener = listener  # when given, sets are told to it and not kept in their group's report
        self.closed = 0  # sets closed so far (`steps` yields after each)
        self.private_codes = private_codes
        self.private: frozenset[str] = frozenset()  # the sender's private_codes, known once the ISA is read
        self.raw = raw
        self.wide = wide
        self.ic = InterchangeReport(control_number=None, delimiters=raw.delimiters)
        self.group: GroupReport | None = None
        self.group_map: SetMap | None = None
        self.set_map: SetMap | None = None  # the group's map, or the one for this set's ST01 (a 999 in a 5010 FA group)
        self.group_ids: set[str] = set()
        self.set_ids = SeenControlNumbers()
        self.tx: SetReport | None = None
        self.tx_segments = HeldSegments()
        self.composite_tags = composite_segments()
        self.with_composites: list[tuple[int, RawSegment]] = []  # the set's segments holding a composite with notes
        self.outside_set = False  # an ST outside any group: its segments are skipped up to its SE

    def run(self) -> InterchangeReport:
        for _ in self.steps():
            pass
        return self.ic

    def steps(self) -> Iterator[None]:
        """`run` step by step: yields after each segment that closed a set (the listener was told of it), so
        that a caller can act on that set before the next one is read; `ic` is complete when it ends."""
        yield from self._steps()
        ic = self.ic
        key = (ic.sender_qualifier, ic.sender_id, ic.receiver_qualifier, ic.receiver_id, ic.control_number or "")
        if ic.control_number is not None and key in self.seen:
            ic.errors.append(ValidationError("interchange", "025", f"interchange control number "
                                             f"{ic.control_number} appears twice in this file for the "
                                             "same sender and receiver", interchange=ic.control_number))
        self.seen.add(key)

    def _steps(self) -> Iterator[None]:
        raw = self.raw
        if raw.delimiters is None or raw.header is None:
            self.salvage(raw.isa_text)
            for e in raw.errors:
                self.error(e.code, e.message)
            return
        assert raw.header is not None  # read with the delimiters
        self.start(raw.isa_text, raw.header)
        closed = 0
        for seg in raw.segments():
            if seg is None:
                self.empty_segment()
            else:
                self.feed(seg)
            if self.closed != closed:
                closed = self.closed
                yield
        if not raw.closed and not raw.over_limit:
            self.close_set(None)
            self.close_group(None)
            if not any(e.code == "023" for e in raw.errors):
                self.error("023", "the interchange trailer (IEA) is missing: the file ends inside the interchange")
        for e in raw.errors:
            self.error(e.code, e.message)

    def salvage(self, text: str) -> None:
        """Identity and ISA13 of an ISA that is not fixed width, when splitting on its separator still gives
        16 elements: enough to address a TA1 that rejects it."""
        header = isa_header(text)
        if header is None or text[3].isalnum() or text[3] == " " or not re.fullmatch(r"\d{9}", header.get(13)):
            return
        self.header(header)
        self.ic.sender_qualifier, self.ic.receiver_qualifier = header.sender_qualifier.strip(), \
            header.receiver_qualifier.strip()

    def header(self, header: IsaHeader) -> None:
        ic = self.ic
        ic.sender_qualifier, ic.sender_id = header.sender_qualifier, header.sender_id
        ic.receiver_qualifier, ic.receiver_id = header.receiver_qualifier, header.receiver_id
        ic.date, ic.time, ic.version, ic.control_number = header.get(9), header.get(10), header.get(12), \
            header.control_number
        ic.ack_requested, ic.usage = header.get(14) == "1", header.get(15)

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

    # -- the SetSink a set validator reports to ------------------------------------------------------------
    def segment(self, code: str, message: str, segment: str, position: int) -> None:
        if self.tx is not None:
            self.tx.errors.append(self._in_set("segment", code, message, segment=segment, position=position))

    def element(self, code: str, message: str, segment: str, position: int, element: int,
                component: int | None, value: str | None, trigger: int | None) -> None:
        if (segment, element) in _TRAILER_ELEMENTS or self.tx is None:
            return
        found = self._in_set("element", code, message, segment=segment, position=position, element=element,
                             component=component, value=value, trigger=trigger)
        if code == "7" and component is None and f"{segment}{element:02d}" in self.private:
            self.tx.warnings.append(found)  # a code the sender is known to use privately
        else:
            self.tx.errors.append(found)

    # -- ISA ------------------------------------------------------------------------------------------
    def start(self, isa: str, header: IsaHeader) -> None:
        self.header(header)
        ic = self.ic
        if self.private_codes is not None:
            self.private = self.private_codes(ic.sender_qualifier, ic.sender_id)
        if not re.fullmatch(r"\d{5}", ic.version):
            self.error("017", f"ISA12 (interchange version) is {ic.version!r}: it must be 5 digits, e.g. 00401")
        else:
            for code, message in isa_code_errors(list(header.elements)):
                self.error(code, message)
        d = self.raw.delimiters
        assert d is not None
        text = isa[:105] if not self.wide else ascii_mask(isa[:105])
        for index, err_cde, err_str in self.v.envelope_errors("ISA", ic.version, text, d):
            # Code lists are ours (pyx12's control maps carry HIPAA's, see validate_codes); ISA11 is the
            # repetition separator in 5010, checked by the delimiter detection.
            if index in CODED_ISA_ELEMENTS and err_cde == "7" or index == 11 and d.repetition is not None:
                continue
            code = _TA1_BY_ISA_ELEMENT.get(index, "022")
            self.error(code, f"ISA{index:02d}: {err_str}")

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
            if tag in self.composite_tags:
                self.with_composites.append((len(self.tx_segments), seg))
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
        self.set_ids = SeenControlNumbers()
        d = self.raw.delimiters
        assert d is not None
        text = ascii_mask(seg.text) if self.wide else seg.text
        for index, _, err_str in self.v.envelope_errors("GS", self.ic.version, text, d):
            if index in (1, 8):
                continue  # decided by the maps we have, below
            if index == 6:
                self.group_error("6", f"GS06: {err_str}")
            else:
                self.error("024", f"GS{index:02d} of group {self.group.control_number}: {err_str}")
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
        if self.listener is not None:
            self.listener.group_opened(self.ic, self.group)

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
            if not _is_count(ge.get(1), group.received):
                self.group_error("5", f"GE01 says {ge.get(1)!r} transaction sets, the group has {group.received}")
        if self.listener is not None:
            self.listener.group_closed(self.ic, group)
        self.group = None
        self.group_map = None

    # -- ST/SE ----------------------------------------------------------------------------------------
    def open_set(self, st: RawSegment) -> None:
        if self.group is None:
            self.error("024", f"transaction set {st.get(2)!r} (ST) outside any functional group")
            self.outside_set = True
            return
        self.tx = SetReport(set_id=sys.intern(st.get(1)), control_number=st.get(2), implementation=st.get(3) or None)
        if self.listener is None:
            self.group.sets.append(self.tx)
        self.group.received += 1
        self.group.carries_acks = self.group.carries_acks or self.tx.set_id in ACK_SETS
        self.tx_segments = HeldSegments(st)
        self.with_composites = []
        if not re.fullmatch(r"\d{3}", self.tx.set_id):
            self.set_error("6", f"ST01 {self.tx.set_id!r} is not a transaction set identifier")
        elif self.group_map is None:
            self.set_error("1", f"transaction set {self.tx.set_id} is not supported: no map for GS01 "
                                f"{self.group.functional_id!r} in version {self.group.version!r}")
        elif self._map_of_set(self.tx.set_id):
            pass
        else:
            self.set_error("6", f"a {self.tx.set_id} does not belong in a {self.group.functional_id} group, "
                                f"which holds {self.group_map.id}s")
        if not 4 <= len(self.tx.control_number) <= 9 or not self.tx.control_number.strip():
            self.set_error("7", f"ST02 {self.tx.control_number!r} must be 4 to 9 characters")
        elif self.tx.control_number in self.set_ids:
            self.set_error("23", f"ST02 {self.tx.control_number} is not unique within the functional group")
        self.set_ids.add(self.tx.control_number)

    def _map_of_set(self, set_id: str) -> bool:
        """Pick the map for ST01 within the group (a 5010 FA group holds 997s and 999s); False if none fits."""
        assert self.group is not None
        found = self.v.map_for(self.group.version, self.group.functional_id, set_id)
        self.set_map = found if found is not None and found.id == set_id else None
        return self.set_map is not None

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
        if self.set_map is not None:
            d = self.raw.delimiters
            assert d is not None
            self.v.check_set(self.set_map, self.tx_segments, d, self.wide, self)
            self.composite_notes()  # whichever validator checked the contents: its maps hold no composite notes
        tx.close()
        assert self.group is not None
        self.group.accepted += tx.accepted
        if self.listener is not None:
            self.listener.set_closed(self.ic, self.group, tx, self.tx_segments)
        self.closed += 1
        self.tx = None
        self.set_map = None
        self.tx_segments = HeldSegments()
        self.with_composites = []

    def composite_notes(self) -> None:
        """The notes inside composites (validate_composites), which the contents' validator does not check."""
        assert self.tx is not None and self.group is not None and self.raw.delimiters is not None
        for e in composite_errors(self.with_composites, self.raw.delimiters.component, self.group.version):
            self.tx.errors.append(self._in_set(
                "element", e.code, e.message, segment=e.segment, position=e.position, element=e.element,
                component=e.component, trigger=e.element if e.trigger_component is not None else None,
                trigger_component=e.trigger_component))

    # -- IEA ------------------------------------------------------------------------------------------
    def close_interchange(self, iea: RawSegment) -> None:
        if iea.get(2) != self.ic.control_number:
            self.error("001", f"IEA02 {iea.get(2)!r} does not match ISA13 {self.ic.control_number!r}")
        if not _is_count(iea.get(1), len(self.ic.groups)):
            self.error("021", f"IEA01 says {iea.get(1)!r} functional groups, the interchange has "
                              f"{len(self.ic.groups)}")



def _is_count(text: str, actual: int) -> bool:
    return text.isdigit() and int(text) == actual
