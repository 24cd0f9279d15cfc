# ruff: noqa: E501  (data tables: one code list or segment per line reads better than wrapped)
"""X12 segment and composite dictionary for the segments our maps use: 004010, with 005010 differences.

Each segment is written as one line of element tokens: `M` mandatory / `O` optional (pyx12 usage R / S), then the
data element number (or composite id `C...`). A trailing `?` marks a data element number that we could not confirm
in a public source; its type and length are still checked against the Bots grammars by tests/x12/test_maps.py, so
only the number reported in AK4/IK4 could be wrong.

Sources: X12.md §1-§8 (element numbers stated there); Bots grammars `bots-edi/bots-grammars`
`x12/4010/records004010.py` and `x12/5010/records005010.py` (element count, M/C, lengths: checked by a test, not
copied); `tcd/eddy` segment definitions; zenbridge.io (4010 BCH, 4030 SPI), kasoftware.com (4010 TAX, 3010 RCD, PD),
ws2.segment.co.il (4040 CSH, CS, DD) and stedi.com (PDD, RCD) dictionaries; pyx12's own `997.4010.xml` /
`999.5010.xml` for the acknowledgment segments.
"""

from __future__ import annotations


def _rep(tokens: str, times: int) -> str:
    return " ".join([tokens] * times)


_U = "O355 O1018 O649"  # one unit-of-measure triple inside C001

COMPOSITES: dict[str, tuple[str, str]] = {
    "C001": ("Composite Unit of Measure", "M355 O1018 O649 " + _rep(_U, 4)),
    "C002": ("Actions Indicated", "M704 O704 O704 O704 O704"),
    "C030": ("Position in Segment", "M722 O1528"),
    "C040": ("Reference Identifier", "M128 M127 O128 O127 O128 O127"),
}

COMPOSITES_5010: dict[str, tuple[str, str]] = {
    "C030": ("Position in Segment", "M722 O1528 O1686"),
    "C998": ("Context Identification", "M9999 O9998"),
    "C999": ("Reference in Segment", "M725 O725"),
}

_PAIRS10 = _rep("O235 O234", 10)

