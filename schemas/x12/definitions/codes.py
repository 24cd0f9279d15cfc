# ruff: noqa: E501  (data tables: one code list or segment per line reads better than wrapped)
"""Code lists written inline in the maps (the acknowledgments' own codes), and the GS08 values each map answers to.

Every other ID element's list is in code_lists.py and reaches the maps as a pyx12 external code set, which pyx12
does not use to place a segment: an unknown first qualifier (REF01, N101...) is then an invalid code (723 7) on
that element, not a missing segment.

Sources: X12.md §1 (GS01 479), §8 (997/999 codes as pyx12's `997.4010.xml` / `999.5010.xml` list them, widened to
every functional group).
"""

from __future__ import annotations

SEGMENT_ERROR_720 = ["1", "2", "3", "4", "5", "6", "7", "8"]
ELEMENT_ERROR_723 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
SET_ACK_717 = ["A", "E", "M", "R", "W", "X"]
SET_ERROR_718 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16", "17", "23", "24", "25", "26", "27"]
GROUP_ACK_715 = ["A", "E", "M", "P", "R", "W", "X"]
GROUP_ERROR_716 = ["1", "2", "3", "4", "5", "6", "10", "11", "12", "13", "14", "15", "16", "17", "18", "23", "24", "25", "26"]
# 005010 (X12.md §8): 999 adds implementation codes; 716 gains 7-9 and 19 after 004010
SEGMENT_ERROR_620 = ["1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"]
ELEMENT_ERROR_621 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "13", "I6", "I9", "I10", "I11", "I12", "I13"]
SET_ERROR_618 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16", "17", "18", "19", "23", "24", "25", "26", "27", "I5", "I6"]
GROUP_ERROR_716_5010 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "23", "24", "25", "26"]

# (segment, element position) -> valid codes, for every release unless overridden below
CODES: dict[tuple[str, int], list[str]] = {
    ("AK3", 4): SEGMENT_ERROR_720,
    ("AK4", 3): ELEMENT_ERROR_723,
    ("AK5", 1): SET_ACK_717,
    **{("AK5", i): SET_ERROR_718 for i in range(2, 7)},
    ("AK9", 1): GROUP_ACK_715,
    **{("AK9", i): GROUP_ERROR_716 for i in range(5, 10)},
}
CODES_5010: dict[tuple[str, int], list[str]] = {
    ("IK3", 4): SEGMENT_ERROR_620,
    ("IK4", 3): ELEMENT_ERROR_621,
    ("IK5", 1): SET_ACK_717,
    **{("IK5", i): SET_ERROR_618 for i in range(2, 7)},
    **{("AK9", i): GROUP_ERROR_716_5010 for i in range(5, 10)},
}

# transaction set -> GS01 functional identifier (X12.md §1)
FUNCTIONAL_GROUP: dict[str, str] = {
    "850": "PO", "855": "PR", "860": "PC", "865": "CA", "861": "RC", "846": "IB", "997": "FA", "999": "FA",
}

# GS08 values partners send, per release; pyx12 matches GS08 exactly, so each needs its own maps.xml line.
# VICS/UCS are the retail (GS1 US) industry identifiers; 999s carry their implementation guide, 005010X231(A1).
GS08: dict[str, dict[str, list[str]]] = {
    "004010": {
        "default": ["004010", "004010VICS", "004010UCS"],
    },
    "005010": {
        "default": ["005010", "005010VICS", "005010UCS"],
        # a 999 travels in an FA group like the 997 (X12.md section 1), often with GS08 005010: both maps answer
        # to it and the validator picks one by ST01
        "999": ["005010", "005010VICS", "005010UCS", "005010X231", "005010X231A1"],
    },
}
