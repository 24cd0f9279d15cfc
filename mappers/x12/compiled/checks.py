"""Element, composite and segment checks over the compiled tables: the same findings, in the same order and with
the same AK4 (IK4) codes and messages, as pyx12's `segment_if.is_valid_errors`, on plain strings.

A finding is (code, message, element, component, value, trigger, on_element): `element` None means the finding
has no element to point at and becomes a segment-level AK3 8 (as in the pyx12 path); `trigger` is a syntax note's
situational trigger (999 CTX); `on_element` says whether pyx12 ties it to an element node (its envelope checks
report those by the element's position, the others at 0).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyx12.validation

from mappers.x12.compiled.tables import CompositeRule, ElementRule, MapError, SegmentRule
from mappers.x12.validate_api import rule_target

Finding = tuple[str, str, int | None, int | None, str | None, int | None, bool]

_CONTROL = re.compile("[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")
_CONTROL_NAMES = {"\x07": "BEL", "\x09": "HT", "\x0a": "LF", "\x0b": "VT", "\x0c": "FF", "\x0d": "CR", "\x1c": "FS",
                  "\x1d": "GS", "\x1e": "RS", "\x1f": "US", "\x01": "SOH", "\x02": "STX", "\x03": "ETX",
                  "\x04": "EOT", "\x05": "ENQ", "\x06": "ACK", "\x11": "DC1", "\x12": "DC2", "\x13": "DC3",
                  "\x14": "DC4", "\x15": "NAK", "\x16": "SYN", "\x17": "ETB"}  # in pyx12's order of search
_N = re.compile(r"-?[0-9]+", re.S | re.ASCII)
_R = re.compile(r"-?[0-9]*(\.[0-9]+)?", re.S | re.ASCII)
_BAD_ID = {"00501": re.compile(r"""[^A-Z0-9!"&'()*+,\-\./:;?= a-z%~@\[\]_{}\\|<>^`#$]""", re.S | re.ASCII),
           "": re.compile(r"""[^A-Z0-9!"&'()*+,\-\./:;?= a-z%~@\[\]_{}\\|<>#$]""", re.S | re.ASCII)}
_DATES = ("RD8", "DT", "D8", "D6")
_NOTE_PATTERNS = 512


def valid_type(value: str, data_type: str | None, icvn: str) -> bool:
    """pyx12.validation.IsValidDataType with the extended character set (pyx12's default), fast for the common
    types."""
    if not data_type:
        return True
    if data_type == "AN" or data_type == "ID":
        return _BAD_ID["00501" if icvn == "00501" else ""].search(value) is None
    if data_type[0] == "N":
        return _N.fullmatch(value) is not None
    if data_type == "R":
        return _R.fullmatch(value) is not None
    if data_type == "B":
        return True
    return bool(pyx12.validation.IsValidDataType(value, data_type, "E", icvn))


def _measured(rule: ElementRule, value: str) -> int:
    t = rule.data_type
    if t is not None and (t == "R" or t[0] == "N"):
        return len(value.replace("-", "").replace(".", ""))
    return len(value)


