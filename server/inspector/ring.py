"""A FIFO of fixed-width records bounded in count and in weight, held in one flat list.

The journal keeps thousands of entries and replaces them at the rate of the hub's traffic.
Held as one tuple each, every entry would be a container that the garbage collector walks
(and a tuple subclass, or one holding an enum member, in every older generation too); the
collections cost the loaded hub more than building the entries.  Here a record is only
references in the slots of one list, which grows a record at a time up to ``max_records``
and is then reused in a circle: storing a record is one slice assignment, and nothing per
record is left for the collector.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


class WeightedRing:
    """Records of ``width`` values, oldest first; each weighs its ``weight_field``-th value.

    ``push`` drops the oldest records while there are more than ``max_records`` or their
    weights add up to more than ``max_weight``.  Records are read as lists of their values.
    """

    __slots__ = (
        "_cleared",
        "_count",
        "_head",
        "_slots",
        "_weight_field",
        "max_records",
        "max_weight",
        "weight",
        "width",
    )

    def __init__(self, width: int, max_records: int, max_weight: int,
                 weight_field: int) -> None:
        self.width = width
        self.max_records = max_records
        self.max_weight = max_weight
        self.weight = 0
        """The records' weights added up."""
        self._weight_field = weight_field
        self._slots: list[Any] = []
        self._head = 0  # the oldest record's place, in records
        self._count = 0
        self._cleared = (None,) * width

    def __len__(self) -> int:
        return self._count

    def push(self, record: Sequence[Any]) -> int:
        """Add ``record`` (``width`` values) as the newest; how many were dropped for it."""
        slots, width, head = self._slots, self.width, self._head
        dropped = 0
        if self._count == self.max_records:  # full: the newest takes the oldest's place
            start = head * width
            self.weight -= slots[start + self._weight_field]
            slots[start:start + width] = record
            self._head = head + 1 if head + 1 < self.max_records else 0
            dropped = 1
        else:
            place = head + self._count
            if place >= self.max_records:
                place -= self.max_records
            start = place * width
            if start == len(slots):  # still growing: the places up to here are taken
                slots.extend(record)
            else:
                slots[start:start + width] = record
            self._count += 1
        self.weight += record[self._weight_field]
        while self.weight > self.max_weight:
            self._drop_oldest()
            dropped += 1
        return dropped

    def _drop_oldest(self) -> None:
        start = self._head * self.width
        self.weight -= self._slots[start + self._weight_field]
        self._slots[start:start + self.width] = self._cleared  # its values can go
        self._head = self._head + 1 if self._head + 1 < self.max_records else 0
        self._count -= 1

    def oldest(self, field: int) -> Any:
        """The oldest record's ``field``-th value (the ring must not be empty)."""
        return self._slots[self._head * self.width + field]

    def newest(self) -> list[Any]:
        """The newest record (the ring must not be empty)."""
        return self._record(self._count - 1)

    def records(self, first: int = 0) -> Iterator[list[Any]]:
        """The records from the ``first``-th oldest on, oldest first.  Iterate it before
        the next ``push``: it reads the slots as they are when each record is reached."""
        for index in range(first, self._count):
            yield self._record(index)

    def all_from(self, first: int) -> list[list[Any]]:
        """``records(first)`` in one step, as a list: for a reader that takes every new
        record at once, a slice per record and no call."""
        width, slots, end = self.width, self._slots, self.max_records
        start, stop = self._head + first, self._head + self._count
        spans = [(start, min(stop, end))]
        if stop > end:  # the newest wrapped round to the front of the slots
            spans.append((max(start, end) - end, stop - end))
        return [slots[at:at + width] for begin, until in spans
                for at in range(begin * width, until * width, width)]

    def newest_first(self) -> Iterator[list[Any]]:
        """The records, newest first (the same caveat as ``records``)."""
        for index in range(self._count - 1, -1, -1):
            yield self._record(index)

    def _record(self, index: int) -> list[Any]:
        place = self._head + index
        if place >= self.max_records:
            place -= self.max_records
        start = place * self.width
        return self._slots[start:start + self.width]
