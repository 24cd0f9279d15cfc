"""The validation report: errors as data, with the codes an acknowledgment needs (X12.md section 8).

Every error carries:
- level "interchange": `code` is a TA1 note code (TA105, I18);
- level "group": an AK905/716 code;
- level "set": an AK502/718 (IK502) code;
- level "segment": an AK304/720 (IK304) code, with `segment` and `position` counted from ST = 1;
- level "element": an AK403/723 (IK403) code, with `element` (and `component`) inside that segment.

Slotted dataclasses: an interchange of many sets keeps one SetReport per set (its AK2 in the ack), so they
are kept small; the one pass (`mappers.x12.onepass`) keeps none, only each group's counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mappers.errors import shorten
from mappers.x12.segments import Delimiters

Level = Literal["interchange", "group", "set", "segment", "element"]
ACK_SETS = frozenset({"997", "999"})  # the functional acknowledgments, which are never acknowledged


@dataclass(frozen=True, slots=True)
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
    # the element whose presence made this one required or excluded (a syntax note's trigger), as in 999 CTX05
    trigger: int | None = None
    # its component, when the trigger is inside a composite (a composite's own note), as in 999 CTX05-2
    trigger_component: int | None = None

    def __post_init__(self) -> None:
        # Messages quote partners' data: control characters escaped, a 10 MB element not echoed whole.
        object.__setattr__(self, "message", shorten(self.message))

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


class _Sealed(list[ValidationError]):
    """An empty list that refuses to grow: what a closed set without errors (or warnings) keeps, shared by all of
    them, so that 66,000 accepted sets do not hold 132,000 empty lists."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("this set's report is closed: its errors cannot change")

    append = extend = insert = __iadd__ = __setitem__ = _refuse  # type: ignore[assignment]


NO_ERRORS: list[ValidationError] = _Sealed()


@dataclass(slots=True)
class SetReport:
    set_id: str  # ST01
    control_number: str  # ST02, exactly as sent
    implementation: str | None = None  # ST03 [5010]
    errors: list[ValidationError] = field(default_factory=list)
    # codes outside their list in an element the sender declared private (partners file, private_codes): shown,
    # not acknowledged as errors
    warnings: list[ValidationError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors

    def close(self) -> None:
        """The set is checked: empty lists become the one shared NO_ERRORS."""
        if not self.errors:
            self.errors = NO_ERRORS
        if not self.warnings:
            self.warnings = NO_ERRORS


@dataclass
class GroupReport:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    control_number: str  # GS06
    version: str  # GS08
    declared_sets: int | None = None  # GE01 as sent (None when GE is missing or not a number)
    supported: bool = True  # a map exists for GS08/GS01 (else 716 1 or 2); a 997 cannot be written in GS08 then
    # the group's sets, unless validation streams them to a listener instead (mappers.x12.onepass): the counts
    # below are kept either way
    sets: list[SetReport] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)
    received: int = 0  # sets in the group (AK903)
    accepted: int = 0  # sets accepted, once closed (AK904)
    carries_acks: bool = False  # a 997 or 999 among its sets: an ack is never acknowledged

    @property
    def status(self) -> str:
        """AK901: A all accepted, P some rejected, R all rejected or the group itself in error."""
        if self.errors or (self.received and self.accepted == 0):
            return "R"
        return "A" if self.accepted == self.received else "P"


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

    @property
    def warnings(self) -> list[ValidationError]:
        return [w for ic in self.interchanges for group in ic.groups for tx in group.sets for w in tx.warnings]

