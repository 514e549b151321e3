"""Refusals before a session exists: once per address and reason within the window, with a
memory that stays bounded under a flood from many addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.inspector import Journal, Kind
from server.inspector.refusals import RecentRefusals

if TYPE_CHECKING:
    from conftest import ManualClock

REASON = "unsupported Engine.IO version 3"


def test_a_repeated_refusal_is_recorded_once_within_the_window(clock: ManualClock) -> None:
    journal = Journal(clock=clock, refusals=RecentRefusals(window=5.0))
    first = journal.record_refusal_once("10.0.0.7", REASON, namespace="/")
    assert first is not None and (first.kind, first.ip, first.reason) == (
        Kind.REFUSED, "10.0.0.7", REASON)
    for _ in range(1000):
        assert journal.record_refusal_once("10.0.0.7", REASON) is None
        clock.advance(0.004)
    assert len(journal) == 1 and journal.refusals.suppressed == 1000
    # Another reason, or another address, is news.
    assert journal.record_refusal_once("10.0.0.7", "unknown transport 'carrier-pigeon'")
    assert journal.record_refusal_once("10.0.0.8", REASON)
    assert len(journal) == 3


def test_the_same_refusal_is_recorded_again_once_the_window_has_passed(
        clock: ManualClock) -> None:
    journal = Journal(clock=clock, refusals=RecentRefusals(window=5.0))
    assert journal.record_refusal_once("10.0.0.7", REASON)
    clock.advance(4.9)
    assert journal.record_refusal_once("10.0.0.7", REASON) is None
    clock.advance(0.2)
    assert journal.record_refusal_once("10.0.0.7", REASON)
    assert [entry.reason for entry in journal.page().events] == [REASON, REASON]


def test_the_memory_of_refusals_is_bounded_under_a_flood_from_many_addresses(
        clock: ManualClock) -> None:
    refusals = RecentRefusals(window=5.0, max_pairs=100)
    journal = Journal(clock=clock, refusals=refusals, max_entries=500)
    for number in range(10_000):
        journal.record_refusal_once(f"10.{number // 65536}.{number // 256 % 256}.{number % 256}",
                                    REASON)
        assert len(refusals) <= 100
    assert len(journal) == 500  # the journal's own cap bounds what the flood recorded


def test_expired_pairs_are_forgotten(clock: ManualClock) -> None:
    refusals = RecentRefusals(window=5.0, max_pairs=100)
    for number in range(50):
        assert refusals.first_in_window(f"10.0.0.{number}", REASON, clock())
    clock.advance(6)
    assert refusals.first_in_window("10.0.1.1", REASON, clock())
    assert len(refusals) == 1


def test_plain_refusals_are_always_recorded(journal: Journal) -> None:
    for _ in range(3):
        journal.record_refused("authentication failed: wrong token", ip="10.0.0.7",
                               sid="sid-x", namespace="/")
    assert len(journal) == 3
