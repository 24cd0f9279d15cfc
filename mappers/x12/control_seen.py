"""The control numbers seen so far in a group (ST02), for their uniqueness check (718 23), in memory that does not
grow with their number when they come in sequence, as they nearly always do (0001, 0002, ...).

A run of consecutive numbers of one width is kept as its two ends; a number outside any run as its text. "0001"
and "1" are different control numbers: the width is part of the run.
"""

from __future__ import annotations

from bisect import bisect_right


class SeenControlNumbers:
    def __init__(self) -> None:
        self.others: set[str] = set()
        # per width, the runs in order: their first and last numbers (disjoint: a number is added once)
        self.starts: dict[int, list[int]] = {}
        self.ends: dict[int, list[int]] = {}
        self.last: tuple[int, int] | None = None  # width and index of the run the last number extended or began

    def __contains__(self, number: str) -> bool:
        if number in self.others:
            return True
        if not (number.isdigit() and number.isascii()):
            return False
        value, starts = int(number), self.starts.get(len(number), [])
        at = bisect_right(starts, value) - 1
        return at >= 0 and value <= self.ends[len(number)][at]

    def add(self, number: str) -> None:
        """Record `number` (not seen before: check with `in` first)."""
        if not (number.isdigit() and number.isascii()) or number in self:
            self.others.add(number)
            return
        width, value = len(number), int(number)
        starts, ends = self.starts.setdefault(width, []), self.ends.setdefault(width, [])
        if self.last is not None and self.last[0] == width:
            at = self.last[1]
            if ends[at] + 1 == value and (at + 1 == len(starts) or starts[at + 1] > value):
                ends[at] = value
                return
        at = bisect_right(starts, value)
        if at and ends[at - 1] + 1 == value:  # it extends the run before it
            ends[at - 1] = value
            self.last = width, at - 1
            return
        starts.insert(at, value)
        ends.insert(at, value)
        self.last = width, at
