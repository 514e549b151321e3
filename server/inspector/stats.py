"""Counts and rates per event name, in each direction, for the dashboard's traffic summary.

Recording only adds one to a total (O(1), no clock); rates are worked out when asked, from
the journal's entries of the last few seconds, so the hot path keeps no buckets.  Event
names are chosen by clients: past ``max_names`` distinct names in a direction, new ones are
counted together under ``OTHER`` so that a client inventing names cannot grow the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .entry import Entry, Kind

RATE_WINDOW_SECONDS = 3
OTHER = "(other)"
DEFAULT_MAX_NAMES = 1000


class EventStats:
    """Events in and out since the hub started, counted by name."""

    def __init__(self, max_names: int = DEFAULT_MAX_NAMES) -> None:
        self.max_names = max_names
        self._totals: tuple[dict[str, int], dict[str, int]] = ({}, {})  # out, in

    def count(self, event: str, incoming: bool) -> None:
        totals = self._totals[incoming]
        total = totals.get(event)
        if total is not None:
            totals[event] = total + 1
        elif len(totals) < self.max_names:
            totals[event] = 1
        else:
            totals[OTHER] = totals.get(OTHER, 0) + 1

    def snapshot(self, newest_first: Iterable[Entry], now_ms: int,
                 held_since_ms: int) -> list[dict[str, Any]]:
        """``[{"event", "in", "out", "in_per_second", "out_per_second"}]``, busiest first.

        Rates are means over the last RATE_WINDOW_SECONDS, counted in ``newest_first`` (the
        journal's entries, newest first), or over the part of that window the journal still
        holds (``held_since_ms``: the oldest entry's time if any were evicted, else 0)."""
        outgoing, incoming = self._totals
        names = incoming.keys() | outgoing.keys()
        recent: tuple[dict[str, int], dict[str, int]] = ({}, {})
        start = max(now_ms - RATE_WINDOW_SECONDS * 1000, held_since_ms)
        for entry in newest_first:
            if entry.time < start:
                break
            if entry.kind in (Kind.EVENT_IN, Kind.EVENT_OUT):
                tallies = recent[entry.kind is Kind.EVENT_IN]
                # Names past max_names were counted under OTHER, and so are their rates.
                name = entry.event if entry.event in names else OTHER
                tallies[name] = tallies.get(name, 0) + 1
        seconds = max(now_ms - start, 1000) / 1000
        busiest_first = sorted(names, key=lambda name: (
            -incoming.get(name, 0) - outgoing.get(name, 0), name))
        return [{
            "event": name,
            "in": incoming.get(name, 0), "out": outgoing.get(name, 0),
            "in_per_second": recent[True].get(name, 0) / seconds,
            "out_per_second": recent[False].get(name, 0) / seconds,
        } for name in busiest_first]
