"""The dashboard's live feed: server-sent events driven by the ConnectionManager.

A browser gets one ``snapshot``, then ``changes`` whenever the manager notifies (only the
rows that changed, so the page updates rows in place instead of redrawing the table),
and a ``summary`` every second for uptime and messages per second.  Changes that arrive
while a send is in progress are merged by sid, so a slow browser costs at most one
pending entry per client, never a growing queue.  Starlette's ``StreamingResponse``
writes the stream and ends it when the browser goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from ..connections import Change, Connection
from .sse import sse_message
from .status import HubStatus

SUMMARY_INTERVAL_SECONDS = 1.0
RETRY_MILLISECONDS = 1000


def sse_event(event: str, data: Any) -> bytes:
    """One event with ``data`` as compact JSON."""
    return sse_message(event, json.dumps(data, separators=(",", ":")).encode())


class LiveFeed:
    """One browser's stream: ``events()`` yields it chunk by chunk until ``close()``."""

    def __init__(self, status: HubStatus) -> None:
        self._status = status
        self._pending: dict[str, Connection | None] = {}  # sid -> new state, None = gone
        self._wake = asyncio.Event()
        self._closed = False

    def _on_change(self, change: Change, connection: Connection) -> None:
        self._pending[connection.sid] = None if change is Change.REMOVED else connection
        self._wake.set()

    def close(self) -> None:
        """End the stream (the server is stopping); ``events()`` ends promptly."""
        self._closed = True
        self._wake.set()

    async def events(self) -> AsyncIterator[bytes]:
        unsubscribe = self._status.manager.subscribe(self._on_change)
        loop = asyncio.get_running_loop()
        try:
            yield (f"retry: {RETRY_MILLISECONDS}\n\n".encode()
                   + sse_event("snapshot", self._status.snapshot()))
            next_summary = loop.time() + SUMMARY_INTERVAL_SECONDS
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), next_summary - loop.time())
                self._wake.clear()
                if self._closed:
                    return
                if self._pending:
                    yield sse_event("changes", self._take_changes())
                if loop.time() >= next_summary:
                    yield sse_event("summary", self._status.summary())
                    next_summary = loop.time() + SUMMARY_INTERVAL_SECONDS
        finally:
            unsubscribe()

    def _take_changes(self) -> dict[str, Any]:
        pending, self._pending = self._pending, {}
        return {
            "upsert": [c.to_dict() for c in pending.values() if c is not None],
            "remove": [sid for sid, c in pending.items() if c is None],
            "rooms": self._status.rooms(),
            "summary": self._status.summary(),
        }
