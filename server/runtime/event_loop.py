"""The headless hub's event loop: uvloop where it is installed, else asyncio's own with
due timers run first.

In each iteration asyncio runs the callbacks already queued, then those of the sockets
that became ready, and only then the timers that fell due.  Under load an iteration is
long (2-4 ms at 10,000 echo round trips/s), so a timer that falls due during one waits
for all of the next as well: the heartbeat, uvicorn's tick, every timeout.  libuv, under
uvloop and Node, runs due timers at the start of each iteration; so does this loop.
asyncio promises an order among ``call_soon`` callbacks and among timers, never between
the two, but one race now goes the other way, as it does under uvloop: a timeout that
falls due while the wake-up it races is still queued runs first.  Code that must not
lose a result that came in time looks for it when its timer fires
(``HubEngineSocket._check_wait``).

uvloop (libuv) keeps that order and runs the hub's per-packet asyncio machinery
(handles, transports, futures) in C: more round trips a second on the same code
(tests/benchmarks).  It does not build on Windows; there asyncio's proactor loop stays.
"""

from __future__ import annotations

import asyncio
import heapq
import os
from selectors import EVENT_READ, EVENT_WRITE
from typing import Any


class HubSelectorEventLoop(asyncio.SelectorEventLoop):
    """``asyncio.SelectorEventLoop`` that runs due timers before the iteration's other
    callbacks.

    ``_run_once`` calls ``_process_events`` right after its select, before it looks at
    the timers: queuing the due ones there, in front, is the whole change.
    """

    def _process_events(self, event_list: list[Any]) -> None:
        """The due timers, then the handles of the ready sockets, onto the ready queue:
        asyncio's ``_process_events`` with its ``_add_callback`` call per ready socket
        written inline, as it runs for every packet."""
        self._queue_due_timers()
        ready = self._ready  # type: ignore[attr-defined]  # asyncio private, untyped
        for key, mask in event_list:
            reader, writer = key.data
            if mask & EVENT_READ and reader is not None:
                if reader._cancelled:
                    self._remove_reader(key.fileobj)  # type: ignore[attr-defined]  # asyncio private, untyped
                else:
                    ready.append(reader)
            if mask & EVENT_WRITE and writer is not None:
                if writer._cancelled:
                    self._remove_writer(key.fileobj)  # type: ignore[attr-defined]  # asyncio private, untyped
                else:
                    ready.append(writer)

    def _queue_due_timers(self) -> None:
        """Move the due timers from the heap to the front of the ready queue, earliest
        first.  asyncio's ``_run_once`` would append them after the rest."""
        scheduled = self._scheduled  # type: ignore[attr-defined]
        end = self.time() + self._clock_resolution  # type: ignore[attr-defined]
        due = []
        while scheduled and scheduled[0]._when < end:
            timer = heapq.heappop(scheduled)
            timer._scheduled = False
            if timer._cancelled:
                self._timer_cancelled_count -= 1  # type: ignore[attr-defined]
            else:
                due.append(timer)
        self._ready.extendleft(reversed(due))  # type: ignore[attr-defined]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The loop ``python -m server`` runs on: uvloop's where it is installed, else
    ``HubSelectorEventLoop``, except on Windows, where asyncio's default (proactor) loop
    is kept."""
    try:
        import uvloop
    except ImportError:  # not installed (Windows): asyncio's loop
        pass
    else:
        return uvloop.new_event_loop()
    if os.name == "nt":
        return asyncio.new_event_loop()
    return HubSelectorEventLoop()
