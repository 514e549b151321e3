"""The dashboard's live feed: server-sent events driven by the ConnectionManager.

A browser gets one ``snapshot``, then ``changes`` whenever the manager notifies (only the
rows that changed, so the page updates rows in place instead of redrawing the table),
and a ``summary`` every second for uptime and messages per second.  Changes that arrive
while a send is in progress are merged by sid, so a slow browser costs at most one
pending entry per client, never a growing queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..connections import Change, Connection
from .status import HubStatus

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SUMMARY_INTERVAL_SECONDS = 1.0
RETRY_MILLISECONDS = 1000


def sse_event(event: str, data: Any) -> bytes:
    """One event in the text/event-stream format (JSON has no raw newlines)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class LiveFeed:
    """One browser's stream; ``run()`` returns when the browser goes away."""

    def __init__(self, status: HubStatus, receive: Receive, send: Send) -> None:
        self._status = status
        self._receive = receive
        self._send = send
        self._pending: dict[str, Connection | None] = {}  # sid -> new state, None = gone
        self._wake = asyncio.Event()
        self._closed = False

    def _on_change(self, change: Change, connection: Connection) -> None:
        self._pending[connection.sid] = None if change is Change.REMOVED else connection
        self._wake.set()

    def close(self) -> None:
        """End the stream (the server is stopping); ``run()`` returns promptly."""
        self._closed = True
        self._wake.set()

    async def _watch_disconnect(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.close()

    async def _write(self, chunk: bytes) -> None:
        await self._send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def run(self) -> None:
        unsubscribe = self._status.manager.subscribe(self._on_change)
        watcher = asyncio.create_task(self._watch_disconnect())
        loop = asyncio.get_running_loop()
        try:
            await self._write(f"retry: {RETRY_MILLISECONDS}\n\n".encode()
                              + sse_event("snapshot", self._status.snapshot()))
            next_summary = loop.time() + SUMMARY_INTERVAL_SECONDS
            while not self._closed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), next_summary - loop.time())
                self._wake.clear()
                if self._closed:
                    break
                if self._pending:
                    await self._write(sse_event("changes", self._take_changes()))
                if loop.time() >= next_summary:
                    await self._write(sse_event("summary", self._status.summary()))
                    next_summary = loop.time() + SUMMARY_INTERVAL_SECONDS
        finally:
            unsubscribe()
            watcher.cancel()

    def _take_changes(self) -> dict[str, Any]:
        pending, self._pending = self._pending, {}
        return {
            "upsert": [c.to_dict() for c in pending.values() if c is not None],
            "remove": [sid for sid, c in pending.items() if c is None],
            "rooms": self._status.rooms(),
            "summary": self._status.summary(),
        }