SEGMENTS: dict[str, tuple[str, str]] = {
    # envelope inside a transaction set
    "ST": ("Transaction Set Header", "M143 M329"),
    "SE": ("Transaction Set Trailer", "M96 M329"),
    # beginning segments
    "BEG": ("Beginning Segment for Purchase Order", "M353 M92 M324 O328 M373 O367 O587 O1019 O1166 O1232 O786 O640"),
    "BCH": ("Beginning Segment for Purchase Order Change",
            "M353 M92 M324 O328 O327 M373 O326 O367 O127 O373 O373 O1166 O786 O587 O640 O1232"),
    "BAK": ("Beginning Segment for Purchase Order Acknowledgment",
            "M353 M587 M324 M373 O328 O326 O367 O127 O373 O640"),
    "BCA": ("Beginning Segment for Purchase Order Change Acknowledgment",
            "M353 O587 M324 O328 O327 M373 O326 O367 O127 O373 O373 O373 O92? O640? O1232?"),
    "BRA": ("Beginning Segment for Receiving Advice or Acceptance Certificate", "M127 M373 M353 M962 O337 O412 O306"),
    "BIA": ("Beginning Segment for Inventory Inquiry/Advice", "M353 M755 M127 M373 O337 O306"),
    # header and detail segments
    "CUR": ("Currency", "M98 M100 O280 O98 O100 O669 " + _rep("O374 O373 O337", 5)),
    "REF": ("Reference Identification", "M128 O127 O352 OC040"),
    "PER": ("Administrative Communications Contact", "M366 O93 O365 O364 O365 O364 O365 O364 O443"),
    "TAX": ("Tax Reference", "O325 " + _rep("O309 O310", 5) + " O441 O1179"),
    "FOB": ("F.O.B. Related Instructions", "M146 O309 O352 O334 O335 O309 O352 O54 O352"),
    "CTP": ("Pricing Information", "O687 O236 O212 O380 OC001 O648 O649 O782 O639 O499 O289"),
    "PAM": ("Period Amount", "O673 O380 OC001 O522 O782 O344 O374 O373 O337 O374 O373 O337 O1004 O954 O1073"),
    "CSH": ("Sales Requirements", "O563 O306 O610 O508 O373 O559 O560 O566 O954 O1004"),
    "TC2": ("Commodity", "M23 M22"),
    "SAC": ("Service, Promotion, Allowance, or Charge Information",
            "M248 O1300 O559 O1301 O610 O378 O332 O118 O355 O380 O380 O331 O127 O770 O352 O819"),
    "ITD": ("Terms of Sale/Deferred Terms of Sale",
            "O336 O333 O338 O370 O351 O446 O386 O362 O388 O389 O342 O352 O765 O107 O954"),
    "DIS": ("Discount Detail", "M653 M654 M655 M656 M657 O658"),
    "INC": ("Installment Information", "M336 MC001 M380 M380 O782"),
    "DTM": ("Date/Time Reference", "M374 O373 O337 O623 O1250 O1251"),
    "LDT": ("Lead Time", "M345 M380 M344 O373"),
    "LIN": ("Item Identification", "O350 M235 M234 " + _rep("O235 O234", 14)),
    "SI": ("Service Characteristic Identification", "M559 M1000 M234 " + _rep("O1000 O234", 9)),
    "PID": ("Product/Item Description", "M349 O750 O559 O751 O352 O752 O822 O1073 O819"),
    "MEA": ("Measurements", "O737 O738 O739 OC001 O740 O741 O935 O936 O752 O1373"),
    "PWK": ("Paperwork", "M755 O756 O757 O98 O66 O67 O352 OC002 O1525"),
    "PKG": ("Marking, Packaging, Loading", "O349 O753 O559 O754 O352 O400"),
    "TD1": ("Carrier Details (Quantity and Weight)", "O103 O80 O23 O22 O79 O187 O81 O355 O183 O355"),
    "TD5": ("Carrier Details (Routing Sequence/Transit Time)",
            "O133 O66 O67 O91 O387 O368 O309 O310 O731 O732 O733 O284 O284 O284 O26"),
    "TD3": ("Carrier Details (Equipment)", "O40 O206 O207 O187 O81 O355 O102 O407 O225 O24"),
    "TD4": ("Carrier Details (Special Handling, or Hazardous Materials, or Both)", "O152 O208 O209 O352 O1073"),
    "MAN": ("Marks and Numbers", "M88 M87 O87 O88 O87 O87"),
    "PCT": ("Percent Amounts", "M1004 M954"),
    "CTB": ("Restrictions/Conditions", "M688 O352 O673 O380 O522 O610"),
    "TXI": ("Tax Information", "M963 O782 O954 O955 O956 O441 O662 O828 O325 O350"),
    "FA1": ("Type of Financial Accounting Data", "M559 O1300 O248"),
    "FA2": ("Accounting Data", "M1196 M1195"),
    "N9": ("Reference Identification", "M128 O127 O369 O373 O337 O623 OC040"),
    "MSG": ("Message Text", "M933 O934 O1470"),
    "N1": ("Name", "M98 O93 O66 O67 O706 O98"),
    "N2": ("Additional Name Information", "M93 O93"),
    "N3": ("Address Information", "M166 O166"),
    "N4": ("Geographic Location", "O19 O156 O116 O26 O309 O310"),
    "NX2": ("Location ID Component", "M1106 M166 O1096"),
    "LM": ("Code Source Information", "M559 O822"),
    "LQ": ("Industry Code", "O1270 O1271"),
    "SPI": ("Specification Identifier",
            "M786 O128 O127 O790 O791 O792 O353 O755 O786 O559 O822 O554 O1322 O1401 O1005"),
    "CB1": ("Contract and Cost Accounting Standards Data", "M9022? O1073"),
    "G53": ("Maintenance Type", "M875"),
    "ADV": ("Advertising Demographic Information", "M559 M1000 O740 O741 O9020? O1000 O740?"),
    "MTX": ("Text", "O363 O1551 O1551 O1552"),
    "PO1": ("Baseline Item Data", "O350 O330 O355 O212 O639 " + _rep("O235 O234", 10)),
    "POC": ("Line Item Change", "O350 M670 O330 O671 OC001 O212 O639 " + _rep("O235 O234", 10)),
    "CN1": ("Contract Information", "M1112 O782 O332 O127 O338 O799"),
    "PO3": ("Additional Item Detail", "M371 O373 O236 O212 O639 M380 M355 O352"),
    "PO4": ("Item Physical Details",
            "O356 O357 O355 O103 O187 O384 O355 O385 O355 O82 O189 O65 O355 O810 O752 O350 O350 O1470"),
    "IT8": ("Conditions of Sale", "O563 O306 O610 O508 O373 O559 O566 " + _rep("O235 O234", 10)),
    "SDQ": ("Destination Quantity", "M355 O66 " + "M67 M380 " + _rep("O67 O380", 9) + " O310"),
    "IT3": ("Additional Item Data", "O382 O355 O368 O383 O371"),
    "QTY": ("Quantity", "M673 O380 OC001 O61"),
    "SCH": ("Line Item Schedule", "M380 M355 O98 O93 M374 M373 O337 O374 O373 O337 O326 O350"),
    "LS": ("Loop Header", "M447"),
    "LE": ("Loop Trailer", "M447"),
    "SLN": ("Subline Item Detail",
            "M350 O350 M662 O380 OC001 O212 O639 O662 " + _rep("O235 O234", 10)),
    "ACK": ("Line Item Acknowledgment", "M668 O380 O355 O374 O373 O326 " + _PAIRS10 + " O559 O822 O1271"),
    "PD": ("Pricing Data", "M344 M373 MC001 M380 M93 O352 O1196 O127 O352 O1401"),
    "PDD": ("Pricing Data Detail", "M350 O380 O782 O954 O1401"),
    "CTT": ("Transaction Totals", "M354 O347 O81 O355 O183 O355 O352"),
    "AMT": ("Monetary Amount", "M522 M782 O478"),
    # 861
    "PRF": ("Reference Identification (Purchase Order)", "M324 O328 O327 O373 O350 O367 O92"),
    "RCD": ("Receiving Conditions",
            "O350 O663 OC001 O664 OC001 " + _rep("O667 OC001 O412", 5) + " O380"),
    "SN1": ("Item Detail (Shipment)", "O350 M382 M355 O646 O330 O355 O728 O668"),
    "NM1": ("Individual or Organizational Name", "M98 M1065 O1035 O1036 O1037 O1038 O1039 O66 O67 O706 O98"),
    # 846
    "UIT": ("Unit Detail", "MC001 O212 O639"),
    "CS": ("Contract Summary",
           "O367 O327 O328 O128 O127 O324 O560 O433 O954 O954 O782 O336 O560 O355 O212 O336 O1073 O1073"),
    "DD": ("Demand Detail", "O1271 O1270 O128 O127 O1271 O1270 O380 O1073 O1271 O1270"),
    "G61": ("Contact", "M366 M93 O365 O364 O443"),
    "IN2": ("Individual Name Structure Components", "M1104 M93"),
    "EFI": ("Electronic Format Identification",
            "M9010? O9011? O9010? O9012? O9012? O9012? O9012? O9012? O9012? O9010? O9013? O9014? O380? O9015? O9012? O9016?"),
    # 997 / 999
    "AK1": ("Functional Group Response Header", "M479 M28"),
    "AK2": ("Transaction Set Response Header", "M143 M329"),
    "AK3": ("Data Segment Note", "M721 M719 O447 O720"),
    "AK4": ("Data Element Note", "MC030 O725 M723 O724"),
    "AK5": ("Transaction Set Response Trailer", "M717 O718 O718 O718 O718 O718"),
    "AK9": ("Functional Group Response Trailer", "M715 M97 M123 M2 O716 O716 O716 O716 O716"),
}

