"""Sequence numbers, paging forward with ``after`` and back with ``before``, and eviction by
count and by bytes."""

from __future__ import annotations

import gc
import tracemalloc

import orjson
import pytest

from server.inspector import Filter, Journal, Kind
from server.inspector.entry import ENTRY_OVERHEAD
from server.inspector.query import MATCH_ALL

SID = "sid-a"


def fill(journal: Journal, count: int, payload: object = "x") -> None:
    for number in range(count):
        journal.record_event_in(SID, "message", (payload, number))


def read_all(journal: Journal, after: int, limit: int, wanted: Filter = MATCH_ALL) -> list[int]:
    """Page forward from ``after`` until a page says nothing more follows."""
    seen: list[int] = []
    while True:
        page = journal.page(after, limit, wanted)
        seen += [entry.seq for entry in page.events]
        assert page.last_seq >= after
        after = page.last_seq
        if not page.more:
            return seen


def test_seq_increases_by_one_and_pages_forward_without_gaps(journal: Journal) -> None:
    fill(journal, 45)
    assert journal.last_seq == 45 and journal.oldest_seq == 1
    assert read_all(journal, 0, 10) == list(range(1, 46))
    page = journal.page(40, 10)
    assert [e.seq for e in page.events] == [41, 42, 43, 44, 45]
    assert (page.last_seq, page.oldest_seq, page.evicted, page.more) == (45, 1, 0, False)


def test_polling_with_last_seq_sees_each_new_entry_once(journal: Journal) -> None:
    fill(journal, 3)
    after = journal.page(0).last_seq
    assert journal.page(after).events == [] and journal.page(after).last_seq == after
    fill(journal, 2)
    assert [e.seq for e in journal.page(after).events] == [4, 5]


def test_eviction_by_count_leaves_a_gap_only_of_the_evicted() -> None:
    journal = Journal(max_entries=10)
    fill(journal, 25)
    assert len(journal) == 10 and journal.evicted == 15
    page = journal.page(0, 1000)
    assert [e.seq for e in page.events] == list(range(16, 26))
    assert (page.oldest_seq, page.evicted, page.last_seq) == (16, 15, 25)
    # A reader that had stopped at seq 5 learns that 6..15 were evicted before it read them.
    assert journal.page(5).events[0].seq == page.oldest_seq == 16


def test_seqs_are_never_reused_after_eviction() -> None:
    journal = Journal(max_entries=2)
    seqs = [entry.seq for _ in range(6)
            if (entry := journal.record_connect("s", client=None, ip="10.0.0.1",
                                                transport="polling")) is not None]
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_byte_cap_holds_under_a_flood_of_large_payloads() -> None:
    cap = 1024 * 1024
    journal = Journal(max_bytes=cap, max_payload=64 * 1024)
    big = "y" * 200_000
    for number in range(300):
        journal.record_event_in(SID, "upload", (big, number))
        assert journal.stored_bytes <= cap
    held = journal.page(0, 1000).events
    assert journal.stored_bytes == sum(entry.cost for entry in held)
    assert len(held) + journal.evicted == 300
    assert 10 <= len(held) < 20  # each entry counts its 64 KiB of kept payload
    assert all(entry.truncated for entry in held)
    assert all(len((entry.payload or "").encode()) <= 64 * 1024 for entry in held)
    assert [entry.seq for entry in held] == list(range(301 - len(held), 301))


def test_counted_bytes_include_payload_and_texts(journal: Journal) -> None:
    entry = journal.record_event_in(SID, "e" * 10, ["abc"])
    assert entry is not None and entry.payload == '["abc"]'
    assert entry.cost == ENTRY_OVERHEAD + 10 + len(b'["abc"]')
    assert journal.stored_bytes == entry.cost


