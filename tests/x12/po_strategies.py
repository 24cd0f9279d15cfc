"""Hypothesis strategies and profiles for purchase order versions (the 850 and 860 tests): every canonical
field that travels in an 850 is generated, within the X12 character set and element lengths.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from gateway.canonical import (
    Attachment,
    Charge,
    Dimensions,
    Note,
    OrderKind,
    OrderLine,
    Party,
    ProductId,
    PurchaseOrderVersion,
    VersionPurpose,
)
from gateway.canonical.products import DIMENSION_FIELDS
from mappers.x12.segments import Delimiters
from mappers.x12.translate import translate
from mappers.x12.writer import Profile
from schemas.x12.definitions.code_lists import CODE_LISTS

P4010 = Profile("ZZ", "CONTOSO", "ZZ", "FABRIKAM", "CONTOSO", "FABRIKAM", version="004010",
                delimiters=Delimiters("*", ">", "~", None))
P5010 = Profile("ZZ", "CONTOSO", "01", "123456789", "CONTOSO", "NORTHWIND", version="005010",
                delimiters=Delimiters("|", ":", "~", "^"))
PVICS = Profile("ZZ", "CONTOSO", "ZZ", "LITWARE", "CONTOSO", "LITWARE", version="004010VICS",
                delimiters=Delimiters("*", ">", "~", None))


def read_all(data: bytes) -> list[object]:
    out = []
    for t in translate(data):
        assert t.error is None, str(t.error)
        out.append(t.document)
    return out


SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./#&"


def text(min_size: int = 1, max_size: int = 30, alphabet: str = SAFE + " ") -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(lambda s: s == s.strip() and s != "")


def ident(min_size: int = 1, max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(SAFE, min_size=min_size, max_size=max_size)


dates = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999999"), places=3)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal("99999"), places=4)
amounts = st.decimals(min_value=Decimal(0), max_value=Decimal("999999"), places=2)


@st.composite
def notes(draw: st.DrawFn) -> Note:
    lines = draw(st.lists(text(max_size=120), min_size=1, max_size=3))
    return Note(text="\n".join(lines), code=draw(st.sampled_from(["L1", "ZZ", "H6"])))


# SAC02 codes (1300) come from the X12 list: any four characters would be an invalid code (723 7)
charges = st.builds(Charge, code=st.sampled_from(CODE_LISTS["1300"].split()), amount=amounts,
                    indicator=st.sampled_from(["A", "C"]), description=st.none() | text(max_size=80))
attachments = st.builds(Attachment, file_name=text(max_size=80), report_type=st.sampled_from(["AT", "BE", "DW"]))


@st.composite
def parties(draw: st.DrawFn, qualifiers: tuple[str, ...] = ("1", "9", "ZZ")) -> Party:
    has_id = draw(st.booleans())
    name = draw(text(max_size=60)) if not has_id or draw(st.booleans()) else None
    located = draw(st.booleans())
    return Party(
        name=name,
        id_qualifier=draw(st.sampled_from(qualifiers)) if has_id else None,
        id=draw(ident(2, 30)) if has_id else None,
        address=tuple(draw(st.lists(text(max_size=55), max_size=3))),
        city=draw(text(2, 30)) if located else None,
        state=draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)) if located else None,
        postal_code=draw(st.text("0123456789", min_size=5, max_size=5)) if located else None,
        country=draw(st.sampled_from(["US", "CA", "DE"])) if located else None,
    )


def dimensions(allow_empty: bool = True) -> st.SearchStrategy[Dimensions]:
    field = st.none() | ident(2, 20)
    dims = st.builds(Dimensions, site=field, warehouse=field, color=field, size=field, style=field,
                     configuration=field)
    return dims if allow_empty else dims.filter(lambda d: d != Dimensions())


# Product id qualifiers partners send (X12.md, 235): item numbers of both sides, barcodes, dimensions and codes
# no field reads (PL, LT, SR); a line may carry several, in any order, a qualifier twice. At most three beside
# the three id fields and four dimension pairs: PO1 holds ten pairs.
ID_QUALIFIERS = ("BP", "IN", "PI", "CB", "SK", "VP", "VN", "VC", "MG", "UP", "EN", "BO", "IZ", "VA", "PL", "LT",
                 "SR")
DIMENSION_QUALIFIERS = frozenset(q for f in DIMENSION_FIELDS for q in f.read)


def product_ids(min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[tuple[ProductId, ...]]:
    pair = st.builds(ProductId, qualifier=st.sampled_from(ID_QUALIFIERS), id=ident(1, 20))
    return st.lists(pair, min_size=min_size, max_size=max_size).map(tuple)


@st.composite
def order_lines(draw: st.DrawFn, number: str) -> OrderLine:
    return OrderLine(
        line_number=number, quantity=draw(quantities), uom=draw(st.sampled_from(["EA", "CA", "KG", "BX"])),
        unit_price=draw(st.none() | prices), product_ids=draw(product_ids()), buyer_item=draw(st.none() | ident()),
        vendor_item=draw(st.none() | ident()), upc=draw(st.none() | st.text("0123456789", min_size=12,
                                                                                  max_size=12)),
        description=draw(st.none() | text(max_size=200)), requested_delivery_date=draw(st.none() | dates),
        dimensions=draw(dimensions()), notes=tuple(draw(st.lists(notes(), max_size=2))),
        charges=tuple(draw(st.lists(charges, max_size=2))), attachments=tuple(draw(st.lists(attachments,
                                                                                            max_size=2))),
    )


@st.composite
def orders(draw: st.DrawFn, purposes: tuple[VersionPurpose, ...] = (VersionPurpose.ORIGINAL,
                                                                    VersionPurpose.REPLACE)) -> PurchaseOrderVersion:
    numbers = draw(st.lists(st.integers(1, 999), min_size=1, max_size=5, unique=True))
    return PurchaseOrderVersion(
        po_number=draw(ident(1, 20)), purpose=draw(st.sampled_from(purposes)),
        kind=draw(st.sampled_from(list(OrderKind))), order_date=draw(dates),
        currency=draw(st.none() | st.sampled_from(["USD", "EUR"])), buyer=draw(st.none() | parties()),
        ship_to=draw(st.none() | parties()), site=draw(st.none() | ident(1, 30)),
        warehouse=draw(st.none() | ident(2, 30)), requested_delivery_date=draw(st.none() | dates),
        payment_terms=draw(st.none() | text(max_size=80)), notes=tuple(draw(st.lists(notes(), max_size=2))),
        charges=tuple(draw(st.lists(charges, max_size=2))),
        attachments=tuple(draw(st.lists(attachments, max_size=2))),
        lines=tuple(draw(order_lines(str(n))) for n in numbers),
    )
