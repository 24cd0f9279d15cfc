# ruff: noqa: E501  (data: one segment per line)
"""Syntax notes (relational conditions) of the segments our maps use, X12.md section 11.

A note is its kind and the positions it ties, two digits each: `P0304` (paired), `R0203` (at least one), `C0403`
(if the first, then all the others), `L050412` (if the first, then at least one of the others), `E0207` (not
more than one). pyx12 checks every kind; broken P/R/C/L notes give 723/621 code 2, broken E notes code 10, and
a 999 names the note's trigger in a CTX (mappers/x12/acks.py).

Sources (the tags of SOURCE below; each list is written here as our own data):
- EDIENGINE: olmelabs/EdiEngine (MIT) `EdiStandards/X12_004010/Segments/Segments.cs`, the complete 004010
  segment dictionary with its syntax notes. It numbers positions with every component of a composite counted
  (C001 takes 15), so its `C2021` on CTP is C0607 here; converted by position, and checked against pyx12's
  and stupidedi's lists where they have the segment (CTP, CUR, DTM, MEA, N1, N4, NM1, PER, PID, QTY, REF, SAC,
  SLN, SPI, UIT agree). Notes inside a composite (C040 in REF04 and N907: its qualifier/id pairs) are the
  composite's, not the segment's: they are in COMPOSITE_NOTES (pyx12 does not check composite notes; our own
  check does, mappers/x12/validate_composites.py).
  Segments listed in NONE_4010 have no note in that dictionary: none in the standard.
- STUPIDEDI: kputnam/stupidedi (BSD) `lib/stupidedi/versions/005010/segment_defs/*.rb`, for the 005010 lists
  that changed with the segment (MEA, N4, NM1) and the 999's segments (none).
- PYX12: pyx12 4.0.0 (BSD) 005010 maps (`pyx12/map/*.xml`, `<syntax>`): N4 and NM1 in 005010, as stupidedi.
- STEDI: stedi.com's X12 reference, x12-008010 segment CTB: CTB07 (added in 005010) has no note of its own.
- PAIRS: every optional product/service ID qualifier (235) with its ID (234) is paired (X12.md section 11): the
  generator adds the P notes of PO1, POC, LIN, SLN, IT8 and ACK pairs from the segment dictionary (EdiEngine
  lists the same ones).

005010: a segment whose elements are the same in both releases (segments.py has no 005010 entry for it) keeps
its 004010 notes; X12 changes notes with the elements they tie. Where the elements changed, NOTES_5010 gives the
005010 list with its source, or says that none was found (SOURCE_5010). docs/x12-rulebook.md shows each
segment's notes and source per release.
"""

from __future__ import annotations

# segment -> notes, space-separated (EDIENGINE, 004010); every release unless NOTES_5010 says otherwise
NOTES: dict[str, str] = {
    "ACK": "P0203 C0405 P0708 P0910 P1112 P1314 P1516 P1718 P1920 P2122 P2324 P2526 P2728 C282729",
    "ADV": "P0607",
    "CS": "P0405",
    "CSH": "C0203 P0607 P0910",
    "CTB": "R020406 P0304 P0506",
    "CTP": "P0405 C0607 C0902 C1002 C1103",
    "CTT": "P0304 P0506",
    "CUR": "C0807 C0907 L101112 C1110 C1210 L131415 C1413 C1513 L161718 C1716 C1816 L192021 C2019 C2119",
    "DD": "C0201 P030405 C0605 C1009",
    "DTM": "R020305 C0403 P0506",
    "EFI": "C0504 C0706 C0908 P1516",
    "FOB": "C0302 C0405 C0706 C0809",
    "G61": "P0304",
    "IT3": "P0102 R01030405",
    "IT8": "R0102030507 P0809 P1011 P1213 P1415 P1617 P1819 P2021 P2223 P2425 P2627",
    "ITD": "L03040513 L08040513 L091011",
    "LIN": "P0405 P0607 P0809 P1011 P1213 P1415 P1617 P1819 P2021 P2223 P2425 P2627 P2829 P3031",
    "LQ": "C0102",
    "MAN": "P0405 C0605",
    "MEA": "R03050608 C0504 C0604 L07030506 E0803",
    "MSG": "C0302",
    "MTX": "C0102 C0302",
    "N1": "R0203 P0304",
    "N4": "C0605",
    "N9": "R0203 C0605",
    "NM1": "P0809 C1110",
    "PAM": "P010203 R020514 P0405 C0706 P0607 L070809 C0807 C0907 L101112 C1110 P1314",
    "PDD": "R020304",
    "PER": "P0304 P0506 P0708",
    "PID": "C0403 R0405 C0703 C0804 C0905",
    "PKG": "C0403 R040506 C0501",
    "PO1": "C0302 C0504 P0607 P0809 P1011 P1213 P1415 P1617 P1819 P2021 P2223 P2425",
    "PO3": "L040305",
    "PO4": "P0203 C0506 P0607 P0809 C1013 C1113 C1213 L13101112 C1716 C1804",
    "POC": "C030405 C0706 P0809 P1011 P1213 P1415 P1617 P1819 P2021 P2223 P2425 P2627",
    "PWK": "P0506",
    "QTY": "R0204 E0204",
    "RCD": "R020406 P0203 P0405 P060708 P091011 P121314 P151617 P181920",
    "REF": "R0203",
    "SAC": "R0203 P0304 P0607 P0910 C1110 L130204 C1413 C1615",
    "SCH": "C0304 L080910 C0908 C1008",
    "SDQ": "P0506 P0708 P0910 P1112 P1314 P1516 P1718 P1920 P2122",
    "SI": "P0405 P0607 P0809 P1011 P1213 P1415 P1617 P1819 P2021",
    "SLN": "P0405 C0706 C0806 P0910 P1112 P1314 P1516 P1718 P1920 P2122 P2324 P2526 P2728",
    "SN1": "P0506",
    "SPI": "P0203",
    "TAX": "R0103 P0203 P0405 P0607 P0809 P1011",
    "TD1": "C0102 C0304 C0607 P0708 P0910",
    "TD3": "E0110 C0203 C0405 P0506",
    "TD4": "R010204 C0203",
    "TD5": "R0204050612 C0203 C0708 C1011 C1312 C1413 C1512",
    "TXI": "R020306 P0405 C0803",
    "UIT": "C0302",
}

