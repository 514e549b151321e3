"""Server-sent event streams, as both of the dashboard's feeds serve them: the message
format, the answer to HEAD, and the open streams that the hub's stop ends."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

EVENT_STREAM = {"content-type": "text/event-stream", "x-accel-buffering": "no"}
"""The content type as is (no charset parameter); no buffering in a reverse proxy."""


def sse_message(event: str, data: bytes, event_id: int | None = None) -> bytes:
    """One event in the text/event-stream format; ``data`` is JSON (no raw newlines)."""
    id_line = b"" if event_id is None else b"id: %d\n" % event_id
    return b"event: %s\n%sdata: %s\n\n" % (event.encode(), id_line, data)


class Closable(Protocol):
    def close(self) -> None: ...


class EventStreams:
    """The open streams of one feed: ``close_all`` ends them, so that stopping the server
    need not wait for browsers (an open stream would hold uvicorn's shutdown for its whole
    grace time)."""

    def __init__(self) -> None:
        self._open: set[Closable] = set()

    @staticmethod
    def response(request: Request, stream: Callable[[], AsyncIterator[bytes]]) -> Response:
        """The answer to ``request``: the stream ``stream()`` for a GET; for a HEAD the
        headers a GET would start with, never a stream."""
        if request.method == "HEAD":
            return Response(headers=EVENT_STREAM)
        return StreamingResponse(stream(), headers=EVENT_STREAM)

    @contextlib.contextmanager
    def tracking(self, feed: Closable) -> Iterator[None]:
        """``feed`` is open (and ended by ``close_all``) within the block."""
        self._open.add(feed)
        try:
            yield
        finally:
            self._open.discard(feed)

    def close_all(self) -> None:
        for feed in list(self._open):
            feed.close()
