"""The reader: delimiters from each ISA, envelopes, positions, loud structural errors, bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

import pytest

from mappers.x12.reader import iter_transactions, read_interchanges
from mappers.x12.segments import MappingError


def isa(element: str = "*", component: str = ">", terminator: str = "~", isa11: str = "U",
        isa12: str = "00401", control: str = "000000001") -> str:
    e = element
    return (f"ISA{e}00{e}          {e}00{e}          {e}ZZ{e}CONTOSO        {e}ZZ{e}FABRIKAM       {e}"
            f"261120{e}0930{e}{isa11}{e}{isa12}{e}{control}{e}0{e}P{e}{component}{terminator}")


def po(st02: str = "0001", e: str = "*", t: str = "~", po_number: str = "PO1") -> str:
    body = [f"ST{e}850{e}{st02}", f"BEG{e}00{e}SA{e}{po_number}{e}{e}20261120", f"PO1{e}1{e}2{e}EA",
            f"CTT{e}1"]
    return t.join(body) + f"{t}SE{e}{len(body) + 1}{e}{st02}{t}"


def group(sets: list[str], control: str = "1", e: str = "*", t: str = "~", version: str = "004010") -> str:
    return (f"GS{e}PO{e}CONTOSO{e}FABRIKAM{e}20261120{e}0930{e}{control}{e}X{e}{version}{t}" + "".join(sets)
            + f"GE{e}{len(sets)}{e}{control}{t}")


def interchange(groups: list[str], control: str = "000000001", e: str = "*", t: str = "~", c: str = ">",
                isa11: str = "U", isa12: str = "00401") -> str:
    return isa(e, c, t, isa11, isa12, control) + "".join(groups) + f"IEA{e}{len(groups)}{e}{control}{t}"


def test_reads_envelopes_identities_and_segment_positions() -> None:
    (i,) = read_interchanges(interchange([group([po()])]).encode())
    assert (i.sender_qualifier, i.sender_id, i.receiver_id, i.control_number) == ("ZZ", "CONTOSO", "FABRIKAM",
                                                                                  "000000001")
    (g,) = i.groups
    (tx,) = g.transactions
    assert (g.functional_id, g.control_number, g.version, tx.set_id, tx.control_number) == (
        "PO", "1", "004010", "850", "0001")
    assert [(s.tag, s.position) for s in tx.segments] == [("ST", 1), ("BEG", 2), ("PO1", 3), ("CTT", 4),
                                                         ("SE", 5)]


@pytest.mark.parametrize(("element", "component", "terminator"), [
    ("*", ">", "~"), ("|", ":", "~"), ("^", "\\", "'"), ("\x1d", "\x1f", "\x1e"), ("*", ":", "\n"),
])
def test_delimiters_come_from_the_isa(element: str, component: str, terminator: str) -> None:
    data = interchange([group([po(e=element, t=terminator)], e=element, t=terminator)], e=element,
                       t=terminator, c=component)
    (i,) = read_interchanges(data.encode())
    assert (i.delimiters.element, i.delimiters.component, i.delimiters.segment) == (element, component,
                                                                                    terminator)
    assert i.groups[0].transactions[0].segments[1].elements[3] == "PO1"


@pytest.mark.parametrize("suffix", ["\n", "\r\n"])
def test_line_ends_after_the_terminator_are_not_data(suffix: str) -> None:
    data = interchange([group([po()])]).replace("~", "~" + suffix)
    (i,) = read_interchanges(data.encode())
    assert [s.tag for s in i.groups[0].transactions[0].segments] == ["ST", "BEG", "PO1", "CTT", "SE"]


def test_crlf_around_a_newline_terminator() -> None:
    data = interchange([group([po(t="\n")], t="\n")], t="\n").replace("\n", "\r\n")
    (i,) = read_interchanges(data.encode())
    assert i.groups[0].transactions[0].segments[-1].elements == ("SE", "5", "0001")


def test_5010_repetition_separator_is_read_from_isa11() -> None:
    data = interchange([group([po(e="|")], e="|", version="005010")], e="|", c=":", isa11="^", isa12="00501")
    (i,) = read_interchanges(data.encode())
    assert i.delimiters.repetition == "^" and i.version == "00501"
    assert read_interchanges(interchange([group([po()])]).encode())[0].delimiters.repetition is None


def test_several_interchanges_groups_and_sets_each_with_their_own_delimiters() -> None:
    first = interchange([group([po("0001"), po("0002")], "1"), group([po("0001")], "2")], "000000001")
    second = interchange([group([po(e="|", po_number="PO2")], "7", e="|")], "000000002", e="|", c=":")
    found = list(iter_transactions((first + "\n" + second).encode()))
    assert [(f.interchange.control_number, f.group.control_number, f.transaction.control_number)
            for f in found] == [("000000001", "1", "0001"), ("000000001", "1", "0002"), ("000000001", "2", "0001"),
                                ("000000002", "7", "0001")]
    assert found[-1].transaction.segments[1].elements[3] == "PO2"


def test_isa_inside_data_does_not_start_an_interchange() -> None:
    data = interchange([group([po(po_number="ISAAC")])])
    (i,) = read_interchanges(data.encode())
    assert i.groups[0].transactions[0].segments[1].elements[3] == "ISAAC"


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s.replace("SE*5*0001", "SE*6*0001"), "SE01 says 6"),
    (lambda s: s.replace("SE*5*0001", "SE*5*0009"), "SE02 0009 does not match ST02 0001"),
    (lambda s: s.replace("GE*1*1~", "GE*2*1~"), "GE01 says 2"),
    (lambda s: s.replace("GE*1*1~", "GE*1*5~"), "GE02 5 does not match GS06 1"),
    (lambda s: s.replace("IEA*1*000000001", "IEA*1*000000002"), "IEA02 000000002 does not match"),
    (lambda s: s.replace("IEA*1*", "IEA*3*"), "IEA01 says 3"),
    (lambda s: s.split("IEA")[0], "no IEA trailer"),
    (lambda s: s.split("IEA")[0] + s, "a new interchange .ISA. starts before the trailer"),
    (lambda s: s.replace("CTT*1~", "CTT*1~~"), "empty segment"),
    (lambda s: s.replace("SE*5*0001~", ""), "GE found before its SE"),
    (lambda s: s.replace("GS*PO*CONTOSO*FABRIKAM*20261120*0930*1*X*004010~", ""), "outside a functional group"),
    (lambda s: s.replace("ST*850*0001~", "ST*850*0001~ST*850*0002~"), "ST found before its SE"),
    (lambda s: s.replace("CTT*1~", "CTT*1"), "GE found before its SE"),
    (lambda s: s[:-1], "ends inside a segment"),
    (lambda s: s.replace("*CONTOSO        *", "*CONTOSO*"), "TA1 022"),
    (lambda s: "XYZ" + s, "TA1 022"),
    (lambda s: s.replace("PO1*1*2*EA", "po1*1*2*EA"), "not a segment identifier"),
])
def test_broken_structure_is_refused_loudly(mutate: object, message: str) -> None:
    data = mutate(interchange([group([po()])]))  # type: ignore[operator]
    with pytest.raises(MappingError, match=message.replace("*", r"\*")):
        list(iter_transactions(data.encode()))


def test_a_set_control_number_used_twice_in_a_group_is_refused() -> None:
    with pytest.raises(MappingError, match="used twice"):
        list(iter_transactions(interchange([group([po("0001"), po("0001")])]).encode()))


def test_bytes_outside_the_encoding_are_an_invalid_character() -> None:
    data = interchange([group([po(po_number="PO\u00e9")])]).encode("latin-1")
    with pytest.raises(MappingError, match="invalid character"):
        list(iter_transactions(data))
    assert next(iter_transactions(data, encoding="latin-1")).transaction.segments[1].elements[3] == "PO\u00e9"


class _Generated(io.RawIOBase):
    """A file-like interchange of `count` sets produced on the fly, never held whole."""

    def __init__(self, count: int) -> None:
        self._parts = self._produce(count)
        self._pending = b""

    @staticmethod
    def _produce(count: int) -> Iterator[bytes]:
        yield (isa() + "GS*PO*CONTOSO*FABRIKAM*20261120*0930*1*X*004010~").encode()
        line = "PO1*{n}*12*EA*9.25**BP*ITEM-{n}*VP*VENDOR-ITEM-{n}~PID*F****A DESCRIPTION OF ITEM {n}~"
        for i in range(1, count + 1):
            body = "".join(line.format(n=n) for n in range(1, 11))
            yield (f"ST*850*{i:09d}~BEG*00*SA*PO{i}**20261120~{body}CTT*10~SE*24*{i:09d}~").encode()
        yield f"GE*{count}*1~IEA*1*000000001~".encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            nxt = next(self._parts, None)
            if nxt is None:
                break
            self._pending += nxt
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def test_many_sets_stream_in_bounded_memory() -> None:
    """About 16 MB of sets: peak memory stays near one chunk plus one set, not the size of the input."""
    count = 12_000
    tracemalloc.start()
    try:
        seen = 0
        for found in iter_transactions(io.BufferedReader(_Generated(count))):
            seen += 1
            assert found.transaction.control_number == f"{seen:09d}"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"
