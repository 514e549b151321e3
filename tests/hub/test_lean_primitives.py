"""LeanQueue and LeanEvent keep asyncio.Queue's and asyncio.Event's semantics
(server/runtime/lean_primitives.py); each test also runs on asyncio's own, the
reference they must match."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.runtime.lean_primitives import LeanEvent, LeanQueue

WAIT = 5  # a hang guard, never the assertion


@pytest.fixture(params=["lean", "asyncio"])
def make_queue(request: pytest.FixtureRequest) -> Any:
    return LeanQueue if request.param == "lean" else asyncio.Queue


@pytest.fixture(params=["lean", "asyncio"])
def make_event(request: pytest.FixtureRequest) -> Any:
    return LeanEvent if request.param == "lean" else asyncio.Event


async def test_items_come_out_in_order_and_an_empty_queue_says_so(make_queue):
    queue = make_queue()
    assert queue.empty() and queue.qsize() == 0
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()
    for item in (1, None, 3):
        queue.put_nowait(item)
    await queue.put(4)
    assert queue.qsize() == 4
    assert [queue.get_nowait(), await queue.get(), queue.get_nowait(), await queue.get()] \
        == [1, None, 3, 4]
    assert queue.empty()


async def test_waiting_getters_are_served_in_the_order_they_came(make_queue):
    queue = make_queue()
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await asyncio.sleep(0)
    for item in "abc":
        queue.put_nowait(item)
    assert await asyncio.wait_for(asyncio.gather(*getters), WAIT) == ["a", "b", "c"]


async def test_a_getter_cancelled_after_its_wake_up_passes_the_item_on(make_queue):
    queue = make_queue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("item")  # wakes the first getter...
    first.cancel()  # ...which is cancelled before it runs
    assert await asyncio.wait_for(second, WAIT) == "item"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_join_waits_until_every_item_is_done(make_queue):
    queue = make_queue()
    await asyncio.wait_for(queue.join(), WAIT)  # nothing unfinished: at once
    queue.put_nowait("a")
    queue.put_nowait("b")
    joined = asyncio.create_task(queue.join())
    for _ in range(2):
        queue.get_nowait()
        await asyncio.sleep(0)
        assert not joined.done()
        queue.task_done()
    await asyncio.wait_for(joined, WAIT)
    with pytest.raises(ValueError):
        queue.task_done()


async def test_an_event_releases_its_waiters_when_set_and_clear_holds_the_next(make_event):
    event = make_event()
    assert not event.is_set()
    waiters = [asyncio.create_task(event.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    event.set()
    assert await asyncio.wait_for(asyncio.gather(*waiters), WAIT) == [True, True]
    assert await asyncio.wait_for(event.wait(), WAIT)  # set: at once
    event.clear()
    later = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert not later.done()
    later.cancel()
    with pytest.raises(asyncio.CancelledError):
        await later
    event.set()  # the cancelled waiter is not in the way
    assert event.is_set()
