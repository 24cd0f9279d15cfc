"""The malformed-input corpus: each case breaks one rule of /work/shared/X12.md and expects the codes that
rule requires (TA1 I18, AK905 716, AK502 718, AK304 720, AK403 723), never our own output.

Until the business-set maps land, the base document is a 997 (pyx12's shipped 4010 map) and a 999 (its 5010
map): the envelope, set and element rules are the same for every set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mappers.x12.acks import functional_ack_body
from mappers.x12.validate import GroupReport, ValidationReport, validate


def isa(*, sep: str = "*", isa11: str = "U", version: str = "00401", comp: str = ">", term: str = "~",
        control: str = "000000101", isa01: str = "00", date: str = "261125", time: str = "1200",
        ack: str = "0", usage: str = "P", sender: str = "SENDER".ljust(15)) -> str:
    fields = ["ISA", isa01, " " * 10, "00", " " * 10, "ZZ", sender, "ZZ", "RECEIVER".ljust(15), date, time,
              isa11, version, control, ack, usage, comp]
    return sep.join(fields) + term


SET1 = ["ST*997*0001", "AK1*HC*5", "AK2*837*0001", "AK5*A", "AK9*A*1*1*1", "SE*6*0001"]
SET2 = ["ST*997*0002", "AK1*HC*6", "AK2*837*0007", "AK5*A", "AK9*A*1*1*1", "SE*6*0002"]
GS = "GS*FA*SENDER*RECEIVER*20261125*1200*17*X*004010"


def doc(*segments: str, head: str | None = None, sep: str = "~", eol: str = "\n") -> bytes:
    return ((head or isa()) + eol + "".join(s + sep + eol for s in segments)).encode("latin-1")


def base(set1: list[str] | None = None, set2: list[str] | None = None, gs: str = GS, ge: str = "GE*2*17",
         iea: str = "IEA*1*000000101", head: str | None = None) -> bytes:
    return doc(gs, *(set1 or SET1), *(set2 or SET2), ge, iea, head=head)


def swap(segments: list[str], old: str, new: str) -> list[str]:
    out = [new if s == old else s for s in segments]
    assert out != segments, f"{old} not in the set"
    return out


@dataclass
class Case:
    name: str
    rule: str  # the rule of X12.md that decides the expectation
    data: bytes
    errors: list[tuple] = field(default_factory=list)  # (level, code[, segment, position[, element]])
    ak9: str | None = None  # expected AK901 for the first group, when the group is acknowledged
    ak5: list[str] | None = None  # expected AK501.. of each set of the first group
    encoding: str = "ascii"


FIVE = isa(sep="|", isa11="^", version="00501", comp=":")
FIVE_SET = ["ST|999|0001|005010X231", "AK1|HC|5|005010X231", "AK2|837|0001|005010X231", "IK5|A",
            "AK9|A|1|1|1", "SE|6|0001"]

CASES = [
    # --- clean inputs in the shapes partners really send (X12.md section 1 and pitfall 1)
    Case("clean 4010", "baseline: every count and control number matches", base(), [], "A", ["A"]),
    Case("newline as terminator", "section 1: `\\n` may be the segment terminator (ISA position 106)",
         doc(GS, *SET1, *SET2, "GE*2*17", "IEA*1*000000101", head=isa(term="\n"), sep="\n", eol=""), [], "A",
         ["A"]),
    Case("CRLF after terminator", "pitfall 1: CR/LF after the terminator is a suffix, not data",
         base().replace(b"\n", b"\r\n"), [], "A", ["A"]),
    Case("no line breaks", "section 1: segments may follow each other on one line",
         base().replace(b"\n", b""), [], "A", ["A"]),
    Case("5010 with | and ^", "pitfall 5: ISA11 is the repetition separator in 5010; any special delimiters",
         (FIVE + "".join(s + "~" for s in ["GS|FA|SENDER|RECEIVER|20261125|1200|17|X|005010X231", *FIVE_SET,
                                          "GE|1|17", "IEA|1|000000101"])).encode(), [], "A", ["A"]),
    Case("ISA inside data", "pitfall 4: 'ISA' starts an interchange only at the start or after a terminator",
         doc(GS, "ST*997*0001", "AK1*HC*5", "AK2*837*0001", "AK3*NM1*2**8", "AK4*3**6*ISAAC", "AK5*R*5",
             "AK9*R*1*1*0", "SE*8*0001", "GE*1*17", "IEA*1*000000101"), [], "A", ["A"]),
    # --- the interchange envelope: TA1 codes (section 8, I18; pitfall 3)
    Case("ISA too short", "section 1/pitfall 3: ISA is fixed width, 106 characters: TA1 022 invalid control "
         "structure", base(head=isa(sender="SENDER")), [("interchange", "022")]),
    Case("wrong separator position", "section 1: the element separator must recur at 6, 17, 20...: 022",
         base(head=isa().replace("*          *00", "*         *00", 1)), [("interchange", "022")]),
    Case("alphanumeric element separator", "I18 026 invalid data element separator",
         base(head=isa(sep="X")), [("interchange", "026")]),
    Case("component separator = element separator", "I18 027 invalid component element separator",
         base(head=isa(comp="*")), [("interchange", "027")]),
    Case("alphanumeric segment terminator", "I18 004 invalid segment terminator",
         base(head=isa(term="A")), [("interchange", "004")]),
    Case("ISA13/IEA02 mismatch", "section 1: IEA02 = ISA13; I18 001",
         base(iea="IEA*1*000000999"), [("interchange", "001")]),
    Case("IEA01 wrong", "pitfall 8: IEA01 counts groups; mismatch is I18 021",
         base(iea="IEA*2*000000101"), [("interchange", "021")]),
    Case("missing IEA", "I18 023 premature end of file", doc(GS, *SET1, *SET2, "GE*2*17"),
         [("interchange", "023")]),
    Case("truncated file", "a file cut inside a set: SE missing (718 2), GE missing (716 3), IEA missing (023)",
         doc(GS, *SET1, "ST*997*0002", "AK1*HC*6").rstrip(b"~\n") + b"~", [
             ("interchange", "023"), ("group", "3"), ("set", "2")]),
    Case("file ends inside the ISA", "I18 023 premature end of file", isa().encode()[:60],
         [("interchange", "023")]),
    Case("duplicate ISA13 in one file", "pitfall 7: same sender, receiver and ISA13 twice: I18 025",
         base() + base(), [("interchange", "025")]),
    Case("ISA14 invalid", "section 1: ISA14 is 0 or 1; I18 019", base(head=isa(ack="2")),
         [("interchange", "019")]),
    Case("ISA15 invalid", "section 1: ISA15 is P or T; I18 020", base(head=isa(usage="X")),
         [("interchange", "020")]),
    Case("ISA09 bad date", "section 1: ISA09 is YYMMDD; I18 014", base(head=isa(date="261345")),
         [("interchange", "014")]),
    Case("ISA10 bad time", "section 1: ISA10 is HHMM; I18 015", base(head=isa(time="2599")),
         [("interchange", "015")]),
    Case("ISA12 not a version", "I18 017 invalid interchange control version ID", base(head=isa(version="0040A")),
         [("interchange", "017")]),
    Case("ISA13 not numeric", "section 1: ISA13 is N0 9/9; I18 018 invalid control number",
         base(head=isa(control="00000010A"), iea="IEA*1*00000010A"), [("interchange", "018")]),
    Case("ISA01 bad qualifier", "section 1: ISA01 is 00 or 03; I18 010", base(head=isa(isa01="07")),
         [("interchange", "010")]),
    Case("5010 ISA11 is U", "pitfall 5: in 5010 ISA11 is a delimiter, 'U' cannot be one: 022",
         base(head=isa(version="00501", isa11="U")), [("interchange", "022")]),
    Case("5010 ISA11 = component separator", "section 1, I65: the repetition separator must differ from the "
         "other delimiters; I18 027 names the component separator it collides with",
         base(head=isa(version="00501", isa11=">")), [("interchange", "027")]),
    Case("empty file", "an interchange starts with ISA; nothing at all is a premature end: 023", b"\r\n",
         [("interchange", "023")]),
    Case("not X12 at all", "an interchange starts with ISA: 022", b"hello, this is not EDI\n",
         [("interchange", "022")]),
    Case("segment between groups", "only GS..GE groups (and TA1) sit inside ISA..IEA: I18 024",
         doc(GS, *SET1, *SET2, "GE*2*17", "NTE*HELLO", "IEA*1*000000101"), [("interchange", "024")]),
    Case("GS04 bad date", "section 1: GS04 is CCYYMMDD; 4010 has no 716 code for it: I18 024 invalid "
         "interchange content", base(gs=GS.replace("20261125", "20261345")), [("interchange", "024")]),
    # --- the functional group: AK9/716 (section 8)
    Case("GS06/GE02 mismatch", "716 4: group control number in header and trailer do not agree",
         base(ge="GE*2*18"), [("group", "4")], "R", ["A"]),
    Case("GE01 wrong", "pitfall 8: GE01 counts sets; 716 5", base(ge="GE*3*17"), [("group", "5")], "R"),
    Case("missing GE", "716 3: functional group trailer missing", doc(GS, *SET1, *SET2, "IEA*1*000000101"),
         [("group", "3")], "R"),
    Case("unsupported version", "716 2: functional group version not supported",
         base(gs=GS.replace("004010", "003020")), [("group", "2")], "R"),
    Case("unsupported functional group", "716 1: functional group not supported",
         base(gs=GS.replace("GS*FA", "GS*ZZ")), [("group", "1")], "R"),
    Case("duplicate GS06", "section 1: 716 19 (not unique) exists from 4050 on; in 4010 the nearest is 6",
         doc(GS, *SET1, "GE*1*17", GS, *SET2, "GE*1*17", "IEA*2*000000101"), [("group", "6")]),
    # --- the transaction set: AK5/718 (section 8)
    Case("ST02/SE02 mismatch", "718 3: control number in header and trailer do not match",
         base(set1=swap(SET1, "SE*6*0001", "SE*6*0009")), [("set", "3")], "P", ["R", "3"]),
    Case("SE01 wrong", "SE01 counts ST..SE: 718 4 'Number of Included Segments Does Not Match Actual Count'",
         base(set1=swap(SET1, "SE*6*0001", "SE*5*0001")), [("set", "4")], "P", ["R", "4"]),
    Case("missing SE", "718 2: transaction set trailer missing", base(set1=SET1[:-1]), [("set", "2")], "P"),
    Case("duplicate ST02 in group", "section 1: ST02 unique within the group; 718 23",
         base(set2=[s.replace("0002", "0001") for s in SET2]), [("set", "23")], "P", ["A"]),
    Case("ST02 too short", "section 1: ST02 is AN 4/9; 718 7",
         base(set1=[s.replace("*0001", "*01") if s[:2] in ("ST", "SE") else s for s in SET1]),
         [("set", "7")], "P", ["R", "7"]),
    Case("set of the wrong group", "section 1: all STs in a GS belong to GS01's group; 718 6",
         base(set1=["ST*850*0001", *SET1[1:]]), [("set", "6")], "P"),
    Case("empty segment", "pyx12 trap `~~`: a segment needs an ID; the set is rejected, AK5 R 5",
         base(set1=swap(SET1, "AK2*837*0001", "AK2*837*0001~")), [("set", "5")], "P", ["R", "5"]),
    # --- segments: AK3/720
    Case("missing mandatory segment", "720 3: mandatory segment missing (AK9 is mandatory in a 997)",
         base(set1=[s for s in SET1 if not s.startswith("AK9")]).replace(b"SE*6*0001", b"SE*5*0001"),
         [("segment", "3", "AK9", 5)], "P", ["R", "5"]),
    Case("unknown segment", "720 1: unrecognized segment ID",
         base(set1=SET1[:4] + ["ZZZ*1"] + SET1[4:]).replace(b"SE*6*0001", b"SE*7*0001"),
         [("segment", "1", "ZZZ", 5)], "P", ["R", "5"]),
    Case("segment of another set", "720 6: segment not in defined transaction set (NM1 exists, not in a 997)",
         base(set1=SET1[:4] + ["NM1*85*2"] + SET1[4:]).replace(b"SE*6*0001", b"SE*7*0001"),
         [("segment", "6", "NM1", 5)], "P"),
    Case("segment over its maximum use", "720 5: segment exceeds maximum use (AK9 max 1)",
         base(set1=SET1[:5] + ["AK9*A*1*1*1"] + SET1[5:]).replace(b"SE*6*0001", b"SE*7*0001"),
         [("segment", "5", "AK9", 6)], "P"),
    Case("bad qualifier code", "pyx12 trap: a bad first qualifier is an invalid code (723 7), not a missing "
         "segment", base(set1=swap(SET1, "AK9*A*1*1*1", "AK9*Q*1*1*1")), [("element", "7", "AK9", 5, 1)],
         "P", ["R", "5"]),
    # --- elements: AK4/723
    Case("bad code", "723 7: invalid code value", base(set1=SET1[:3] + ["AK5*Q"] + SET1[4:]),
         [("element", "7", "AK5", 4, 1)], "P"),
    Case("too long element", "723 5: AK102 is N0 1/9", base(set1=swap(SET1, "AK1*HC*5", "AK1*HC*1234567890")),
         [("element", "5", "AK1", 2, 2)], "P"),
    Case("mandatory element missing", "723 1: mandatory data element missing",
         base(set1=swap(SET1, "AK1*HC*5", "AK1**5")), [("element", "1", "AK1", 2, 1)], "P"),
    Case("too many elements", "723 3: too many data elements",
         base(set1=swap(SET1, "AK5*A", "AK5*A*1*2*3*4*5*6")), [("element", "3", "AK5", 4, 7)], "P"),
    Case("letters in a number", "723 6: invalid character in a numeric element",
         base(set1=swap(SET1, "AK9*A*1*1*1", "AK9*A*1X*1*1")), [("element", "6", "AK9", 5, 2)], "P"),
    Case("non-ASCII character", "section 10 pitfall 12 and the partner's encoding: a byte outside ASCII is an "
         "invalid character (723 6) for an ASCII partner",
         doc(GS, "ST*997*0001", "AK1*HC*5", "AK2*837*0001", "AK3*NM1*2**8", "AK4*3**6*CAF\u00c9",
             "AK5*R*5", "AK9*R*1*1*0", "SE*8*0001", "GE*1*17", "IEA*1*000000101"),
         [("element", "6", "AK4", 5, 4)], "R"),
    Case("non-ASCII allowed by the partner", "the partner's encoding allows it: no error, bytes kept",
         ("\n".join([isa(), GS, "ST*997*0001~AK1*HC*5~AK2*837*0001~AK3*NM1*2**8~AK4*3**6*CAF\u00c9~AK5*R*5~"
                     "AK9*R*1*1*0~SE*8*0001~GE*1*17~IEA*1*000000101~"])).replace(GS, GS + "~").encode(),
         [], "A", encoding="utf-8"),
    # --- several interchanges: one bad never hides the good one
    Case("bad interchange then good one", "each interchange is judged on its own",
         base(head=isa(sender="SENDER")) + base(head=isa(control="000000102"), iea="IEA*1*000000102"),
         [("interchange", "022")]),
]


# --- business sets with our maps: the VICS 850 golden file, one rule broken at a time
PO = (Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "850_vics_4010.edi").read_text()
PO5 = (Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "850_5010_pipe.edi").read_text()


def po(old: str, new: str, *, added: int = 0, text: str = PO) -> bytes:
    """The 850 with `old` replaced by `new` once, SE01 corrected by `added` segments."""
    out = text.replace(old, new, 1)
    assert out != text, f"{old!r} not in the 850"
    if added:
        se = re.search(r"SE([*|])(\d+)\1", out)
        assert se is not None
        out = out.replace(se.group(0), f"SE{se.group(1)}{int(se.group(2)) + added}{se.group(1)}", 1)
    return out.encode()


CASES += [
    Case("850 clean", "baseline: the VICS 850 of the fixtures", PO.encode(), [], "A", ["A"]),
    Case("850 bad PO type", "section 2, 92: BEG02 must be a PO type code; 723 7", po("BEG*00*SA", "BEG*00*XX"),
         [("element", "7", "BEG", 2, 2)], "R", ["R", "5"]),
    Case("850 PO number too long", "section 2: BEG03 is 1/22; 723 5",
         po("4500012345", "4500012345678901234567890"), [("element", "5", "BEG", 2, 3)], "R"),
    Case("850 bad date", "section 10 pitfall 6: BEG05 is CCYYMMDD; 723 8", po("**20261120~", "**20261345~"),
         [("element", "8", "BEG", 2, 5)], "R", ["R", "5"]),
    Case("850 letters in quantity", "section 2: PO102 is R; 723 6", po("PO1*1*120*", "PO1*1*12O*"),
         [("element", "6", "PO1", 18, 2)], "R"),
    Case("850 BEG twice", "section 2: BEG max use 1; 720 5", po("CUR*", "BEG*00*SA*1**20261120~\nCUR*", added=1),
         [("segment", "5", "BEG", 3)], "R"),
    Case("850 N101 missing", "section 2: N101 (98) is mandatory; 723 1", po("N1*BY*", "N1**"),
         [("element", "1", "N1", 14, 1)], "R"),
    Case("850 BEG missing", "section 2: BEG is mandatory; 720 3 at the position where it was expected",
         po("BEG*00*SA*4500012345**20261120~\n", "", added=-1), [("segment", "3", "BEG", 2)], "R"),
    Case("850 BEG after REF", "section 2 structure: BEG comes before REF; 720 7 not in proper sequence",
         po("BEG*", "REF*DP*038~\nBEG*", added=1), [("segment", "7", "BEG", 3)], "R"),
    Case("850 product ID pair broken", "section 2: PO110/PO111 are a 235/234 pair (P1011); the missing PO111 "
         "is 723 2", po("*IN*065322117~", "*IN~"), [("element", "2", "PO1", 18, 11)], "R"),
    Case("850 unknown segment", "720 1: unrecognized segment ID", po("PO4*4*4*EA~", "PO4*4*4*EA~\nQQQ*1~",
                                                                     added=1),
         [("segment", "1", "QQQ", 23)], "R"),
    Case("855 segment in an 850", "section 4: ACK belongs to the 855; in an 850 it is 720 6",
         po("PO4*4*4*EA~", "PO4*4*4*EA~\nACK*IA*120*EA~", added=1), [("segment", "6", "ACK", 23)], "R"),
    Case("850 DTM bad date", "section 2: DTM02 is a date; 723 8", po("DTM*002*20261215", "DTM*002*20261241"),
         [("element", "8", "DTM", 8, 2)], "R"),
    Case("850 5010 bad date", "5010 rules are the same: IK403 8 on BEG05", po("||20261118~", "||20261118X~",
                                                                                text=PO5),
         [("element", "8", "BEG", 2, 5)], "R"),
]


def _matches(error: object, expected: tuple) -> bool:
    keys = ("level", "code", "segment", "position", "element")
    return all(getattr(error, k) == v for k, v in zip(keys, expected, strict=False))


def _first_group(report: ValidationReport) -> GroupReport:
    return next(g for ic in report.interchanges for g in ic.groups)


def test_corpus_is_at_least_forty_malformed_inputs() -> None:
    assert len([c for c in CASES if c.errors]) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_reports_the_codes_its_rule_requires(case: Case) -> None:
    report = validate(case.data, encoding=case.encoding)
    errors = report.errors
    if not case.errors:
        assert errors == [], case.rule
    for expected in case.errors:
        assert any(_matches(e, expected) for e in errors), f"{case.rule}: expected {expected}, got {errors}"
    if case.ak9 is not None or case.ak5 is not None:
        body = functional_ack_body(_first_group(report), "997")
        ak9 = next(s for s in body if s.tag == "AK9")
        if case.ak9 is not None:
            assert ak9.get(1) == case.ak9, case.rule
        if case.ak5 is not None:
            ak5 = next(s for s in body if s.tag == "AK5")
            assert list(ak5.elements[1:]) == case.ak5, case.rule


def test_one_bad_interchange_does_not_hide_the_good_one() -> None:
    case = next(c for c in CASES if c.name == "bad interchange then good one")
    report = validate(case.data)
    bad, good = report.interchanges
    assert bad.errors and not good.errors
    assert [tx.control_number for g in good.groups for tx in g.sets] == ["0001", "0002"]


MALFORMED = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "x12" / "malformed").glob("*.edi"))


@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_fixture_reports_the_code_in_its_name(path: Path) -> None:
    """fixtures/x12/malformed/<level>-<code>-<rule>.edi: examples for `gateway validate`, one broken rule each."""
    level, code, _ = path.name.split("-", 2)
    errors = validate(path.read_bytes()).errors
    assert any(e.level == level and e.code == code for e in errors), errors


def test_there_are_malformed_fixtures() -> None:
    assert len(MALFORMED) >= 10
