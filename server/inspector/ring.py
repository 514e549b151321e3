"""A FIFO of records bounded in count and in weight.

The journal keeps thousands of entries and replaces them at the rate of the hub's traffic,
so storing one is on the hub's hot path: here it is one ``deque.append``, which lets the
oldest record go past ``max_records`` in C, and the weights' sum kept up to date.  Records
are tuples of plain values (strings, numbers, booleans, None): the garbage collector stops
tracking such a tuple the first time it looks at it, so the records held are nothing the
collections walk (a tuple subclass, or one holding an enum member, would be walked in
every collection of its generation).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any


class WeightedRing:
    """Records, oldest first; each weighs its ``weight_field``-th value.

    ``push`` drops the oldest records while there are more than ``max_records`` or their
    weights add up to more than ``max_weight``.
    """

    __slots__ = ("_records", "_weight_field", "max_records", "max_weight", "weight")

    def __init__(self, max_records: int, max_weight: int, weight_field: int) -> None:
        self.max_records = max_records
        self.max_weight = max_weight
        self.weight = 0
        """The records' weights added up."""
        self._weight_field = weight_field
        self._records: deque[Sequence[Any]] = deque(maxlen=max_records)

    def __len__(self) -> int:
        return len(self._records)

    def push(self, record: Sequence[Any]) -> int:
        """Add ``record`` as the newest; how many were dropped for it."""
        records, field = self._records, self._weight_field
        if len(records) == self.max_records:  # full: the append lets the oldest go
            self.weight += record[field] - records[0][field]
            dropped = 1
        else:
            self.weight += record[field]
            dropped = 0
        records.append(record)
        if self.weight > self.max_weight:
            dropped += self._drop_overweight()
        return dropped

    def _drop_overweight(self) -> int:
        records, field, dropped = self._records, self._weight_field, 0
        while self.weight > self.max_weight:
            self.weight -= records.popleft()[field]
            dropped += 1
        return dropped

    def oldest(self, field: int) -> Any:
        """The oldest record's ``field``-th value (the ring must not be empty)."""
        return self._records[0][field]

    def newest(self) -> Sequence[Any]:
        """The newest record (the ring must not be empty)."""
        return self._records[-1]

    def records(self, first: int = 0) -> Iterator[Sequence[Any]]:
        """The records from the ``first``-th oldest on, oldest first.  Iterate it before
        the next ``push`` (a deque refuses to go on after a change)."""
        records = self._records
        wanted = len(records) - first
        if 0 < wanted < first:
            # Nearer the newest end, as a reader's new entries are: taken from there, not
            # walked to past ``first`` older ones.
            newest = list(islice(reversed(records), wanted))
            newest.reverse()
            return iter(newest)
        return islice(records, first, None)

    def newest_first(self, skip: int = 0) -> Iterator[Sequence[Any]]:
        """The records, newest first, past the ``skip`` newest (the same caveat as
        ``records``)."""
        newest_first: Iterator[Sequence[Any]] = reversed(self._records)
        return islice(newest_first, skip, None) if skip else newest_first