def check_value(rule: ElementRule, value: str, icvn: str, out: list[Finding],
                types: Sequence[str | None] = ()) -> None:
    """A non-empty simple value against its element rule (pyx12 element_if.is_valid_errors past the empty case)."""
    fast = rule.fast
    if fast and not types:
        # The common case decided at once: a value that passes every check below (length, characters, trailing
        # spaces, code list, type, regex) returns here; anything else takes the full path for its findings.
        size = len(value)
        if fast == 1:
            if rule.min_len <= size <= rule.max_len and value[-1] != " " and \
                    _BAD_ID["00501" if icvn == "00501" else ""].search(value) is None and \
                    (value in rule.codes or not rule.codes and rule.external is None or
                     rule.external is not None and value in rule.external) and \
                    (rule.regex is None or rule.regex.search(value)):
                return
        elif fast == 2:
            if _N.fullmatch(value) and rule.min_len <= size - (value[0] == "-") <= rule.max_len and \
                    not rule.codes and rule.regex is None:
                return
        elif fast == 3 and _R.fullmatch(value) and not rule.codes and rule.regex is None and \
                rule.min_len <= size - value.count("-") - value.count(".") <= rule.max_len:
            return
    name, refdes, at, comp = rule.name, rule.refdes, rule.element, rule.component
    if rule.usage == "N":
        out.append(("10", f'Data element "{name}" ({refdes}) is marked as Not Used', at, comp, None, None, True))
        return
    if rule.broken is not None:
        raise MapError(rule.broken)
    size = _measured(rule, value)
    if size < rule.min_len:
        out.append(("4", f'Data element "{name}" ({refdes}) is too short: len("{value}") = {size} < '
                         f"{rule.min_len} (min_len)", at, comp, value, None, True))
    if size > rule.max_len:
        out.append(("5", f'Data element "{name}" ({refdes}) is too long: len("{value}") = {size} > '
                         f"{rule.max_len} (max_len)", at, comp, value, None, True))
    if _CONTROL.search(value):
        bad = next(f"<{n}>" for c, n in _CONTROL_NAMES.items() if c in value)
        out.append(("6", f'Data element "{name}" ({refdes}), contains an invalid control character({bad})', at,
                    comp, bad, None, True))
        return
    t = rule.data_type
    if value[-1] == " " and t in ("AN", "ID") and len(value.rstrip()) >= rule.min_len:
        out.append(("6", f'Data element "{name}" ({refdes}) has unnecessary trailing spaces. ({value})', at, comp,
                    value, None, True))
    if (rule.codes or rule.external_name is not None) and value not in rule.codes and not rule.external_any and \
            (rule.external is None or value not in rule.external):
        if rule.external_name is not None and rule.external is None:
            raise MapError(f'External Code "{rule.external_name}" is not defined')
        out.append(("7", f"({value}) is not a valid code for {name} ({refdes})", at, comp, value, None, True))
    if not valid_type(value, t, icvn):
        if t in _DATES:
            out.append(("8", f'Data element "{name}" ({refdes}) contains an invalid date ({value})', at, comp, value,
                        None, True))
        elif t == "TM":
            out.append(("9", f'Data element "{name}" ({refdes}) contains an invalid time ({value})', at, comp, value,
                        None, True))
        else:
            out.append(("6", f'Data element "{name}" ({refdes}) is type {t}, contains an invalid character({value})',
                        at, comp, value, None, True))
    if types and not any(d is not None and pyx12.validation.IsValidDataType(value, d, "E") for d in types):
        if "TM" in types:
            out.append(("9", f'Data element "{name}" ({refdes}) contains an invalid time ({value})', at, comp, value,
                        None, True))
        elif any(d in types for d in _DATES):
            out.append(("8", f'Data element "{name}" ({refdes}) contains an invalid date ({value})', at, comp, value,
                        None, True))
    if rule.regex is not None and not rule.regex.search(value):
        out.append(("7", f'Data element "{name}" with a value of ({value}) failed to match the regular expression '
                         f'"{rule.regex_text}"', at, comp, value, None, True))


def check_empty(rule: ElementRule, out: list[Finding]) -> None:
    if rule.usage == "R" and (rule.seq != 1 or not rule.in_composite or rule.composite_usage == "R"):
        out.append(("1", f'Mandatory data element "{rule.name}" ({rule.refdes}) is missing', rule.element,
                    rule.component, None, None, True))


