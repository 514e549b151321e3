"""Filters (sid, room, event, kind, free text), their query-string form, the export, and
counts and rates per event name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from server.inspector import Entry, Filter, Journal, Kind, QueryError, page_params
from server.inspector.stats import OTHER, RATE_WINDOW_SECONDS

if TYPE_CHECKING:
    from conftest import ManualClock


@pytest.fixture
def traffic(journal: Journal) -> Journal:
    journal.record_connect("sid-a", client="Kitchen Sensor", ip="10.0.0.5",
                           transport="websocket")
    journal.record_join("sid-a", "kitchen")
    journal.record_event_in("sid-a", "message", ({"temp": 21.5, "note": 'say "hi"'},),
                            client="Kitchen Sensor")
    journal.record_event_out("message", ({"from": "sid-a", "data": 1},), recipients=2,
                             skip_sid="sid-a")
    journal.record_event_in("sid-b", "room_message", ({"room": "kitchen", "data": "Ünïcode"},),
                            client="phone", ack=True)
    journal.record_event_out("message", ({"from": "sid-b"},), recipients=1, room="kitchen",
                             skip_sid="sid-b")
    journal.record_event_out("status", ({"ok": True},), recipients=1, sid="sid-a")
    return journal


def seqs(journal: Journal, wanted: Filter) -> list[int]:
    return [entry.seq for entry in journal.page(0, 1000, wanted).events]


def test_sid_matches_the_client_and_the_relays_it_sent(traffic: Journal) -> None:
    assert seqs(traffic, Filter(sid="sid-a")) == [1, 2, 3, 4, 7]
    assert seqs(traffic, Filter(sid="sid-b")) == [5, 6]


def test_room_event_and_kind_filters(traffic: Journal) -> None:
    assert seqs(traffic, Filter(room="kitchen")) == [2, 6]
    assert seqs(traffic, Filter(event="message")) == [3, 4, 6]
    assert seqs(traffic, Filter(kind=Kind.EVENT_OUT)) == [4, 6, 7]
    assert seqs(traffic, Filter(kind=Kind.EVENT_OUT, event="message", room="kitchen")) == [6]


def test_refused_finds_refused_connects_and_refused_events(traffic: Journal) -> None:
    """Both are what a device was refused: the window's and the dashboard's *refused*."""
    traffic.record_refused("authentication failed: wrong token", ip="10.0.0.9")
    traffic.record_event_in("sid-a", "reading", (1,), refused="unknown event 'reading'")
    assert seqs(traffic, Filter(kind=Kind.REFUSED)) == [8, 9]
    assert seqs(traffic, Filter(kind=Kind.EVENT_IN)) == [3, 5, 9]


@pytest.mark.parametrize(("q", "expected"), [
    ("KITCHEN sensor", [1, 3]),  # client name, any case
    ("room_MESSAGE", [5]),  # event name
    ("21.5", [3]),  # payload text
    ("ünï", [5]),  # payload text beyond ASCII, any case
    ('say "hi"', [3]),  # a quote, as escaped in the JSON text
    ("no such text", []),
])
def test_free_text_matches_name_event_and_payload(traffic: Journal, q: str,
                                                  expected: list[int]) -> None:
    assert seqs(traffic, Filter(q=q)) == expected


def test_filters_from_a_query_string() -> None:
    wanted = Filter.from_params({"sid": "s1", "kind": "event_in", "q": "temp", "room": ""})
    assert wanted == Filter(sid="s1", kind=Kind.EVENT_IN, q="temp")
    assert page_params({"after": "12", "limit": "5000"}) == (12, 1000)
    assert page_params({}) == (0, 200)
    assert page_params({"limit": "9" * 50}) == (0, 1000)


@pytest.mark.parametrize(("params", "message"), [
    ({"kind": "everything"}, "kind must be one of event_in, event_out"),
    ({"after": "abc"}, "after must be an integer"),
    ({"after": "-3"}, "after must be at least 0"),
    ({"limit": "0"}, "limit must be at least 1"),
    ({"after": "9" * 5000}, "after must be an integer"),
])
def test_bad_query_parameters_say_what_is_wrong(params: dict[str, str], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Filter.from_params(params)
        page_params(params)


def test_export_yields_every_matching_entry_across_pages(journal: Journal) -> None:
    for number in range(2500):
        journal.record_event_in(f"sid-{number % 2}", "tick", (number,))
    exported = [entry.seq for entry in journal.export(Filter(sid="sid-1"))]
    assert exported == list(range(2, 2501, 2))
    assert len(list(journal.export())) == 2500


@pytest.mark.parametrize("size", [7, 2500])
def test_entries_after_a_seq_are_the_newer_ones_held_in_order(size: int) -> None:
    journal = Journal(max_entries=size)  # at 7 the ring has wrapped round, mid-slots
    for number in range(2500):
        journal.record_event_in(f"sid-{number % 2}", "tick", (number,))
    newest = list(journal.export())
    assert [entry.seq for entry in newest] == list(range(2501 - size, 2501))
    assert journal.entries_after(0) == newest
    assert journal.entries_after(2496) == newest[-4:]
    assert [type(entry) for entry in journal.entries_after(2495)] == [Entry] * 5
    assert journal.entries_after(2500) == []


def test_export_stops_at_what_was_held_when_it_started(journal: Journal) -> None:
    for number in range(1500):
        journal.record_event_in("sid-a", "tick", (number,))
    exported = []
    for entry in journal.export():
        exported.append(entry.seq)
        journal.record_event_in("sid-a", "tick", ("during",))  # recording goes on
    assert exported == list(range(1, 1501))


def test_counts_and_rates_per_event_name(clock: ManualClock) -> None:
    journal = Journal(clock=clock)
    for _ in range(6):
        journal.record_event_in("sid-a", "message", (1,))
        journal.record_event_out("message", (1,), recipients=5)
    clock.advance(10)  # these six are counted but no longer in the rate window
    for _ in range(9):
        journal.record_event_in("sid-a", "message", (1,))
        journal.record_event_in("sid-a", "temp", (1,))
    journal.record_connect("sid-b", client=None, ip="10.0.0.2", transport="polling")
    clock.advance(1)
    assert journal.event_counts() == [
        {"event": "message", "in": 15, "out": 6, "in_per_second": 3.0, "out_per_second": 0.0},
        {"event": "temp", "in": 9, "out": 0, "in_per_second": 3.0, "out_per_second": 0.0},
    ]


def test_rates_use_the_span_the_journal_still_holds(clock: ManualClock) -> None:
    journal = Journal(max_entries=10, clock=clock)
    for _ in range(20):
        journal.record_event_in("sid-a", "burst", (1,))
        clock.advance(0.1)
    # 20 in 2 s, but the journal holds only the last 10, recorded over the last second.
    (row,) = journal.event_counts()
    assert row["in"] == 20
    assert row["in_per_second"] == pytest.approx(10 / 1.0, rel=0.1)


def test_event_names_invented_by_a_client_do_not_grow_the_counts(
        journal: Journal, clock: ManualClock) -> None:
    journal.stats.max_names = 50
    for number in range(2000):
        journal.record_event_in("sid-a", f"name-{number}", ())
    clock.advance(1)
    rows = journal.event_counts()
    assert len(rows) == 51
    # All 2000 were recorded at one instant inside the rate window, which the journal
    # holds whole: the names past the first 50 are OTHER's, in its rate too.
    assert rows[0] == {"event": OTHER, "in": 1950, "out": 0,
                       "in_per_second": 1950 / RATE_WINDOW_SECONDS, "out_per_second": 0.0}
    assert rows[1] == {"event": "name-0", "in": 1, "out": 0,
                       "in_per_second": 1 / RATE_WINDOW_SECONDS, "out_per_second": 0.0}
