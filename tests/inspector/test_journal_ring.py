"""The journal's flat ring: whatever the mix of evictions by count and by bytes, it holds
exactly the newest entries that fit, in order, and lets the evicted ones go."""

from __future__ import annotations

import gc
import weakref

from hypothesis import given
from hypothesis import strategies as st

from server.inspector import Journal
from server.inspector.entry import ENTRY_OVERHEAD, TEXT_LIMIT
from server.inspector.ring import WeightedRing

MAX_PAYLOAD = 200
MAX_BYTES = ENTRY_OVERHEAD + MAX_PAYLOAD + 4 * TEXT_LIMIT  # the least allowed: 2 to 4 entries


@given(st.integers(1, 6), st.lists(st.integers(0, MAX_PAYLOAD), max_size=40))
def test_the_newest_entries_that_fit_stay_in_order(max_entries: int, sizes: list[int]) -> None:
    journal = Journal(max_entries=max_entries, max_bytes=MAX_BYTES, max_payload=MAX_PAYLOAD)
    costs: list[tuple[int, int]] = []  # (seq, cost) of every entry recorded, oldest first
    for size in sizes:
        entry = journal.record_event_in("sid", "e", ("x" * size,))
        assert entry is not None
        costs.append((entry.seq, entry.cost))
    expected: list[tuple[int, int]] = []
    for seq, cost in reversed(costs):  # the newest that fit both bounds
        if len(expected) == max_entries or sum(c for _, c in expected) + cost > MAX_BYTES:
            break
        expected.insert(0, (seq, cost))
    held = journal.page(0, 1000).events
    assert [(entry.seq, entry.cost) for entry in held] == expected
    assert journal.stored_bytes == sum(cost for _, cost in expected)
    assert journal.evicted == len(costs) - len(expected)
    assert journal.oldest_seq == (expected[0][0] if expected else journal.last_seq + 1)
    assert [row["event"] for row in journal.event_counts()] == (["e"] if sizes else [])


class Payload:
    """A value whose lifetime a weak reference can watch."""


def test_a_record_dropped_for_its_weight_is_let_go() -> None:
    ring = WeightedRing(max_records=10, max_weight=5, weight_field=1)
    kept = Payload()
    watch = weakref.ref(kept)
    ring.push((kept, 3))
    del kept
    assert ring.push((Payload(), 3)) == 1  # over the weight: the first goes
    assert watch() is None
    assert [record[1] for record in ring.records()] == [3] and ring.weight == 3


def test_the_entries_held_are_nothing_the_collector_walks() -> None:
    """Sessions and events alike: after one collection the journal's entries add no
    object that later collections walk (the journal replaces them at the traffic's rate)."""
    journal = Journal()
    gc.collect()
    before = len(gc.get_objects())
    for number in range(500):
        journal.record_connect(f"sid-{number}", client="kitchen", ip="10.0.0.2",
                               transport="websocket")
        journal.record_event_in(f"sid-{number}", "reading", ({"t": number},), client="kitchen")
        journal.record_event_out("reading", ({"t": number},), recipients=3, room="lab")
    gc.collect()
    assert len(journal) == 1500
    assert len(gc.get_objects()) - before < 100


@given(st.integers(1, 8), st.integers(0, 20))
def test_records_from_any_position_are_the_held_ones_oldest_first(max_records: int,
                                                                  pushed: int) -> None:
    """Taken from the oldest end or, past the middle, from the newest: the same records."""
    ring = WeightedRing(max_records, max_weight=10**9, weight_field=1)
    for number in range(pushed):
        ring.push((number, 1))
    held = [(number, 1) for number in range(max(0, pushed - max_records), pushed)]
    for first in range(len(held) + 2):
        assert list(ring.records(first)) == held[first:]