def check_composite(rule: CompositeRule, parts: list[str] | None, icvn: str, out: list[Finding],
                    counted: bool = False) -> None:
    """pyx12 composite_if.is_valid_errors: `parts` are the components (None when the segment ends before);
    `counted`: too many components is reported already."""
    at, comp = rule.report_at if rule.report_at is not None else (None, None)
    empty = parts is None or all(p == "" for p in parts)
    if empty and rule.usage in ("N", "S"):
        return
    if rule.usage == "R" and empty:
        out.append(("1", f'Mandatory composite "{rule.name}" ({rule.refdes}) is missing', at, comp, None, None,
                    False))
        return
    assert parts is not None
    if rule.usage == "N":
        out.append(("5", f'Composite "{rule.name}" ({rule.refdes}) is marked as Not Used', at, comp, None, None,
                    False))
        return
    children = rule.children
    if len(parts) > len(children) and not counted:
        out.append(("3", f'Too many sub-elements in composite "{rule.name}" ({rule.refdes})', at, comp, None, None,
                    False))
    for i, child in enumerate(children):
        value = parts[i] if i < len(parts) else ""
        if value == "":
            check_empty(child, out)
        else:
            check_value(child, value, icvn, out)


def check_segment(seg: SegmentRule, elements: Sequence[str], component: str | None, icvn: str) -> list[Finding]:
    """Every finding about one segment's elements; `elements` are its elements after the ID (not split into
    components), `component` the component separator (None: the segment has no composites, the ISA)."""
    out: list[Finding] = []
    children = seg.children
    count, have = len(children), len(elements)
    if have > count:
        extra = elements[count]
        out.append(("3", f'Too many elements in segment "{seg.name}" ({seg.id}). Has {have}, should have {count}',
                    count + 1, None, extra.rstrip(component) if component else extra, None, False))
    if seg.special:
        _special_elements(seg, elements, component, icvn, out)
    else:
        for child, value in zip(children, elements, strict=False):
            if isinstance(child, CompositeRule):
                _composite_at(seg, child, value, component, icvn, out)
            elif not value:
                if child.usage == "R":
                    check_empty(child, out)
            elif component and component in value:
                out.append(("6", f'Data element "{child.name}" ({child.refdes}) is an invalid composite',
                            child.seq, None, value.rstrip(component), None, True))
            else:
                check_value(child, value, icvn, out)
        if have < count:
            for child in seg.required_after[have]:
                if isinstance(child, CompositeRule):
                    check_composite(child, None, icvn, out)
                else:
                    check_empty(child, out)
    if seg.syntax:
        _check_notes(seg, elements, component, out)
    return out


def _check_notes(seg: SegmentRule, elements: Sequence[str], component: str | None, out: list[Finding]) -> None:
    """The segment's syntax notes: which are broken depends only on which elements are present, so it is looked
    up by that pattern (computed once per pattern, kept up to _NOTE_PATTERNS per segment rule), and only a broken
    note is worked out in full for its finding."""
    if component and component in "".join(elements):  # a value of only component separators is absent
        pattern = tuple(bool(v.strip(component)) for v in elements)
    else:
        pattern = tuple(map(bool, elements))
    memo = seg.broken_notes
    broken = memo.get(pattern)
    if broken is None:
        broken = _broken_notes(seg, pattern)
        if len(memo) < _NOTE_PATTERNS:  # a hostile file could vary the pattern without end
            memo[pattern] = broken
    for kind, numbers in broken:
        finding = _syntax(seg.id, kind, numbers, elements, component)
        if finding is not None:
            out.append(finding)


