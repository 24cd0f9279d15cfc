"""Inbound acknowledgments through `translate` and `gateway translate`: a 997/999 a partner sent is a
FunctionalAck (AK1 names our group, AK2/AK5 each set, AK9 the counts: X12.md section 8) carrying the identity
of the interchange it came in; a TA1 is an InterchangeAck."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.canonical import FunctionalAck, InterchangeAck
from gateway.cli import main
from mappers.x12.translate import interchange_acks, translate

ISA = "ISA*00*          *00*          *ZZ*FABRIKAM       *ZZ*CONTOSO        *261125*1200*U*00401*000000777*0*P*>~"
A997 = (ISA + "GS*FA*FABRIKAM*CONTOSO*20261125*1200*17*X*004010~ST*997*0001~AK1*PO*5~AK2*850*0001~"
        "AK3*BEG*2**8~AK4*5**8*20261345~AK5*R*5~AK2*850*0002~AK5*A~AK9*P*2*2*1~SE*10*0001~GE*1*17~"
        "IEA*1*000000777~").encode()
TA1 = (ISA + "TA1*000000005*261120*0930*R*001~IEA*0*000000777~").encode()


def test_a_997_reads_as_a_functional_ack_with_the_interchange_that_carried_it() -> None:
    (t,) = translate(A997)
    assert t.error is None
    ack = t.document
    assert isinstance(ack, FunctionalAck)
    assert (ack.ack_type, ack.functional_id, ack.group_control_number, ack.status) == ("997", "PO", "5", "P")
    assert (ack.included, ack.received, ack.accepted) == (2, 2, 1)
    rejected, accepted = ack.sets
    assert (rejected.control_number, rejected.status, rejected.codes) == ("0001", "R", ("5",))
    (note,) = rejected.segments
    (element,) = note.elements
    assert (note.segment, note.position, element.position, element.code, element.value) == (
        "BEG", 2, 5, "8", "20261345")
    assert accepted.accepted
    assert (ack.sender_qualifier, ack.sender_id, ack.interchange_control_number) == ("ZZ", "FABRIKAM",
                                                                                     "000000777")


def test_a_ta1_reads_as_an_interchange_ack() -> None:
    (ta1,) = interchange_acks(TA1)
    assert isinstance(ta1, InterchangeAck)
    assert (ta1.control_number, ta1.status, ta1.code, ta1.accepted) == ("000000005", "R", "001", False)
    assert interchange_acks(A997) == []


def test_gateway_translate_prints_a_997(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ack.edi"
    path.write_bytes(A997)
    code = main(["translate", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    (entry,) = json.loads(out)
    assert (entry["set"], entry["type"], entry["document"]["status"]) == ("997", "FunctionalAck", "P")


def test_gateway_translate_prints_a_ta1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ta1.edi"
    path.write_bytes(TA1)
    code = main(["translate", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    (entry,) = json.loads(out)
    assert (entry["set"], entry["type"], entry["document"]["code"]) == ("TA1", "InterchangeAck", "001")
