"""Live readers: listeners with filters, and the async feed that a slow reader cannot make
grow (it gets ``skipped`` with the count and continues from the newest)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server.inspector import MATCH_ALL, Entry, Filter, Journal, Kind, Skipped
from server.inspector.subscription import Listeners

GUARD = 10.0  # a hang guard only: every wait below ends as soon as its item is there


def test_a_listener_gets_matching_entries_until_it_unsubscribes(journal: Journal) -> None:
    seen: list[int] = []
    unsubscribe = journal.subscribe(lambda entry: seen.append(entry.seq),
                                    Filter(kind=Kind.EVENT_IN))
    journal.record_event_in("sid-a", "message", (1,))
    journal.record_connect("sid-b", client=None, ip="10.0.0.2", transport="polling")
    journal.record_event_in("sid-b", "message", (2,))
    unsubscribe()
    unsubscribe()  # twice is harmless
    journal.record_event_in("sid-a", "message", (3,))
    assert seen == [1, 3]


def test_a_failing_listener_is_logged_and_the_others_still_run(
        journal: Journal, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[int] = []

    def broken(entry: Entry) -> None:
        raise RuntimeError("boom")

    journal.subscribe(broken)
    journal.subscribe(lambda entry: seen.append(entry.seq))
    with caplog.at_level(logging.ERROR):
        entry = journal.record_event_in("sid-a", "message", (1,))
    assert entry is not None and seen == [1] and len(journal) == 1
    assert "journal listener" in caplog.text and "boom" in caplog.text


def test_a_batch_reaches_each_listener_filtered_and_a_failing_one_is_logged(
        journal: Journal, caplog: pytest.LogCaptureFixture) -> None:
    listeners = Listeners()
    seen: list[tuple[str, int]] = []

    def broken(entry: Entry) -> None:
        raise RuntimeError("boom")

    listeners.subscribe(broken, MATCH_ALL)
    listeners.subscribe(lambda entry: seen.append(("in", entry.seq)), Filter(kind=Kind.EVENT_IN))
    listeners.subscribe(lambda entry: seen.append(("all", entry.seq)), MATCH_ALL)
    journal.record_event_in("sid-a", "message", (1,))
    journal.record_connect("sid-b", client=None, ip="10.0.0.2", transport="polling")
    journal.record_event_in("sid-b", "message", (2,))
    with caplog.at_level(logging.ERROR):
        listeners.notify_all(journal.entries_after(0))
    assert seen == [("in", 1), ("in", 3), ("all", 1), ("all", 2), ("all", 3)]
    assert caplog.text.count("journal listener") == 3 and "boom" in caplog.text


def test_a_waker_is_called_once_at_the_next_entry(journal: Journal) -> None:
    woken: list[int] = []
    journal.record_event_in("sid-a", "message", (0,))
    journal.wake_on_next(lambda: woken.append(journal.last_seq))
    assert woken == []
    journal.record_event_in("sid-a", "message", (1,))
    journal.record_connect("sid-b", client=None, ip="10.0.0.2", transport="polling")
    assert woken == [2]  # called at entry 2, and not again


def test_a_failing_waker_is_logged_and_recording_goes_on(
        journal: Journal, caplog: pytest.LogCaptureFixture) -> None:
    woken: list[int] = []

    def broken() -> None:
        raise RuntimeError("boom")

    journal.wake_on_next(broken)
    journal.wake_on_next(lambda: woken.append(journal.last_seq))
    with caplog.at_level(logging.ERROR):
        journal.record_event_in("sid-a", "message", (1,))
    assert woken == [1] and len(journal) == 1
    assert "journal waker" in caplog.text and "boom" in caplog.text


async def test_a_feed_is_woken_by_new_entries(journal: Journal) -> None:
    async with journal.feed(Filter(event="message")) as feed:
        reader = asyncio.ensure_future(anext(feed))
        await asyncio.sleep(0)
        assert not reader.done()
        journal.record_event_in("sid-a", "other", (0,))
        journal.record_event_in("sid-a", "message", (1,))
        first = await asyncio.wait_for(reader, GUARD)
        assert isinstance(first, Entry) and first.seq == 2


async def test_a_slow_feed_reader_gets_skipped_and_continues_from_the_newest(
        journal: Journal) -> None:
    async with journal.feed(capacity=10) as feed:
        for number in range(35):  # the reader reads nothing meanwhile
            journal.record_event_in("sid-a", "message", (number,))
        assert feed.pending <= 10
        items = [await asyncio.wait_for(anext(feed), GUARD) for _ in range(6)]
        assert items[0] == Skipped(30)
        assert [item.seq for item in items[1:] if isinstance(item, Entry)] == [31, 32, 33, 34, 35]
        journal.record_event_in("sid-a", "message", ("later",))
        later = await asyncio.wait_for(anext(feed), GUARD)
        assert isinstance(later, Entry) and later.seq == 36
        assert Skipped(30).json_fields() == {"skipped": 30}


async def test_a_closed_feed_ends_its_iteration_and_stops_listening(journal: Journal) -> None:
    feed = journal.feed()
    collected: list[int] = []

    async def read() -> None:
        async for item in feed:
            assert isinstance(item, Entry)
            collected.append(item.seq)

    reader = asyncio.ensure_future(read())
    journal.record_event_in("sid-a", "message", (1,))
    await asyncio.sleep(0)
    feed.close()
    await asyncio.wait_for(reader, GUARD)
    assert collected == [1]
    assert journal.listener_count == 0
    journal.record_event_in("sid-a", "message", (2,))
    assert feed.pending == 0


async def test_leaving_the_feed_block_unsubscribes(journal: Journal) -> None:
    async with journal.feed():
        assert journal.listener_count == 1
    assert journal.listener_count == 0


async def test_a_cancelled_wait_on_a_feed_loses_nothing(journal: Journal) -> None:
    async with journal.feed() as feed:
        with pytest.raises(TimeoutError):  # the SSE endpoint's keep-alive tick
            await asyncio.wait_for(anext(feed), 0.01)
        journal.record_event_in("sid-a", "message", (1,))
        item = await asyncio.wait_for(anext(feed), GUARD)
        assert isinstance(item, Entry) and item.seq == 1
