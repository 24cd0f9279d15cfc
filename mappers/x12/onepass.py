"""One pass over X12 input: each set is cut into segments once, validated, acknowledged and mapped before the
next one is read.

`validate` then `translate(verdicts=...)` read the bytes twice and keep a report per set in between; this pass
reads them once. Validation (`mappers.x12.validate_interchange`) cuts the segments and checks them; as each set
closes, its listener here adds the set's AK2 loop to the interchange's acknowledgment (`acks.AckStream`, spooled)
and hands the set's segments, with its verdict, to the readers (`translate.map_set`). Nothing is kept per set:
the interchange's report holds its groups' counts, not their sets, and memory stays flat whatever their number.

A set's verdict is what validation knows when the set closes: its own errors, and those of its group and
interchange so far. An error found later, in a GE or IEA trailer (a count, a control number), refuses the sets
already mapped: it is in the `Answered` that ends the interchange, whose report the caller checks before it
takes their documents.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, BinaryIO

from mappers.x12.acks import AckOptions, AckStream
from mappers.x12.envelope import Limits, RawSegment
from mappers.x12.reader import Located, transaction_of
from mappers.x12.segments import ControlNumbers, Group, Interchange
from mappers.x12.translate import ProfileChoice, Translated, map_set, refusal_of
from mappers.x12.validate import GroupReport, InterchangeReport, PrivateCodes, SetReport, iter_checks
from mappers.x12.writer import ThrowawayNumbers

_SPOOLED = 1 << 18  # bytes of an acknowledgment kept in memory before it goes to a temporary file


@dataclass
class Timings:
    """Seconds spent in each part of the pass (perf_counter sums), for benchmarks: validation includes cutting
    the bytes into segments."""

    validate: float = 0.0
    ack: float = 0.0
    read_map: float = 0.0


@dataclass(frozen=True)
class Answered:
    """The end of an interchange: its report (counts per group, no sets) and what we send back for it: `ack`, a
    spooled file at its start, the caller's to read and close (None when nothing is owed, or no acknowledgment
    was asked of the pass), and why it is only a TA1 (`acks.Answer.fallback`)."""

    report: InterchangeReport
    ack: IO[bytes] | None = None
    fallback: str | None = None


def one_pass(source: bytes | BinaryIO, encoding: str = "ascii", *, profile: ProfileChoice = None,
             acks: AckOptions | None = None, numbers: ControlNumbers | None = None, now: datetime | None = None,
             limits: Limits | None = None, private_codes: PrivateCodes | None = None, validator: str | None = None,
             map_path: str | None = None, timings: Timings | None = None) -> Iterator[Translated | Answered]:
    """Every set of `source` mapped as `translate` maps it (refused sets carry validation's reason), in file
    order, each interchange followed by its `Answered`; with `acks`, that holds the TA1/997/999 for it, numbered
    by `numbers` (throwaway ones by default) at `now`. The other arguments are `iter_validate`'s."""
    clock = timings or Timings()
    listener = _Listener(acks)
    checks = iter_checks(source, encoding=encoding, map_path=map_path, limits=limits, private_codes=private_codes,
                         validator=validator, listener=listener)
    for check in checks:
        steps = check.steps()
        while True:
            start = time.perf_counter()
            listener.spent = 0.0
            more = next(steps, False) is not False
            clock.validate += time.perf_counter() - start - listener.spent
            clock.ack += listener.spent
            if not more:
                break
            start = time.perf_counter()
            mapped = list(listener.take(profile))
            clock.read_map += time.perf_counter() - start
            yield from mapped
        start = time.perf_counter()
        answered = listener.answer(check.ic, numbers or ThrowawayNumbers(), now or datetime.now())
        clock.ack += time.perf_counter() - start
        yield answered


class _Listener:
    """Validation's listener (`validate_interchange.Listener`): each group and set as it closes goes to the
    acknowledgment, and the set is held until the pass maps it."""

    def __init__(self, options: AckOptions | None) -> None:
        self.options = options
        self.acks: AckStream | None = None
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.closed: tuple[InterchangeReport, GroupReport, SetReport, Sequence[RawSegment]] | None = None
        self.spent = 0.0  # seconds spent acknowledging since the pass last looked

    def group_opened(self, ic: InterchangeReport, group: GroupReport) -> None:
        start = time.perf_counter()
        if self.interchange is None:
            self.interchange = _interchange(ic)
        self.group = Group(functional_id=group.functional_id, sender=group.sender, receiver=group.receiver,
                           control_number=group.control_number, version=group.version)
        if self.options is not None:
            self.acks = self.acks or AckStream(self.options)
            self.acks.group_opened(ic, group)
        self.spent += time.perf_counter() - start

    def set_closed(self, ic: InterchangeReport, group: GroupReport, tx: SetReport,
                   segments: Sequence[RawSegment]) -> None:
        start = time.perf_counter()
        if self.acks is not None:
            self.acks.set_closed(ic, group, tx, segments)
        self.closed = ic, group, tx, segments
        self.spent += time.perf_counter() - start

    def group_closed(self, ic: InterchangeReport, group: GroupReport) -> None:
        start = time.perf_counter()
        if self.acks is not None:
            self.acks.group_closed(ic, group)
        self.spent += time.perf_counter() - start

    def take(self, profile: ProfileChoice) -> Iterator[Translated]:
        """The set that just closed, mapped with its verdict."""
        assert self.closed is not None and self.interchange is not None and self.group is not None
        ic, group, tx, segments = self.closed
        self.closed = None
        d = ic.delimiters
        assert d is not None
        found = Located(self.interchange, self.group, transaction_of(segments, group.version, d))
        return map_set(found, refusal_of(ic, group, tx), profile)

    def answer(self, ic: InterchangeReport, numbers: ControlNumbers, now: datetime) -> Answered:
        """The end of the interchange just read; the listener is then ready for the next one."""
        self.interchange = self.group = None
        if self.options is None:
            return Answered(ic)
        with self.acks or AckStream(self.options) as stream:
            self.acks = None
            ack = tempfile.SpooledTemporaryFile(_SPOOLED)  # noqa: SIM115 - the caller's to close
            owed, fallback = stream.write(ic, numbers, now, ack)
            if not owed:
                ack.close()
                return Answered(ic, None, fallback)
            ack.seek(0)
            return Answered(ic, ack, fallback)


def _interchange(ic: InterchangeReport) -> Interchange:
    """The envelope the readers see, from the ISA validation read."""
    assert ic.delimiters is not None
    return Interchange(sender_qualifier=ic.sender_qualifier, sender_id=ic.sender_id,
                       receiver_qualifier=ic.receiver_qualifier, receiver_id=ic.receiver_id,
                       control_number=ic.control_number or "", version=ic.version, ack_requested=ic.ack_requested,
                       usage=ic.usage, delimiters=ic.delimiters)
