"""Acknowledgments a partner sent us: 997/999 functional acks and TA1 interchange acks (X12.md section 8).

They tell the outbox whether what we sent arrived and was accepted: a `FunctionalAck` answers one functional
group we sent (matched by `group_control_number` and the partner that sent the ack), an `InterchangeAck`
answers one interchange (matched by `control_number`, our ISA13).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.canonical.common import Canonical

# AK501/IK501 (717) and AK901 (715): A accepted, E accepted with errors noted, P partially accepted (AK901
# only), R rejected, M/W/X rejected for security reasons.
AckStatus = Literal["A", "E", "P", "R", "M", "W", "X"]


class ElementNote(Canonical):
    """AK4/IK4: an element in error."""

    position: int = Field(ge=1)  # AK401-1
    component: int | None = None  # AK401-2
    reference: str | None = None  # AK402, the data element reference number
    code: str  # AK403 (723) / IK403 (621)
    value: str | None = None  # AK404, a copy of the bad data


class SegmentNote(Canonical):
    """AK3/IK3: a segment in error, its position counted from ST = 1, and its element notes."""

    segment: str  # AK301
    position: int = Field(ge=1)  # AK302
    loop: str | None = None  # AK303
    code: str | None = None  # AK304 (720) / IK304 (620)
    elements: tuple[ElementNote, ...] = ()


class SetAck(Canonical):
    """AK2..AK5 (IK5): the answer for one transaction set."""

    set_id: str  # AK201
    control_number: str  # AK202, our ST02
    implementation: str | None = None  # AK203 [999]
    status: AckStatus  # AK501 / IK501
    codes: tuple[str, ...] = ()  # AK502..AK506 (718) / IK502.. (618)
    segments: tuple[SegmentNote, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


class FunctionalAck(Canonical):
    """A 997 or 999: the answer for one functional group we sent."""

    ack_type: Literal["997", "999"]
    functional_id: str  # AK101, the GS01 of our group
    group_control_number: str  # AK102, our GS06
    version: str | None = None  # AK103 [999], the GS08 of our group
    status: AckStatus  # AK901
    included: int = Field(ge=0)  # AK902
    received: int = Field(ge=0)  # AK903
    accepted: int = Field(ge=0)  # AK904
    codes: tuple[str, ...] = ()  # AK905..AK909 (716)
    sets: tuple[SetAck, ...] = ()
    # Who sent the ack (the party we had addressed) and its own control numbers, to trace it.
    sender_qualifier: str = ""  # ISA05 of the ack
    sender_id: str = ""  # ISA06 of the ack, trimmed
    interchange_control_number: str = ""  # ISA13 of the ack
    control_number: str = ""  # ST02 of the ack


class InterchangeAck(Canonical):
    """A TA1: the answer for one interchange we sent."""

    control_number: str  # TA101, our ISA13
    date: str  # TA102, our ISA09 (YYMMDD)
    time: str  # TA103, our ISA10 (HHMM)
    status: Literal["A", "E", "R"]  # TA104 (I17)
    code: str  # TA105 (I18), "000" when there is no error
    sender_qualifier: str = ""  # ISA05 of the interchange that carried the TA1
    sender_id: str = ""  # ISA06 of that interchange, trimmed
    interchange_control_number: str = ""  # ISA13 of that interchange

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")
