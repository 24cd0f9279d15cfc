"""865 Purchase Order Change Acknowledgment: the answer to a later version (BCA05), with the 855's ACK rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import (
    LineStatus,
    PurchaseOrderVersion,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
)
from mappers.x12.ack855 import PoAckOptions
from mappers.x12.ack865 import response_from_865, response_to_865
from mappers.x12.segments import MappingError
from mappers.x12.translate import translate
from mappers.x12.writer import Profile
from tests.x12.golden import expected_documents, fixture_bytes
from tests.x12.helpers import (
    OPTIONS,
    PROFILE_4010,
    PROFILE_5010,
    ROUND_TRIP,
    assert_clean,
    elements,
    ordered,
    po,
    render,
    responses,
    set_of,
    transactions,
)

BCA = "BCA*00*{}*PO-1**{}*20261115***SO-1*20261122"


def test_golden_865_reads_as_its_canonical_json() -> None:
    got = [("865", response_from_865(tx)) for tx in transactions(fixture_bytes("865_change_ack"))]
    assert got == expected_documents("865_change_ack")


def test_golden_865_is_standard_x12() -> None:
    assert_clean(fixture_bytes("865_change_ack"))


def test_translate_dispatches_865_by_st01() -> None:
    [found] = list(translate(fixture_bytes("865_change_ack")))
    assert found.error is None and found.document == expected_documents("865_change_ack")[0][1]


def test_bca05_names_the_answered_version_and_bca10_the_date() -> None:
    response = response_from_865(set_of("865", BCA.format("AD", "4"), "POC*1*NC*10*10*EA", "ACK*IA*10*EA"))
    assert response.version == 4
    assert response.response_date == date(2026, 11, 22)
    assert response.status is ResponseStatus.ACCEPT


def test_an_865_that_names_no_version_is_refused() -> None:
    with pytest.raises(MappingError, match=r"BCA05"):
        response_from_865(set_of("865", BCA.format("AD", "")))
    assert response_from_865(set_of("865", BCA.format("AD", ""), "REF*PP*2")).version == 2


def test_poc_loops_follow_the_855_ack_rules() -> None:
    response = response_from_865(set_of(
        "865", BCA.format("AC", "2"),
        "POC*1*QD*200*200*EA*13.79**BP*066850-116", "ACK*DR*120*EA*068*20261201", "ACK*DR*80*EA*068*20261215",
        "POC*2*RE*50*50*EA*4", "PID*F****BLUE", "ACK*IS*50*EA*068*20261205**VN*B-2",
        "POC*3*AI*5*5*EA", "ACK*IR*5*EA"))
    first, second, third = response.lines
    assert first.schedule == (ScheduleLine(quantity=Decimal(120), delivery_date=date(2026, 12, 1)),
                              ScheduleLine(quantity=Decimal(80), delivery_date=date(2026, 12, 15)))
    assert second.substitute == Substitute(vendor_item="B-2", description="BLUE")
    assert third.status is LineStatus.REJECT
    assert response.status is ResponseStatus.ACCEPT_WITH_CHANGES


def test_poc_without_ack_is_read_from_poc02() -> None:
    response = response_from_865(set_of("865", BCA.format("AC", "2"), "POC*1*NC*10*10*EA", "POC*2*DI*4*4*EA",
                                        "POC*3*QD*6*6*EA"))
    assert [ln.status for ln in response.lines] == [LineStatus.ACCEPT, LineStatus.REJECT, LineStatus.CHANGE]
    assert response.lines[2].confirmed_quantity == Decimal(6)
    with pytest.raises(MappingError, match=r"POC02 \(segment 3\)"):
        response_from_865(set_of("865", BCA.format("AC", "2"), "POC*1*PC*10*10*EA*3"))


def test_bca02_may_be_absent_and_the_lines_tell() -> None:
    rejected = response_from_865(set_of("865", BCA.format("", "2"), "POC*1*DI*4*4*EA", "ACK*IR*4*EA"))
    assert rejected.status is ResponseStatus.REJECT
    changed = response_from_865(set_of("865", BCA.format("", "2"), "POC*1*QD*4*4*EA", "ACK*IQ*3*EA"))
    assert changed.status is ResponseStatus.ACCEPT_WITH_CHANGES


def test_written_865_echoes_the_version_and_describes_each_line_in_poc02() -> None:
    response = VendorResponse(
        po_number="4500012345", version=2, status=ResponseStatus.ACCEPT_WITH_CHANGES,
        response_date=date(2026, 11, 22), vendor_order_number="SO-88231",
        lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT),
               ResponseLine(line_number="2", status=LineStatus.CHANGE, schedule=(
                   ScheduleLine(quantity=Decimal(200), delivery_date=date(2026, 12, 22)),)),
               ResponseLine(line_number="3", status=LineStatus.CHANGE, schedule=(ScheduleLine(quantity=Decimal(5)),)),
               ResponseLine(line_number="5", status=LineStatus.REJECT)))
    order = po(ordered("1", "120"), ordered("2", "200"), ordered("3", "8"), ordered("5", "40"))
    body = response_to_865(response, order)
    assert body[0].elements == ("BCA", "00", "AC", "4500012345", "", "2", "20261115", "", "", "SO-88231",
                                "20261122")
    assert [p[2] for p in elements(body, "POC")] == ["NC", "RS", "QD", "DI"]
    assert elements(body, "ACK") == [("ACK", "IA", "120", "EA"), ("ACK", "DR", "200", "EA", "068", "20261222"),
                                     ("ACK", "IQ", "5", "EA"), ("ACK", "IR", "3", "EA"), ("ACK", "IR", "40", "EA")]
    assert_clean(render("865", body))


@ROUND_TRIP
@given(pair=responses(st.integers(min_value=2, max_value=99)), options=OPTIONS,
       profile=st.sampled_from([PROFILE_4010, PROFILE_5010]))
def test_865_round_trip(pair: tuple[VendorResponse, PurchaseOrderVersion], options: PoAckOptions,
                        profile: Profile) -> None:
    response, order = pair
    options = PoAckOptions(options.bak_dates, options.date_qualifier, profile.version)
    data = render("865", response_to_865(response, order, options), profile)
    assert_clean(data)
    [tx] = transactions(data)
    assert response_from_865(tx) == response
