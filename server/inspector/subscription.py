"""Live readers of the journal: plain listeners, and the async feed behind the SSE endpoint.

A listener is called synchronously, on the event loop, for each new entry its filter
matches (the desktop window coalesces them into batches itself).  A ``Feed`` is an async
iterator of the same entries for ``GET /api/events/feed``: it is woken by new entries,
never polls, and holds at most ``capacity`` of them.  A reader slower than the traffic
never makes it grow: on overflow the unread entries are dropped, the next item it reads
is ``Skipped(count)``, and it continues from the newest entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .entry import Entry
from .query import Filter

logger = logging.getLogger(__name__)

Listener = Callable[[Entry], None]
Unsubscribe = Callable[[], None]
Subscribe = Callable[[Listener, Filter], Unsubscribe]

DEFAULT_FEED_CAPACITY = 1000


@dataclass(frozen=True, slots=True)
class Skipped:
    """In a feed: this many entries were dropped unread because the reader fell behind."""

    count: int

    def json_fields(self) -> dict[str, Any]:
        return {"skipped": self.count}


class Listeners:
    """Listeners with their filters; one that raises is logged and the others still run."""

    def __init__(self) -> None:
        self.registered: list[tuple[Listener, Filter]] = []

    def subscribe(self, listener: Listener, wanted: Filter) -> Unsubscribe:
        item = (listener, wanted)
        self.registered.append(item)

        def unsubscribe() -> None:
            if item in self.registered:
                self.registered.remove(item)

        return unsubscribe

    def notify(self, entry: Entry) -> None:
        self.notify_all((entry,))

    def notify_all(self, entries: Sequence[Entry]) -> None:
        """Call each listener with each of ``entries`` that its filter matches, a listener
        at a time (a batch's readers)."""
        for listener, wanted in list(self.registered):
            for entry in entries:
                if not wanted.matches(entry):
                    continue
                try:
                    listener(entry)
                except Exception:
                    logger.exception("journal listener %r failed on entry %d", listener,
                                     entry.seq)


class Feed:
    """New matching entries as an async iterator, with a bounded buffer.

    Use it as ``async with journal.feed(filter) as feed: async for item in feed: ...``;
    items are ``Entry`` or ``Skipped``.  Leaving the block (or ``close()``) unsubscribes it
    and ends the iteration.
    """

    def __init__(self, subscribe: Subscribe, wanted: Filter,
                 capacity: int = DEFAULT_FEED_CAPACITY) -> None:
        self.capacity = capacity
        self._buffer: deque[Entry] = deque()
        self._skipped = 0
        self._closed = False
        self._wakeup = asyncio.Event()
        self._unsubscribe = subscribe(self._push, wanted)

    def _push(self, entry: Entry) -> None:
        if len(self._buffer) >= self.capacity:
            self._skipped += len(self._buffer)
            self._buffer.clear()
        self._buffer.append(entry)
        self._wakeup.set()

    @property
    def pending(self) -> int:
        """Entries buffered and not read yet (at most ``capacity``)."""
        return len(self._buffer)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._unsubscribe()
            self._buffer.clear()
            self._wakeup.set()

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> Entry | Skipped:
        while not self._closed:
            if self._skipped:
                skipped, self._skipped = Skipped(self._skipped), 0
                return skipped
            if self._buffer:
                return self._buffer.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()
        raise StopAsyncIteration

    async def __aenter__(self) -> Feed:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        self.close()
