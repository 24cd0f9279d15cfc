"""860 both ways: BCH01 04 change (POC deltas), 05 replace, 01 cancel, 06 confirm; deltas computed from versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from gateway.canonical import (
    Cancellation,
    ChangeCode,
    Confirmation,
    LineChange,
    OrderLine,
    ProductId,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    VersionPurpose,
)
from gateway.lifecycle.orders import apply_deltas
from mappers.x12.po860 import change_between
from mappers.x12.segments import MappingError
from mappers.x12.translate import RenderRequest, render, translate
from mappers.x12.writer import Profile, ThrowawayNumbers
from tests.x12.golden import expected_documents, fixture_bytes
from tests.x12.helpers import assert_clean
from tests.x12.po_strategies import (
    DIMENSION_QUALIFIERS,
    P4010,
    P5010,
    PVICS,
    attachments,
    charges,
    dates,
    dimensions,
    ident,
    notes,
    orders,
    prices,
    product_ids,
    quantities,
    read_all,
    text,
)

GOLDEN_860 = ["860_change", "860_5010_replace", "860_cancel_confirm"]
NOW = datetime(2026, 11, 25, 14, 30)


def write(doc: object, profile: Profile, version: int | None = None,
          previous: PurchaseOrderVersion | None = None, received: dict[str, Decimal] | None = None) -> bytes:
    request = RenderRequest(doc, version=version, previous=previous, received=received or {})  # type: ignore[arg-type]
    return render("860", [request], profile, ThrowawayNumbers(), NOW)


@pytest.mark.parametrize("name", GOLDEN_860)
def test_golden_860_reads_as_its_canonical_json(name: str) -> None:
    found = [(t.located.transaction.set_id, t.document) for t in translate(fixture_bytes(name))]
    assert found == expected_documents(name)


@pytest.mark.parametrize("name", GOLDEN_860)
def test_golden_860_is_accepted_by_independent_parsers(name: str) -> None:
    assert_clean(fixture_bytes(name))


def test_poc_codes_map_to_the_lifecycle_change_codes() -> None:
    (change,) = read_all(fixture_bytes("860_change"))
    assert isinstance(change, PurchaseOrderChange)
    codes = {lc.x12_code: lc.change for lc in change.lines}
    assert codes == {"QI": ChangeCode.QUANTITY, "QD": ChangeCode.QUANTITY, "DI": ChangeCode.DELETE,
                     "AI": ChangeCode.ADD, "PC": ChangeCode.PRICE, "CT": ChangeCode.DATE,
                     "RZ": ChangeCode.REPLACE}


def test_a_replace_drops_the_lines_it_omits_or_deletes() -> None:
    (doc,) = read_all(fixture_bytes("860_5010_replace"))
    assert isinstance(doc, PurchaseOrderVersion)
    assert doc.purpose is VersionPurpose.REPLACE and [x.line_number for x in doc.lines] == ["10", "30"]


@pytest.mark.parametrize("name", GOLDEN_860)
@pytest.mark.parametrize("profile", [P4010, P5010], ids=["4010", "5010"])
def test_golden_860_documents_survive_writing(name: str, profile: Profile) -> None:
    for _, doc in expected_documents(name):
        version = int(doc.change_sequence) if isinstance(doc, PurchaseOrderVersion) else None
        data = write(doc, profile, version=version)
        assert_clean(data)
        back = read_all(data)
        if isinstance(doc, PurchaseOrderChange):
            doc = doc.model_copy(update={"order_date": doc.order_date})
        assert back == [doc]


def test_confirmation_names_the_version_in_bch05() -> None:
    data = write(Confirmation(po_number="PO7", version=3), P4010)
    assert b"BCH*06*SA*PO7**3*20261125~" in data
    assert read_all(data) == [Confirmation(po_number="PO7", version=3)]


def test_a_confirmation_without_a_numeric_version_is_refused() -> None:
    data = write(Cancellation(po_number="PO7"), P4010).replace(b"BCH*01", b"BCH*06")
    (t,) = translate(data)
    assert t.error is not None and t.error.element == 5


def test_an_unknown_poc_code_is_refused() -> None:
    change = PurchaseOrderChange(po_number="PO7", lines=(LineChange(line_number="1", change=ChangeCode.PRICE,
                                                                    unit_price=Decimal(1)),))
    data = write(change, P4010).replace(b"POC*1*PC", b"POC*1*TI")
    (t,) = translate(data)
    assert t.error is not None and (t.error.segment, t.error.element) == ("POC", 2)


def test_a_quantity_change_must_say_increase_or_decrease() -> None:
    change = PurchaseOrderChange(po_number="PO7", lines=(LineChange(line_number="1", change=ChangeCode.QUANTITY,
                                                                    quantity=Decimal(1)),))
    with pytest.raises(MappingError, match="QI"):
        write(change, P4010)


def test_a_quantity_without_its_unit_is_refused_naming_poc05() -> None:
    # POC C030405: what render writes is held to what validate reads
    change = PurchaseOrderChange(po_number="PO7", lines=(LineChange(line_number="1", change=ChangeCode.ADD,
                                                                    x12_code="AI", quantity=Decimal(5)),))
    with pytest.raises(MappingError, match=r"POC05 .*C030405"):
        write(change, P4010)


# ---------------------------------------------------------------- a later version as deltas

BASE = PurchaseOrderVersion(
    po_number="4500012345", order_date=date(2026, 11, 20), currency="USD",
    lines=(OrderLine(line_number="1", quantity=Decimal(120), unit_price=Decimal("9.25"), vendor_item="AB3542"),
           OrderLine(line_number="2", quantity=Decimal(24), unit_price=Decimal("13.79")),
           OrderLine(line_number="3", quantity=Decimal(5), requested_delivery_date=date(2026, 12, 1))))


def _line(n: str) -> OrderLine:
    return next(x for x in BASE.lines if x.line_number == n)


def test_deltas_use_the_standard_poc_code_for_each_kind_of_change() -> None:
    current = BASE.model_copy(update={"lines": (
        _line("1").model_copy(update={"quantity": Decimal(150)}),
        _line("2").model_copy(update={"unit_price": Decimal("12.00")}),
        _line("3").model_copy(update={"requested_delivery_date": date(2026, 12, 9)}),
        OrderLine(line_number="4", quantity=Decimal(1)))})
    data = write(current, P4010, version=2, previous=BASE).decode()
    assert "BCH*04*SA*4500012345**2*20261120~" in data
    for expected in ("POC*1*QI*150*150*EA*9.25**VP*AB3542~", "POC*2*PC*24*24*EA*12~", "POC*3*CT*5*5*EA~",
                     "POC*4*AI*1*1*EA~"):
        assert expected in data
    smaller = BASE.model_copy(update={"lines": (_line("1").model_copy(update={"quantity": Decimal(10)}),
                                                _line("3"))})
    data = write(smaller, P4010, version=3, previous=BASE).decode()
    assert "POC*1*QD*10*10*EA*9.25**VP*AB3542~" in data and "POC*2*DI~" in data
    assert "POC*3" not in data  # unchanged lines are not sent


def test_poc04_is_what_is_left_to_receive_after_the_receipts() -> None:
    # line 1: 150 ordered, 130 received -> 20 left; line 2: more received than the new quantity -> 0, never below
    current = BASE.model_copy(update={"lines": (_line("1").model_copy(update={"quantity": Decimal(150)}),
                                                _line("2").model_copy(update={"quantity": Decimal(10)}), _line("3"))})
    received = {"1": Decimal(130), "2": Decimal("12.5")}
    data = write(current, P4010, version=2, previous=BASE, received=received).decode()
    assert "POC*1*QI*150*20*EA*9.25**VP*AB3542~" in data and "POC*2*QD*10*0*EA*13.79~" in data
    replace = current.model_copy(update={"currency": None})  # a removed value: the version goes as an 05
    data = write(replace, P5010, version=2, previous=BASE, received=received).decode()
    assert "POC|1|RZ|150|20|EA|9.25||VP|AB3542~" in data and "POC|3|RZ|5|5|EA~" in data
    assert_clean(data.encode())


def test_a_removed_value_goes_as_a_replace() -> None:
    current = BASE.model_copy(update={"currency": None})
    data = write(current, P4010, version=2, previous=BASE)
    assert b"BCH*05*SA*4500012345**2*" in data
    (back,) = read_all(data)
    assert back == current.model_copy(update={"purpose": VersionPurpose.REPLACE, "change_sequence": "2"})


def _apply(previous: PurchaseOrderVersion, change: PurchaseOrderChange) -> PurchaseOrderVersion:
    """What the lifecycle makes of a change (gateway/lifecycle/orders.py apply_change, without a database)."""
    lines = apply_deltas(change.po_number, list(previous.lines), change.lines)
    return previous.model_copy(update=dict(
        currency=change.currency or previous.currency,
        requested_delivery_date=change.requested_delivery_date or previous.requested_delivery_date,
        payment_terms=change.payment_terms or previous.payment_terms,
        ship_to=change.ship_to or previous.ship_to, order_date=change.order_date or previous.order_date,
        notes=change.notes, attachments=change.attachments,
        charges=change.charges if change.charges is not None else previous.charges, lines=tuple(lines)))


@st.composite
def later_versions(draw: st.DrawFn) -> tuple[PurchaseOrderVersion, PurchaseOrderVersion]:
    """A version and the next one: lines changed, removed or added, header values changed or removed."""
    previous = draw(orders(purposes=(VersionPurpose.ORIGINAL,)))
    lines = []
    for line in previous.lines:
        action = draw(st.sampled_from(["keep", "quantity", "price", "date", "drop", "many", "ids"]))
        if action == "drop":
            continue
        update: dict[str, object] = {}
        if action in ("quantity", "many"):
            update["quantity"] = draw(quantities)
        if action in ("price", "many"):
            update["unit_price"] = draw(st.none() | prices)
        if action in ("date", "many"):
            update["requested_delivery_date"] = draw(st.none() | dates)
        if action == "many":
            update["notes"] = tuple(draw(st.lists(notes(), max_size=1)))
            update["charges"] = tuple(draw(st.lists(charges, max_size=1)))
            update["dimensions"] = draw(dimensions())
            # the dimension pairs go with the dimensions (else the pairs would fill an emptied one again)
            update["product_ids"] = tuple(p for p in line.product_ids if p.qualifier not in DIMENSION_QUALIFIERS)
        if action == "ids":  # another id added, or the first one's value changed
            [extra] = draw(product_ids(min_size=1, max_size=1))
            ids = line.product_ids
            if len(ids) == 3 or (ids and draw(st.booleans())):  # a PO1/POC holds ten pairs in all
                update["product_ids"] = (ProductId(qualifier=ids[0].qualifier, id=extra.id), *ids[1:])
            else:
                update["product_ids"] = (*ids, extra)
            update.update(buyer_item=None, vendor_item=None, upc=None)  # filled from the new pairs
        lines.append(OrderLine.model_validate({**dict(line), **update}))
    lines += [OrderLine(line_number=f"N{i}", quantity=draw(quantities), description=draw(text()))
              for i in range(draw(st.integers(0, 2)))]
    header = {"lines": tuple(lines), "purpose": VersionPurpose.CHANGE}
    if draw(st.booleans()):
        header["currency"] = draw(st.none() | st.sampled_from(["USD", "EUR", "GBP"]))
    if draw(st.booleans()):
        header["notes"] = tuple(draw(st.lists(notes(), max_size=2)))
    if draw(st.booleans()):
        header["charges"] = tuple(draw(st.lists(charges, max_size=2)))
    return previous, previous.model_copy(update=header)


def _same(a: PurchaseOrderVersion, b: PurchaseOrderVersion) -> None:
    ignore = {"purpose", "change_sequence"}
    assert a.model_dump(exclude=ignore | {"lines"}) == b.model_dump(exclude=ignore | {"lines"})
    assert sorted(a.lines, key=lambda x: x.line_number) == sorted(b.lines, key=lambda x: x.line_number)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=later_versions(), profile=st.sampled_from([P4010, P5010, PVICS]))
def test_a_later_version_sent_as_860_rebuilds_the_same_version(
        pair: tuple[PurchaseOrderVersion, PurchaseOrderVersion], profile: Profile) -> None:
    previous, current = pair
    assume(previous != current)
    data = write(current, profile, version=2, previous=previous)
    assert_clean(data)
    (back,) = read_all(data)
    event(type(back).__name__)
    if isinstance(back, PurchaseOrderChange):
        assert back.change_sequence == "2"
        _same(_apply(previous, back), current)
    else:
        assert isinstance(back, PurchaseOrderVersion) and back.purpose is VersionPurpose.REPLACE
        assert change_between(previous, current) is None  # a replace only when a delta cannot say it
        _same(back, current)


CODES = {"AI": ChangeCode.ADD, "DI": ChangeCode.DELETE, "QI": ChangeCode.QUANTITY, "QD": ChangeCode.QUANTITY,
         "CT": ChangeCode.DATE, "RS": ChangeCode.DATE, "PC": ChangeCode.PRICE, "CA": ChangeCode.REPLACE,
         "RZ": ChangeCode.REPLACE, "PQ": ChangeCode.REPLACE, "NC": ChangeCode.NO_CHANGE}


@st.composite
def line_changes(draw: st.DrawFn, number: str) -> LineChange:
    code = draw(st.sampled_from(sorted(CODES)))
    quantity = draw(st.none() | quantities)
    units = st.sampled_from(["EA", "CA"])  # POC C030405: a quantity goes with its unit of measure
    return LineChange(
        line_number=number, change=CODES[code], x12_code=code, quantity=quantity,
        uom=draw(units if quantity is not None else st.none() | units), unit_price=draw(st.none() | prices),
        buyer_item=draw(st.none() | ident()), vendor_item=draw(st.none() | ident()),
        product_ids=draw(st.none() | product_ids(min_size=1)),
        description=draw(st.none() | text(max_size=100)), requested_delivery_date=draw(st.none() | dates),
        dimensions=draw(st.none() | dimensions(allow_empty=False)),
        notes=tuple(draw(st.lists(notes(), max_size=1))),
        charges=draw(st.none() | st.lists(charges, min_size=1, max_size=2).map(tuple)),
        attachments=tuple(draw(st.lists(attachments, max_size=1))))


@st.composite
def changes(draw: st.DrawFn) -> PurchaseOrderChange:
    numbers = draw(st.lists(st.integers(1, 999), min_size=1, max_size=5, unique=True))
    return PurchaseOrderChange(
        po_number=draw(ident(1, 22)), change_sequence=draw(st.none() | st.text("0123456789", min_size=1,
                                                                                 max_size=8)),
        order_date=draw(dates), currency=draw(st.none() | st.sampled_from(["USD", "EUR"])),
        requested_delivery_date=draw(st.none() | dates), payment_terms=draw(st.none() | text(max_size=80)),
        notes=tuple(draw(st.lists(notes(), max_size=2))),
        charges=draw(st.none() | st.lists(charges, min_size=1, max_size=2).map(tuple)),
        attachments=tuple(draw(st.lists(attachments, max_size=2))),
        lines=tuple(draw(line_changes(str(n))) for n in numbers))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change=changes(), profile=st.sampled_from([P4010, P5010]))
def test_any_change_round_trips_through_860(change: PurchaseOrderChange, profile: Profile) -> None:
    data = write(change, profile)
    assert_clean(data)
    assert read_all(data) == [change]


@settings(max_examples=30, deadline=None)
@given(po=ident(1, 22), reason=st.none() | text(max_size=200), version=st.integers(1, 99999999))
def test_cancellations_and_confirmations_round_trip(po: str, reason: str | None, version: int) -> None:
    docs = [Cancellation(po_number=po, reason=reason, change_sequence=str(version)),
            Confirmation(po_number=po, version=version)]
    for doc in docs:
        data = write(doc, P5010)
        assert_clean(data)
        assert read_all(data) == [doc]


def test_cancellation_reason_travels_as_a_note() -> None:
    data = write(Cancellation(po_number="PO7", reason="STORE CLOSED"), P4010).decode().replace("\n", "")
    assert "BCH*01*SA*PO7***20261125~N9*L1**NOTE~MSG*STORE CLOSED~SE*5*" in data
