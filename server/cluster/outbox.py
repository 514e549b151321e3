"""Messages waiting to be published to Redis, bounded in count and in bytes.

A node must not hold an unbounded queue for a Redis that is slow or away: what does
not fit is refused (the caller counts it as dropped), never queued.
"""

from __future__ import annotations

import asyncio
from collections import deque

MAX_MESSAGES = 10_000
MAX_BYTES = 16 * 1024 * 1024


class Outbox:
    """A first-in, first-out queue of encoded messages with a hard bound."""

    def __init__(self, max_messages: int = MAX_MESSAGES, max_bytes: int = MAX_BYTES) -> None:
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._items: deque[str] = deque()
        self._bytes = 0
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, text: str) -> bool:
        """Queue ``text``; False (and nothing queued) if that would pass a bound."""
        if len(self._items) >= self.max_messages or self._bytes + len(text) > self.max_bytes:
            return False
        self._items.append(text)
        self._bytes += len(text)
        self._ready.set()
        return True

    async def take(self, limit: int) -> list[str]:
        """Up to ``limit`` of the oldest messages, waiting until there is one."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        batch = [self._items.popleft() for _ in range(min(limit, len(self._items)))]
        self._bytes -= sum(len(text) for text in batch)
        return batch

    def clear(self) -> int:
        """Forget every queued message; how many there were."""
        count = len(self._items)
        self._items.clear()
        self._bytes = 0
        return count
