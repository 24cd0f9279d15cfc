# ruff: noqa: E501  (data: one segment per line)
"""Syntax notes (relational conditions) of the segments our maps use, X12.md section 11.

A note is its kind and the positions it ties, two digits each: `P0304` (paired), `R0203` (at least one), `C0403`
(if the first, then all the others), `L050412` (if the first, then at least one of the others), `E0207` (not
more than one). pyx12 checks every kind; broken P/R/C/L notes give 723/621 code 2, broken E notes code 10.

Sources, per segment below:
- PYX12: the notes pyx12 4.0.0 (BSD) carries in its 005010 maps (`pyx12/map/*.xml`, `<syntax>`); implementation
  guides do not change a segment's syntax notes, so these are the standard's. A note naming a position the
  segment does not have in a release (MEA11/12, NM112, N407 are 005010 additions) is left out for that release
  by the generator.
- X12MD: X12.md section 11 (PO1, PID, ACK, CTT) and section 6 (RCD: at least one of RCD02/04/06).
- PAIRS: every optional product/service ID qualifier (235) with its ID (234) is paired (X12.md section 11), so
  the P notes of PO1, POC, LIN, SLN, IT8 and ACK pairs are derived from the segment dictionary, not listed here.

Segments not listed have no syntax note in these sources; docs/x12-rulebook.md lists them, so a reader sees
which segments are unchecked for lack of a public source rather than for lack of notes.
"""

from __future__ import annotations

# segment -> notes, space-separated; every release unless NOTES_5010 says otherwise
NOTES: dict[str, str] = {
    # PYX12
    "CTP": "P0405 C0607 C0902 C1002 C1103",
    "CUR": "C0807 C0907 L101112 C1110 C1210 L131415 C1413 C1513 L161718 C1716 C1816 L192021 C2019 C2119",
    "DTM": "R020305 C0403 P0506",
    "MEA": "R03050608 C0504 C0604 L07030506 E0803 P1112 L050412 L060412",
    "MSG": "C0302",
    "N1": "R0203 P0304",
    "N4": "C0605",
    "NM1": "P0809 C1110",
    "PER": "P0304 P0506 P0708",
    "PWK": "P0506",
    "QTY": "R0204 E0204",
    "REF": "R0203",
    "SAC": "R0203 P0304 P0607 P0910 C1110 C1413 C1615",
    "SLN": "C0706 C0806 P0405",
    "SPI": "P0203",
    "UIT": "C0302",
    # X12MD
    "PO1": "C0302 C0504",
    "PID": "C0403 R0405",
    "ACK": "P0203 C0405",
    "CTT": "P0304 P0506",
    "RCD": "R020406",
}

# 005010 additions to a segment's notes (N407 country subdivision, NM112 name suffix)
NOTES_5010: dict[str, str] = {
    "N4": "E0207 C0605 C0704",
    "NM1": "P0809 C1110 C1203",
}

SOURCE: dict[str, str] = {
    **{seg: "PYX12" for seg in ("CTP", "CUR", "DTM", "MEA", "MSG", "N1", "N4", "NM1", "PER", "PWK", "QTY", "REF",
                                "SAC", "SLN", "SPI", "UIT")},
    **{seg: "X12MD" for seg in ("PO1", "PID", "ACK", "CTT", "RCD")},
}
