"""The journal's entries reach Qt in batches: what a journal held, then what is new,
one signal per batch, handed over in full when following stops."""

from __future__ import annotations

import asyncio

from helpers.desktop_support import QtRun
from helpers.support import wait_until

from desktop.traffic_feed import EntryBatches
from server.inspector import Entry, Journal


def test_a_burst_is_one_batch_after_what_the_journal_held(qt_run: QtRun) -> None:
    async def scenario() -> None:
        journal = Journal()
        journal.record_connect("a", client="early", ip="127.0.0.1", transport="websocket")
        batches: list[list[Entry]] = []
        feed = EntryBatches()
        feed.batch.connect(batches.append)
        feed.follow(journal)
        for number in range(100):  # one burst, with no return to the loop in between
            journal.record_event_in("a", "reading", [number])
        await wait_until(lambda: bool(batches), message="a batch")
        assert len(batches) == 1
        assert [e.seq for e in batches[0]] == list(range(1, 102))
        assert batches[0][0].client == "early"
        await asyncio.sleep(0.2)  # a hang guard's worth: no batch more for nothing new
        assert len(batches) == 1
        feed.stop_following()

    qt_run(scenario())


def test_stopping_hands_over_what_is_pending_and_a_new_journal_replaces_the_old(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        old, new = Journal(), Journal()
        batches: list[list[Entry]] = []
        feed = EntryBatches()
        feed.batch.connect(batches.append)
        feed.follow(old)
        old.record_disconnect("a", "server shutdown")
        feed.stop_following()  # at once, not at the next tick
        assert [[e.reason for e in batch] for batch in batches] == [["server shutdown"]]
        feed.follow(new)
        old.record_event_in("a", "stale", [])
        new.record_event_in("b", "fresh", [])
        await wait_until(lambda: len(batches) == 2, message="the new journal's entry")
        assert [e.event for e in batches[1]] == ["fresh"]
        feed.stop_following()

    qt_run(scenario())


def test_a_batch_held_back_loses_only_what_the_journal_evicted(qt_run: QtRun) -> None:
    async def scenario() -> None:
        journal = Journal(max_entries=10)
        batches: list[list[Entry]] = []
        feed = EntryBatches()
        feed.batch.connect(batches.append)
        feed.follow(journal)
        for number in range(25):
            journal.record_event_in("a", "reading", [number])
        feed.stop_following()
        assert [e.payload for e in batches[0]] == [f"[{n}]" for n in range(15, 25)]

    qt_run(scenario())


def test_entries_recorded_by_a_receiver_come_in_the_next_batch(qt_run: QtRun) -> None:
    async def scenario() -> None:
        journal = Journal()
        batches: list[list[Entry]] = []
        feed = EntryBatches()

        def receive(batch: list[Entry]) -> None:
            batches.append(batch)
            if len(batches) == 1:  # as a window's action on an entry may record another
                journal.record_event_out("answer", [], recipients=1, sid="a")

        feed.batch.connect(receive)
        feed.follow(journal)
        journal.record_event_in("a", "question", [])
        await wait_until(lambda: len(batches) == 2, message="the receiver's own entry")
        assert [[e.event for e in batch] for batch in batches] == [["question"], ["answer"]]
        feed.stop_following()

    qt_run(scenario())
