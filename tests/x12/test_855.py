"""855 Purchase Order Acknowledgment: golden files, the ACK rules of DESIGN section 2, writing, round trips.

Expectations come from the standard and the guides quoted in X12.md section 4 (587 and 668 code meanings,
BAK semantic notes, the Logicbroker split fragment), never from our own output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.canonical import (
    Charge,
    LineStatus,
    Note,
    PurchaseOrderVersion,
    ResponseLine,
    ResponseStatus,
    ScheduleLine,
    Substitute,
    VendorResponse,
)
from mappers.x12.ack855 import PoAckOptions, response_from_855, response_set, response_to_855
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

GOLDEN_855 = ["855_split_substitute", "855_reject", "855_version3_refpp", "855_update_delivery_date",
              "855_price_change"]

# ---------------------------------------------------------------------------------------------- golden files

@pytest.mark.parametrize("name", GOLDEN_855)
def test_golden_855_reads_as_its_canonical_json(name: str) -> None:
    got = [("855", response_from_855(tx)) for tx in transactions(fixture_bytes(name))]
    assert got == expected_documents(name)


@pytest.mark.parametrize("name", GOLDEN_855)
def test_golden_855_is_standard_x12(name: str) -> None:
    assert_clean(fixture_bytes(name))


def test_translate_dispatches_855_by_st01() -> None:
    found = list(translate(fixture_bytes("855_version3_refpp")))
    assert [t.error for t in found] == [None]
    assert found[0].document == expected_documents("855_version3_refpp")[0][1]


# ---------------------------------------------------------------------------------------------- inbound rules

BAK = "BAK*00*{}*PO-1*20261115****SO-1*20261120"


@pytest.mark.parametrize("code", ["AT", "AD", "AK", "AE"])
def test_accept_codes_with_every_line_unchanged_are_an_accept(code: str) -> None:
    response = response_from_855(set_of("855", BAK.format(code), "PO1*1*10*EA*2.5", "ACK*IA*10*EA",
                                        "PO1*2*5*EA*1", "ACK*IA*5*EA"))
    assert response.status is ResponseStatus.ACCEPT
    assert [ln.status for ln in response.lines] == [LineStatus.ACCEPT, LineStatus.ACCEPT]
    assert [ln.confirmed_quantity for ln in response.lines] == [None, None]  # the PO quantity stands


def test_accept_code_with_a_changed_line_becomes_accept_with_changes() -> None:
    response = response_from_855(set_of("855", BAK.format("AD"), "PO1*1*10*EA*2.5", "ACK*IQ*8*EA"))
    assert response.status is ResponseStatus.ACCEPT_WITH_CHANGES
    assert response.lines[0].confirmed_quantity == Decimal(8)


@pytest.mark.parametrize("code", ["RJ", "RD", "RF", "RN", "RO", "RV"])
def test_reject_codes_are_a_reject(code: str) -> None:
    assert response_from_855(set_of("855", BAK.format(code))).status is ResponseStatus.REJECT


def test_ac_is_accept_with_changes_even_when_lines_echo_the_order() -> None:
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IA*10*EA"))
    assert response.status is ResponseStatus.ACCEPT_WITH_CHANGES


@pytest.mark.parametrize("code", ["AP", "AH", "NA", "ZZ"])
def test_acknowledgment_types_that_are_no_answer_are_refused(code: str) -> None:
    with pytest.raises(MappingError, match=r"BAK02 \(segment 2\)"):
        response_from_855(set_of("855", BAK.format(code)))


def test_logicbroker_split_ir_part_reduces_the_confirmed_quantity() -> None:
    # X12.md section 4: PO1 90 EA answered IA 88, IB 1 (dated by the DTM of its ACK loop), IR 1.
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*1*90*EA***VN*V-123123*IN*1234567",
                                        "ACK*IA*88*EA", "ACK*IB*1*EA", "DTM*068*20160728", "ACK*IR*1*EA"))
    line = response.lines[0]
    assert line.status is LineStatus.CHANGE
    assert line.schedule == (ScheduleLine(quantity=Decimal(88)),
                             ScheduleLine(quantity=Decimal(1), delivery_date=date(2016, 7, 28)))
    assert line.confirmed_quantity == Decimal(89)


def test_every_part_refused_is_a_rejected_line() -> None:
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IR*6*EA", "ACK*ID*4*EA"))
    assert response.lines[0].status is LineStatus.REJECT
    assert response.lines[0].confirmed_quantity == Decimal(0)


def test_a_line_without_ack_follows_the_header() -> None:
    assert response_from_855(set_of("855", BAK.format("RJ"), "PO1*1*10*EA")).lines[0].status is LineStatus.REJECT
    assert response_from_855(set_of("855", BAK.format("AK"), "PO1*1*10*EA")).lines[0].status is LineStatus.ACCEPT


def test_substitute_takes_the_first_of_vp_vn_sr_rr_and_the_pid_description() -> None:
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*3*126*EA*10.99**VP*XY5266",
                                        "PID*F****GRAPHITE WIDGET", "ACK*IS*100*EA*068*20261208**SR*SUB-9",
                                        "ACK*IS*26*EA*068*20261220**SR*SUB-9"))
    line = response.lines[0]
    assert line.substitute == Substitute(vendor_item="SUB-9", description="GRAPHITE WIDGET")
    assert [s.quantity for s in line.schedule] == [Decimal(100), Decimal(26)]  # a split substitute


def test_substitute_without_an_item_is_refused_with_its_position() -> None:
    with pytest.raises(MappingError, match=r"ACK07 \(segment 4\)"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IS*10*EA"))


def test_partly_substituted_line_is_refused() -> None:
    with pytest.raises(MappingError, match="partly substituted"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IA*5*EA",
                                 "ACK*IS*5*EA****VP*NEW-1"))


@pytest.mark.parametrize("code", ["IH", "IW", "IF", "IE"])
def test_hold_and_pending_statuses_are_refused(code: str) -> None:
    with pytest.raises(MappingError, match=r"ACK01 \(segment 4\)"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", f"ACK*{code}*10*EA"))


def test_ack_date_must_be_a_delivery_or_ship_date() -> None:
    with pytest.raises(MappingError, match=r"ACK04"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*DR*10*EA*036*20270101"))


def test_split_needs_a_quantity_on_every_part() -> None:
    with pytest.raises(MappingError, match=r"ACK02 \(segment 5\)"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*DR*4*EA*068*20261201",
                                 "ACK*DR***068*20261215"))


def test_price_change_is_read_faithfully_from_ctp_and_sac() -> None:
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA*2.5", "CTP**CON*2.75",
                                        "SAC*C*D240***1250", "ACK*IP*10*EA"))
    line = response.lines[0]
    assert line.unit_price == Decimal("2.75")
    assert line.charges == (Charge(code="D240", amount=Decimal("12.50")),)
    assert line.status is LineStatus.CHANGE


def test_price_change_without_a_price_is_refused() -> None:
    with pytest.raises(MappingError, match="ACK\\*IP"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IP*10*EA"))


def test_ref_pp_names_the_answered_version() -> None:
    assert response_from_855(set_of("855", BAK.format("AD"), "REF*PP*4")).version == 4
    with pytest.raises(MappingError, match=r"REF02"):
        response_from_855(set_of("855", BAK.format("AD"), "REF*PP*REV-B"))


def test_bak_date_conventions() -> None:
    tx = set_of("855", "BAK*00*AD*PO-1*20261115****SO-1*20261120")
    assert response_from_855(tx).response_date == date(2026, 11, 20)  # BAK09, the standard's ack date
    assert response_from_855(tx, PoAckOptions(bak_dates="BAK04=ack")).response_date == date(2026, 11, 15)


def test_update_delivery_date_from_header_dtm() -> None:
    response = response_from_855(set_of("855", BAK.format("AD"), "DTM*067*20261210", "PO1*1*10*EA",
                                        "ACK*DR*10*EA*067*20261210", "PO1*2*3*EA", "ACK*IA*3*EA"))
    assert response.update_delivery_date == date(2026, 12, 10)
    assert response.status is ResponseStatus.ACCEPT_WITH_CHANGES  # "is itself a change"
    assert [ln.status for ln in response.lines] == [LineStatus.ACCEPT, LineStatus.ACCEPT]


# ---------------------------------------------------------------------------------------------- outbound

def split_and_substitute() -> tuple[VendorResponse, PurchaseOrderVersion]:
    order = po(ordered("1", "120"), ordered("2", "220"), ordered("3", "126"), ordered("4", "76"))
    response = VendorResponse(
        po_number="4500012345", status=ResponseStatus.ACCEPT_WITH_CHANGES, response_date=date(2026, 11, 20),
        notes=(Note(text="LINE 2 SHIPS IN TWO LOTS", code="L1"),),
        lines=(
            ResponseLine(line_number="1", status=LineStatus.ACCEPT),
            ResponseLine(line_number="2", status=LineStatus.CHANGE, schedule=(
                ScheduleLine(quantity=Decimal(120), delivery_date=date(2026, 12, 1)),
                ScheduleLine(quantity=Decimal(100), delivery_date=date(2026, 12, 15)))),
            ResponseLine(line_number="3", status=LineStatus.CHANGE,
                         substitute=Substitute(vendor_item="XY5266-GR", description="LARGE WIDGET, GRAPHITE"),
                         schedule=(ScheduleLine(quantity=Decimal(126), delivery_date=date(2026, 12, 8)),)),
            ResponseLine(line_number="4", status=LineStatus.REJECT),
        ))
    return response, order


def test_written_855_splits_substitutes_and_rejects_as_the_guides_show() -> None:
    response, order = split_and_substitute()
    body = response_to_855(response, order)
    assert body[0].elements == ("BAK", "00", "AC", "4500012345", "20261115", "", "", "", "", "20261120")
    assert elements(body, "ACK") == [
        ("ACK", "IA", "120", "EA"),
        ("ACK", "DR", "120", "EA", "068", "20261201"),
        ("ACK", "DR", "100", "EA", "068", "20261215"),
        ("ACK", "IS", "126", "EA", "068", "20261208", "", "VP", "XY5266-GR"),
        ("ACK", "IR", "76", "EA"),
    ]
    assert ("PID", "F", "", "", "", "LARGE WIDGET, GRAPHITE") in elements(body, "PID")
    assert elements(body, "PO1")[0] == ("PO1", "1", "120", "EA", "9.25", "", "BP", "BI-1", "VP", "VI-1")
    assert not elements(body, "REF")  # version 1: no REF*PP
    assert elements(body, "N9") == [("N9", "L1", "", "NOTE")] and elements(body, "MSG")
    data = render("855", body)
    assert_clean(data)
    ordered_lines = {ln.line_number: ln for ln in order.lines}  # PO1 echoes the ordered quantity and every id
    echoed = tuple(ln.model_copy(update={"unit_price": Decimal("9.25"), "uom": "EA",
                                         "ordered_quantity": ordered_lines[ln.line_number].quantity,
                                         "product_ids": ordered_lines[ln.line_number].product_ids})
                   for ln in response.lines)
    assert response_from_855(transactions(data)[0]) == response.model_copy(update={"lines": echoed})


def test_written_855_for_a_later_version_names_it_in_ref_pp_and_follows_bak_option() -> None:
    response = VendorResponse(po_number="PO-7", version=3, status=ResponseStatus.ACCEPT,
                              response_date=date(2026, 11, 23), lines=(
                                  ResponseLine(line_number="1", status=LineStatus.ACCEPT, uom="EA",
                                               unit_price=Decimal("9.25"), ordered_quantity=Decimal(5),
                                               product_ids=ordered("1", "5").product_ids),))
    body = response_to_855(response, po(ordered("1", "5"), number="PO-7"),
                           PoAckOptions(bak_dates="BAK04=ack", version="005010"))
    assert body[0].elements[4] == "20261123" and body[0].elements[9] == "20261115"
    assert ("REF", "PP", "3") in elements(body, "REF")
    assert response_set(response) == "865"
    data = render("855", body, PROFILE_5010)
    assert b"|^|00501|" in data
    assert_clean(data)
    assert response_from_855(transactions(data)[0], PoAckOptions(bak_dates="BAK04=ack")) == response


def test_written_split_keeps_the_sum_of_ack02_equal_to_the_order_quantity() -> None:
    response = VendorResponse(po_number="PO-8", status=ResponseStatus.ACCEPT_WITH_CHANGES,
                              response_date=date(2026, 11, 23), lines=(ResponseLine(
                                  line_number="1", status=LineStatus.CHANGE, schedule=(
                                      ScheduleLine(quantity=Decimal(30), delivery_date=date(2026, 12, 1)),
                                      ScheduleLine(quantity=Decimal(50), delivery_date=date(2026, 12, 9)))),))
    body = response_to_855(response, po(ordered("1", "100"), number="PO-8"))
    acks = elements(body, "ACK")
    assert acks[-1] == ("ACK", "IR", "20", "EA")
    assert sum(Decimal(a[2]) for a in acks) == Decimal(100)


def test_accept_whose_schedule_changes_the_quantity_is_refused() -> None:
    response = VendorResponse(po_number="PO-9", status=ResponseStatus.ACCEPT, response_date=date(2026, 11, 23),
                              lines=(ResponseLine(line_number="1", status=LineStatus.ACCEPT,
                                                  schedule=(ScheduleLine(quantity=Decimal(3)),)),))
    with pytest.raises(MappingError, match="line 1"):
        response_to_855(response, po(ordered("1", "5"), number="PO-9"))


# ---------------------------------------------------------------------------------------------- round trips


@ROUND_TRIP
@given(pair=responses(st.integers(min_value=1, max_value=9)), options=OPTIONS,
       profile=st.sampled_from([PROFILE_4010, PROFILE_5010]))
def test_855_round_trip(pair: tuple[VendorResponse, PurchaseOrderVersion], options: PoAckOptions,
                        profile: Profile) -> None:
    response, order = pair
    options = PoAckOptions(options.bak_dates, options.date_qualifier, profile.version)
    data = render("855", response_to_855(response, order, options), profile)
    assert_clean(data)
    [tx] = transactions(data)
    assert response_from_855(tx, options) == response


def test_a_line_dtm_before_the_acks_dates_them_but_a_requested_date_echo_does_not() -> None:
    response = response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "DTM*068*20261204",
                                        "ACK*IQ*8*EA", "ACK*IR*2*EA", "PO1*2*5*EA", "DTM*002*20261101",
                                        "ACK*IQ*4*EA"))
    assert response.lines[0].schedule == (ScheduleLine(quantity=Decimal(8), delivery_date=date(2026, 12, 4)),)
    assert response.lines[1].schedule == (ScheduleLine(quantity=Decimal(4)),)


def test_written_855_without_the_po_still_reads_back() -> None:
    response = VendorResponse(po_number="PO-10", status=ResponseStatus.ACCEPT_WITH_CHANGES,
                              response_date=date(2026, 11, 23), lines=(
                                  ResponseLine(line_number="1", status=LineStatus.ACCEPT),
                                  ResponseLine(line_number="2", status=LineStatus.REJECT),
                                  ResponseLine(line_number="3", status=LineStatus.CHANGE, uom="BX",
                                               schedule=(ScheduleLine(quantity=Decimal(2)),))))
    data = render("855", response_to_855(response))
    assert_clean(data)
    assert response_from_855(transactions(data)[0]) == response


def test_a_split_given_by_the_sch_loop_is_read_like_several_acks() -> None:
    # BISAC style (X12.md section 9b): one ACK per PO1, the delivery in SCH with SCH05 080.
    response = response_from_855(set_of(
        "855", BAK.format("AD"),
        "PO1*1*3*UN*4.5", "ACK*IA*3*UN", "SCH*3*UN*WH*MO*080*20261231",
        "PO1*2*10*UN*2", "ACK*DR*10*UN", "SCH*6*UN*WH*MO*068*20261210", "SCH*4*UN*WH*MO*068*20270115",
        "PO1*3*2*UN*1", "ACK*IR*0*UN", "SCH*0*UN*WH*CO*080*20261231"))
    first, second, third = response.lines
    assert (first.status, first.schedule) == (
        LineStatus.ACCEPT, (ScheduleLine(quantity=Decimal(3), delivery_date=date(2026, 12, 31)),))
    assert (second.status, second.schedule) == (LineStatus.CHANGE, (
        ScheduleLine(quantity=Decimal(6), delivery_date=date(2026, 12, 10)),
        ScheduleLine(quantity=Decimal(4), delivery_date=date(2027, 1, 15))))
    assert third.status is LineStatus.REJECT
    assert response.status is ResponseStatus.ACCEPT_WITH_CHANGES


def test_a_line_split_both_by_acks_and_by_sch_is_refused() -> None:
    with pytest.raises(MappingError, match=r"SCH \(segment 6\)"):
        response_from_855(set_of("855", BAK.format("AC"), "PO1*1*10*EA", "ACK*IA*5*EA", "ACK*DR*5*EA",
                                 "SCH*5*EA****068*20261201"))