SEGMENTS_5010: dict[str, tuple[str, str]] = {
    "ST": ("Transaction Set Header", "M143 M329 O1705"),
    "CTB": ("Restrictions/Conditions", "M688 O352 O673 O380 O522 O610 OC001"),
    "INC": ("Installment Information", "M336 MC001 M380 O380 O782 O9019?"),
    "MEA": ("Measurements", "O737 O738 O739 OC001 O740 O741 O935 O936 O752 O1373 O1270 O1271"),
    "MTX": ("Text", "O363 O1551 O1551 O1552 O1470 O9018?"),
    "N4": ("Geographic Location", "O19 O156 O116 O26 O309 O310 O1715"),
    "NM1": ("Individual or Organizational Name", "M98 M1065 O1035 O1036 O1037 O1038 O1039 O66 O67 O706 O98 O1035"),
    "NX2": ("Location ID Component", "M1106 M166 O1096 O1106 O166"),
    "IN2": ("Individual Name Structure Components", "M1104 M93 O93?"),
    "AK1": ("Functional Group Response Header", "M479 M28 O480"),
    "AK2": ("Transaction Set Response Header", "M143 M329 O1705"),
    "IK3": ("Implementation Data Segment Note", "M721 M719 O447 O620"),
    "IK4": ("Implementation Data Element Note", "MC030 O725 M621 O724"),
    "IK5": ("Implementation Transaction Set Response Trailer", "M717 O618 O618 O618 O618 O618"),
    "CTX": ("Context", "MC998 O721 O719 O447 OC030 OC999"),
}
