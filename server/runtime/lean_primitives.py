"""asyncio's ``Queue`` and ``Event``, as much of them as each connection uses, smaller.

Every websocket connection holds two queues (uvicorn's receive queue, the Engine.IO
session's send queue) and an event (uvicorn's "writable"), idle for most of their life.
An ``asyncio.Queue`` allocates three deques and an ``Event`` (with its own deque) up
front, about 3 KiB; these hold a deque of items only while there are items, and make
the rest when a waiter actually waits.  Same semantics for what they offer: FIFO,
waiters woken in order, a cancelled getter passes its wake-up on, ``join`` until every
item is ``task_done``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _wake_first(waiters: list[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.pop(0)
        if not waiter.done():
            waiter.set_result(None)
            return


class LeanQueue(Generic[T]):
    """An unbounded ``asyncio.Queue``: ``put``/``put_nowait``, ``get``/``get_nowait``
    (``asyncio.QueueEmpty``), ``empty``, ``qsize``, ``task_done``, ``join``."""

    __slots__ = ("_finished", "_getters", "_items", "_unfinished", "on_first_item")

    def __init__(self) -> None:
        self.on_first_item: Callable[[], None] | None = None
        """Called when an item arrives in the empty queue: how a consumer that does not
        wait on the queue (the websocket's writer) learns of work."""
        self._items: deque[T] | None = None
        self._getters: list[asyncio.Future[None]] | None = None
        self._unfinished = 0
        self._finished: asyncio.Event | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        first = self._items is None
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._unfinished += 1
        if self._finished is not None:
            self._finished.clear()
        if self._getters:
            _wake_first(self._getters)
        if first and self.on_first_item is not None:
            self.on_first_item()

    async def put(self, item: T) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._take()

    def _take(self) -> T:
        assert self._items is not None
        item = self._items.popleft()
        if not self._items:
            self._items = None  # an idle queue holds no deque
        return item

    async def get(self) -> T:
        while not self._items:
            if self._getters is None:
                self._getters = []
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                elif self._items:  # woken, then cancelled: the next getter's turn
                    _wake_first(self._getters)
                raise
        return self._take()

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._finished is not None:
            self._finished.set()

    async def join(self) -> None:
        if self._unfinished:
            if self._finished is None:
                self._finished = asyncio.Event()
            await self._finished.wait()


class LeanEvent:
    """``asyncio.Event``: ``set``, ``clear``, ``is_set``, ``wait``."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        if self._waiters is None:
            self._waiters = []
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True