# Notes of the standard we check in a weaker form, and why (docs/x12-rulebook.md lists them)
DEPARTURES: dict[str, tuple[str, str, str]] = {
    # segment: (the standard's note, what we check instead, why)
    "POC": ("C030405", "C0305",
            "004010 and 005010 ask for POC04 (quantity left to receive) and POC05 with every POC03 (EDIENGINE's "
            "004010 POC; stedi.com x12-003020 and x12-003060 POC), but customers' 860s commonly send the new "
            "quantity and its unit without POC04 (the KAS guide's `POC*1*QD*60**EA*12.50**VP*...`), and X12 itself "
            "relaxed the note to C0305 in 007020 (stedi.com x12-007020 POC): an inbound POC03 needs its unit "
            "(POC05), not the quantity left to receive; our 860/865 writers send POC04 (ordered minus received) "
            "with POC05, so what we write meets the standard's note"),
}

# Notes inside a composite, positions counted within it (C040's P0304: if either C040-03 or C040-04 is present,
# the other is required). pyx12 checks a segment's notes only: these are written to schemas/x12/maps/
# composites.json and checked by mappers/x12/validate_composites.py wherever the composite is used (REF04, N907).
# Every composite our maps use is listed, with the notes of both releases (none changed) and their source.
COMPOSITE_NOTES: dict[str, str] = {
    "C001": "",
    "C002": "",
    "C030": "",
    "C040": "P0304 P0506",
    "C998": "",
    "C999": "",
}
COMPOSITE_SOURCE: dict[str, str] = {
    "C001": "none in the standard (STEDI x12-008020 element C001; EDIENGINE's 004010 CTP, MEA, QTY, POC notes hold "
            "none inside it)",
    "C002": "none known (no source found)",
    "C030": "none in the standard (STEDI x12-008020 element C030)",
    "C040": "STEDI x12-008010 element C040 and REF; a public 004010 REF guide (teamadr.com 856): \"If either C04003 "
            "or C04004 is present, then the other is required\", the same for C04005/C04006",
    "C998": "none in the standard (STEDI x12-005010 element C998)",
    "C999": "none known (no source found)",
}

# 004010 segments with no syntax note in EDIENGINE's dictionary: none in the standard
NONE_4010 = "AK1 AK2 AK3 AK4 AK5 AK9 AMT BAK BCA BCH BEG BIA BRA CB1 CN1 DIS FA1 FA2 G53 IN2 INC LDT LE LM LS N2 N3 NX2 PCT PD PRF SE ST TC2"

# 005010 lists of segments whose elements changed (MEA11/12, N407, NM112 added)
NOTES_5010: dict[str, str] = {
    "MEA": "R03050608 E0412 L050412 L060412 L07030506 E0803 P1112",
    "N4": "E0207 C0605 C0704",
    "NM1": "P0809 C1110 C1203",
}

SOURCE: dict[str, str] = {seg: "EDIENGINE" for seg in NOTES}
# C030405 as EDIENGINE has it, confirmed by stedi.com x12-003020 / x12-003060 POC (relaxed to C0305 in 007020)
SOURCE["POC"] = "EDIENGINE; STEDI (003020, 003060 POC: C030405)"

# where each 005010 list comes from when it is not the 004010 one kept for unchanged elements
SOURCE_5010: dict[str, str] = {
    "MEA": "STUPIDEDI (005010: E0412 and L050412/L060412 replace C0504/C0604, MEA12 can stand for MEA04)",
    "N4": "STUPIDEDI + PYX12 (005010)",
    "NM1": "STUPIDEDI + PYX12 (005010)",
    "CTB": "EDIENGINE; STEDI (008010): CTB07 has no note",
    "MTX": "EDIENGINE (004010 list kept; no source found for MTX05/06)",
    "INC": "none in the 004010 standard (EDIENGINE); no 005010 source found",
    "NX2": "none in the 004010 standard (EDIENGINE); no 005010 source found",
    "IN2": "none in the 004010 standard (EDIENGINE); no 005010 source found",
    **{seg: "none in the standard (STUPIDEDI 005010, pyx12's 999 maps)" for seg in ("IK3", "IK4", "IK5", "CTX")},
    **{seg: "none in the standard (STUPIDEDI 005010)" for seg in ("ST", "AK1", "AK2")},
}