@pytest.mark.parametrize("payloads", [True, False])
def test_counted_bytes_are_close_to_the_memory_really_held(payloads: bool) -> None:
    journal = Journal(max_entries=100_000, payloads=payloads)
    journal.record_event_in(SID, "warm-up", ())
    # A full collection empties the interpreter's free lists: tuples freed by earlier tests
    # (other journals' rows) would otherwise be reused here without tracemalloc seeing them.
    gc.collect()
    tracemalloc.start()
    try:
        before, counted_before = tracemalloc.get_traced_memory()[0], journal.stored_bytes
        for number in range(2000):
            event = "".join(["mes", "sage"])  # a new string each time, as parsed off the wire
            journal.record_event_in(SID, event, ({"t": 21.5, "n": number},), client="kitchen")
            journal.record_event_out(event, ({"from": SID, "data": number},), recipients=5,
                                     skip_sid=SID)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    counted = journal.stored_bytes - counted_before
    assert 0.8 * held <= counted <= 1.25 * held


def test_limit_defaults_to_200_and_is_at_most_1000(journal: Journal) -> None:
    fill(journal, 1200)
    assert len(journal.page().events) == 200
    assert len(journal.page(0, 5000).events) == 1000
    assert len(journal.page(0, 0).events) == 1


def test_a_filtered_page_reports_how_far_it_looked(journal: Journal) -> None:
    fill(journal, 30)
    journal.record_connect("sid-b", client="b", ip="10.0.0.2", transport="websocket")
    fill(journal, 30)
    page = journal.page(0, 10, Filter(kind=Kind.CONNECT))
    assert [e.seq for e in page.events] == [31]
    assert page.last_seq == 61 and not page.more
    assert read_all(journal, 0, 7, Filter(kind=Kind.EVENT_IN)) == [
        *range(1, 31), *range(32, 62)]


def test_before_finds_the_newest_matches_however_far_back_they_are(journal: Journal) -> None:
    journal.record_connect("sid-b", client="b", ip="10.0.0.2", transport="websocket")
    journal.record_connect("sid-c", client="c", ip="10.0.0.3", transport="websocket")
    fill(journal, 5000)
    page = journal.page_before(10**15, 1, Filter(kind=Kind.CONNECT))
    assert [e.seq for e in page.events] == [2]
    assert page.more and page.last_seq == 5002  # where to follow new entries from
    page = journal.page_before(page.events[0].seq, 5, Filter(kind=Kind.CONNECT))
    assert [e.seq for e in page.events] == [1] and not page.more


def test_before_pages_back_oldest_first_within_each_page(journal: Journal) -> None:
    fill(journal, 45)
    page = journal.page_before(41, 10)
    assert [e.seq for e in page.events] == list(range(31, 41))
    assert (page.last_seq, page.oldest_seq, page.more) == (40, 1, True)
    seen: list[int] = []
    before, more = 46, True
    while more:
        page = journal.page_before(before, 7, Filter(event="message"))
        seen[:0] = [e.seq for e in page.events]
        before, more = (page.events[0].seq if page.events else before), page.more
    assert seen == list(range(1, 46))


def test_before_skips_what_was_evicted() -> None:
    journal = Journal(max_entries=10)
    fill(journal, 25)
    page = journal.page_before(18, 100)
    assert [e.seq for e in page.events] == [16, 17]
    assert (page.oldest_seq, page.evicted, page.more) == (16, 15, False)
    assert journal.page_before(5).events == []


def test_asking_past_the_newest_seq_points_back_to_it(journal: Journal) -> None:
    fill(journal, 3)
    page = journal.page(500)
    assert page.events == [] and page.last_seq == 3


def test_page_json_is_the_api_shape(journal: Journal) -> None:
    journal.record_event_in(SID, "message", ({"t": 21.5},), ack=True, client="kitchen",
                            ip="192.168.1.20")
    body = orjson.loads(journal.page().to_json())
    assert body["last_seq"] == 1 and body["oldest_seq"] == 1 and body["evicted"] == 0
    (event,) = body["events"]
    assert event == {
        "seq": 1, "time": 1_800_000_000_000, "kind": "event_in", "sid": SID,
        "client": "kitchen", "ip": "192.168.1.20", "namespace": "/", "event": "message",
        "room": None, "recipients": None, "args": [{"t": 21.5}], "ack": True, "reason": None,
    }


def test_an_empty_journal_pages_from_the_start(journal: Journal) -> None:
    page = journal.page()
    assert (page.events, page.last_seq, page.oldest_seq, page.evicted) == ([], 0, 1, 0)


def test_a_journal_too_small_for_one_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        Journal(max_bytes=4096, max_payload=4096)
