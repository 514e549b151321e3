"""asyncio's socket transport with libuv's lazy pause: pausing does not touch the selector.

uvicorn's websocket protocol pauses reading after every message it queues for the app and
resumes when the app takes it, so on asyncio's selector each message costs a reader
removed and added again: two ``epoll_ctl`` calls, a ``Handle`` and a selector key built in
Python.  libuv (uvloop, Node) only notes the pause and drops the descriptor from epoll
when it turns out ready while paused.  ``LazyPauseTransport`` does the same: a pause and
resume with nothing read in between cost two attribute writes, and a socket that becomes
readable while paused is removed from the selector then, once, and added back on resume.
"""

from __future__ import annotations

from asyncio import selector_events
from collections.abc import Callable
from typing import Any


class LazyPauseTransport(selector_events._SelectorSocketTransport):  # type: ignore[name-defined,misc]  # asyncio's private class, untyped
    """``_SelectorSocketTransport`` whose reader stays registered while paused until it
    fires; ``_watching`` is whether it is registered."""

    _watching = False

    def _add_reader(self, fd: int, callback: Callable[..., Any], *args: Any) -> None:
        if self.is_reading():
            self._watching = True
            self._loop._add_reader(fd, callback, *args)

    def pause_reading(self) -> None:
        if self.is_reading():
            self._paused = True

    def resume_reading(self) -> None:
        if self._closing or not self._paused:
            return
        self._paused = False
        if not self._watching:
            self._add_reader(self._sock_fd, self._read_ready)

    def _read_ready(self) -> None:
        if self._paused:  # readable while paused: now stop watching, as a pause used to
            self._watching = False
            self._loop._remove_reader(self._sock_fd)
            return
        self._read_ready_cb()

    def _read_ready__on_eof(self) -> None:
        self._watching = False  # the base removes the reader or closes the transport
        super()._read_ready__on_eof()
