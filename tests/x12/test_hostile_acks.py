"""Acknowledgment injection: what our 997/999 echo from a partner is written correctly, or not at all.

A sender id holding `*` is legal under `|` delimiters; echoed into a 997 written with `*` it would add an
element. A `~` in it used to crash `validate --ack`. Either the value can be written in the ack's delimiters
and character set, or the interchange is answered by a TA1 R 024 that says why.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from gateway.cli import main
from mappers.x12.acks import AckOptions, answer
from mappers.x12.segments import Delimiters
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers

NOW = datetime(2026, 11, 25, 12, 30)
STAR = Delimiters("*", ">", "~")


def _pipe_850(gs02: str = "CON*TOSO", terminator: str = "~", st03: str = "") -> bytes:
    """A clean 4010 850 written with `|` elements whose GS02 (and optionally ST03) the partner chose."""
    t = terminator
    segments = [f"GS|PO|{gs02}|LITWARE|20261120|0930|101|X|004010", f"ST|850|0001{st03}",
                "BEG|00|SA|4500012345||20261120", "PO1|1|120|EA|9.25||VN|AB3542", "CTT|1",
                "SE|5|0001", "GE|1|101", "IEA|1|000000101"]
    isa = (f"ISA|00|          |00|          |ZZ|CONTOSO        |ZZ|LITWARE        |261120|0930|U|00401|"
           f"000000101|0|P|:{t}")
    return (isa + "\n" + "".join(s + t + "\n" for s in segments)).encode()


def _answer(data: bytes, options: AckOptions) -> tuple[str, str | None]:
    (ic,) = validate(data).interchanges
    assert ic.errors == [] and all(not g.errors for g in ic.groups), "the inbound itself must be clean"
    reply = answer(ic, options, ThrowawayNumbers(), NOW)
    assert reply.data is not None
    return reply.data.decode(), reply.fallback


def test_sender_id_with_the_acks_element_separator_gets_a_ta1_not_an_extra_element() -> None:
    text, why = _answer(_pipe_850("CON*TOSO"), AckOptions(delimiters=STAR))
    segments = [s.strip().split("*") for s in text.split("~") if s.strip()]
    assert [s[0] for s in segments] == ["ISA", "TA1", "IEA"]
    assert segments[1][4:] == ["R", "024"]
    assert why is not None and "GS03" in why and "CON*TOSO" in why
    assert validate(text.encode()).ok


def test_sender_id_with_the_acks_segment_terminator_does_not_crash_validate_ack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tilde.edi"
    path.write_bytes(_pipe_850("CON~TOSO", terminator="!"))
    partners = tmp_path / "partners.toml"
    partners.write_text('[[partners]]\nid = "contoso"\nrole = "customer"\nname = "C"\nisa_qualifier = "ZZ"\n'
                        'isa_id = "CONTOSO"\ngs_id = "CONTOSO"\nx12_version = "004010"\n'
                        '[partners.transport]\nkind = "folder"\ninbound_dir = "i"\noutbound_dir = "o"\n')
    assert main(["validate", "--ack", "--partners", str(partners), str(path)]) == 0
    out, err = capsys.readouterr()
    assert [s.strip().split("*")[0] for s in out.split("~") if s.strip()] == ["ISA", "TA1", "IEA"]
    assert "TA1 R 024" in err and "CON~TOSO" in err


def test_ids_the_ack_can_carry_are_echoed_exactly() -> None:
    # Same partner id, answered in the partner's own `|` delimiters: nothing to refuse.
    text, why = _answer(_pipe_850("CON*TOSO"), AckOptions())
    assert why is None
    gs = next(s for s in text.split("~") if s.strip().startswith("GS|"))
    assert gs.strip().split("|")[2:4] == ["LITWARE", "CON*TOSO"]
    assert validate(text.encode()).ok


def test_an_echoed_implementation_reference_is_checked_like_the_ids() -> None:
    data = _pipe_850("CONTOSO", st03="|0050*10X")
    data = data.replace(b"GS|PO|CONTOSO|LITWARE|20261120|0930|101|X|004010",
                        b"GS|PO|CONTOSO|LITWARE|20261120|0930|101|X|005010")
    data = data.replace(b"|U|00401|", b"|^|00501|")
    (ic,) = validate(data).interchanges
    reply = answer(ic, AckOptions(delimiters=Delimiters("*", ">", "~", "^"), functional_ack="999"),
                   ThrowawayNumbers(), NOW)
    assert reply.data is not None
    text = reply.data.decode()
    assert "0050*10X" not in text
    assert reply.fallback is not None and "AK2" in reply.fallback


def test_no_ta1_partner_gets_nothing_and_the_reason() -> None:
    (ic,) = validate(_pipe_850("CON*TOSO")).interchanges
    reply = answer(ic, AckOptions(delimiters=STAR, ta1="never"), ThrowawayNumbers(), NOW)
    assert reply.data is None
    assert reply.fallback is not None and "CON*TOSO" in reply.fallback
