"""850 both ways: golden files written from the standard, round trips, and checks by independent parsers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gateway.canonical import (
    Cancellation,
    Charge,
    Confirmation,
    Dimensions,
    OrderKind,
    OrderLine,
    PurchaseOrderVersion,
    VersionPurpose,
)
from mappers.x12.reader import read_interchanges
from mappers.x12.segments import MappingError
from mappers.x12.translate import RenderRequest, render, translate
from mappers.x12.writer import Profile, ThrowawayNumbers
from tests.x12.golden import as_entry, expected_documents, fixture_bytes
from tests.x12.helpers import assert_clean
from tests.x12.po_strategies import P4010, P5010, PVICS, orders, read_all

GOLDEN_850 = ["850_vics_4010", "850_consignment", "850_5010_pipe"]
NOW = datetime(2026, 11, 25, 14, 30)


def write(doc: PurchaseOrderVersion, profile: Profile, version: int = 1) -> bytes:
    return render("850", [RenderRequest(doc, version=version)], profile, ThrowawayNumbers(), NOW)


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


def notice(doc: Confirmation | Cancellation, restated: PurchaseOrderVersion, profile: Profile = P5010,
           version: int | None = None) -> bytes:
    data = render("850", [RenderRequest(doc, version=version, restated=restated)], profile, ThrowawayNumbers(), NOW)
    return data.replace(b"\n", b"")


def test_a_confirmation_for_an_850_replace_partner_is_beg01_06_under_the_number_it_knows() -> None:
    (_, doc), = expected_documents("850_vics_4010")
    assert isinstance(doc, PurchaseOrderVersion)
    data = notice(Confirmation(po_number=doc.po_number, version=2), doc)
    assert b"BEG|06|SA|4500012345-2||20261120~CUR|BY|USD~REF|PP|2~" in data and b"PO1|1|120|EA|" in data
    assert_clean(data)
    # Read back: the confirmation (of the PO as that partner knows it), never a new version.
    assert read_all(data) == [Confirmation(po_number="4500012345-2", version=2)]
    first = notice(Confirmation(po_number=doc.po_number, version=1), doc, P4010)
    assert b"BEG*06*SA*4500012345**20261120~CUR" in first  # version 1: its own number, no REF*PP
    assert_clean(first)
    assert read_all(first) == [Confirmation(po_number="4500012345", version=1)]


def test_a_cancellation_for_an_850_replace_partner_is_beg01_01_with_its_reason() -> None:
    (_, doc), = expected_documents("850_consignment")
    assert isinstance(doc, PurchaseOrderVersion)
    data = notice(Cancellation(po_number=doc.po_number, reason="STORE CLOSED"), doc, version=3)
    assert f"BEG|01|CN|{doc.po_number}-3||".encode() in data and b"MTX||STORE CLOSED~" in data
    assert_clean(data)
    assert read_all(data) == [Cancellation(po_number=f"{doc.po_number}-3", reason="STORE CLOSED")]


def test_an_850_confirmation_needs_the_po_it_restates() -> None:
    with pytest.raises(MappingError, match="restates"):
        render("850", [RenderRequest(Confirmation(po_number="PO7", version=1))], P4010, ThrowawayNumbers(), NOW)


def test_an_850_confirmation_with_a_version_that_is_no_number_is_refused() -> None:
    (t,) = translate(_one_set("BEG*06*SA*PO1**20261120~REF*PP*X~PO1*1*1*EA"))
    assert t.error is not None and (t.error.segment, t.error.element) == ("REF", 2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders(), version=st.integers(1, 999), profile=st.sampled_from([P4010, P5010]))
def test_any_confirmation_and_cancellation_round_trips_through_850(order: PurchaseOrderVersion, version: int,
                                                                  profile: Profile) -> None:
    assume(len(f"{order.po_number}-{version}") <= 22 and order.lines)
    known_as = order.po_number if version == 1 else f"{order.po_number}-{version}"
    for doc, expected in ((Confirmation(po_number=order.po_number, version=version),
                           Confirmation(po_number=known_as, version=version)),
                          (Cancellation(po_number=order.po_number, reason="NO LONGER NEEDED"),
                           Cancellation(po_number=known_as, reason="NO LONGER NEEDED"))):
        data = notice(doc, order, profile, version)
        assert_clean(data)
        assert read_all(data) == [expected]


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
    assert t.error is not None and "BEG01" in str(t.error) and "06 (confirmation)" in str(t.error)


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