def _broken_notes(seg: SegmentRule, pattern: tuple[bool, ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The notes of `seg` that the present elements (`pattern`) break, or that are malformed (fewer than two
    elements): those _syntax works out."""
    present = sum(1 << i for i, p in enumerate(pattern) if p)
    broken = []
    for kind, numbers, mask, first in seg.notes:
        count = (present & mask).bit_count()
        if kind == "P":
            failed = 0 < count < len(numbers)
        elif kind == "R":
            failed = count == 0
        elif kind == "E":
            failed = count > 1
        elif kind == "C":
            failed = bool(present & first) and count < len(numbers)
        elif kind == "L":
            failed = bool(present & first) and count == 1
        else:
            failed = True
        if failed or len(numbers) < 2:
            broken.append((kind, numbers))
    return tuple(broken)


def _present(elements: Sequence[str], number: int, component: str | None) -> bool:
    if number > len(elements):
        return False
    value = elements[number - 1]
    return value != "" and (component is None or value.strip(component) != "")


def _syntax(seg_id: str, kind: str, numbers: tuple[int, ...], elements: Sequence[str],
            component: str | None) -> Finding | None:
    """pyx12.syntax.is_syntax_valid, with the element and trigger the pyx12 path reports it at."""
    note = kind + "".join(f"{n:02d}" for n in numbers)
    if len(numbers) < 2:
        return ("10" if kind == "E" else "2", f"Syntax string must have at least two comparators {note}", None,
                None, None, None, False)
    present = [_present(elements, n, component) for n in numbers]
    count = sum(present)
    message = None
    if kind == "P" and count not in (0, len(numbers)):
        message = f"If any of {_ids(seg_id, numbers)} is present, then all are required"
    elif kind == "R" and count == 0:
        message = "At least one element is required"
    elif kind == "E" and count > 1:
        message = f"At most one of {_ids(seg_id, numbers)} may be present"
    elif kind == "C" and present[0] and count - 1 != len(numbers) - 1:
        verb = "are" if len(numbers) > 2 else "is"
        message = f"If {seg_id}{numbers[0]:02d} is present, then {_ids(seg_id, numbers[1:])} {verb} required"
    elif kind == "L" and present[0] and count == 1:
        message = f"If {seg_id}{numbers[0]:02d} is present, then at least one of {_ids(seg_id, numbers[1:])} " \
                  "is required"
    if message is None:
        return None
    element, trigger = rule_target(kind, note[1:], ["", *elements])
    return ("10" if kind == "E" else "2", f"Syntax Error ({note}): {message}", element, None, None, trigger,
            False)


def _ids(seg_id: str, numbers: Sequence[int]) -> str:
    names = [f"{seg_id}{n:02d}" for n in numbers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _composite_at(seg: SegmentRule, child: CompositeRule, value: str | None, component: str | None, icvn: str,
                  out: list[Finding]) -> None:
    parts = None if value is None else (value.split(component) if component else [value])
    over = parts is not None and len(parts) > len(child.children) and child.usage != "N"
    if over:
        # pyx12 raises IndexError here and abandons the set (AK5 5); the composite is what is wrong:
        # 723 3 (too many data elements) in 4010, 621 13 (too many components) from 5010 on.
        assert parts is not None and value is not None
        out.append(("13" if icvn >= "00501" else "3", f"composite {seg.id}{child.seq:02d} has {len(parts)} "
                    f"components, its map defines {len(child.children)}", child.seq, None,
                    value.rstrip(component or ""), None, False))
    check_composite(child, parts, icvn, out, counted=over)


def _special_elements(seg: SegmentRule, elements: Sequence[str], component: str | None, icvn: str,
                      out: list[Finding]) -> None:
    """The elements of a segment with pyx12's special cases: DTP (HIPAA: DTP03 checked as the format DTP02
    names) and a 1251 date-time checked as one of the formats of the 1250 before it (DTM05/DTM06)."""
    have = len(elements)
    types: list[str | None] = []
    dtp_type: list[str | None] = []
    for i, child in enumerate(seg.children):
        value = elements[i] if i < have else None
        if isinstance(child, CompositeRule):
            _composite_at(seg, child, value, component, icvn, out)
            continue
        if seg.is_dtp and i == 1 and value in ("RD8", "D8", "D6", "DT", "TM"):
            dtp_type = [value]
        if child.data_ele == "1250":
            types.extend(child.code_order)
        if value is not None and component and component in value:
            out.append(("6", f'Data element "{child.name}" ({child.refdes}) is an invalid composite',
                        child.element, None, value.rstrip(component), None, True))
            continue
        if not value:
            if child.usage not in ("N", "S"):
                check_empty(child, out)
        elif seg.is_dtp and i == 2:
            check_value(child, value, icvn, out, dtp_type)
        elif child.data_ele == "1251" and types:
            check_value(child, value, icvn, out, types)
        else:
            check_value(child, value, icvn, out)
