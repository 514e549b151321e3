"""The event loop shared by Qt and the hub server.

qasync runs asyncio inside Qt's event loop, but schedules every ``call_soon`` as its own
Qt timer (10 to 40 µs a callback, against about 1 µs on asyncio's own loop), and watches
each socket with its own ``QSocketNotifier``, so every Qt wake-up polls every client's
socket.  The hub's hot path is made of exactly those callbacks and sockets, so
``HubEventLoop`` keeps qasync's Qt integration (``run_forever`` through
``QApplication.exec()``, its executor, its exception handling) and does the rest the way
the headless server's loop (``server.runtime.event_loop``, asyncio's with due timers first) does,
with Qt doing the waiting:

* sockets are registered with asyncio's own selector (epoll on Linux), and Qt watches only
  the selector's descriptor, with one notifier: a wake-up costs the same with 5 clients or
  5,000, and the sockets that became ready are read in the same batch; pausing a
  socket's reading leaves it registered, as libuv does (``reading_transport``);
* ready callbacks go to asyncio's ``_ready`` deque; a batch runs whole iterations (the
  due timers, what was ready when the iteration began, then the ready sockets, in the
  headless loop's order) while there is work, for at most ``BATCH_BUDGET_SECONDS``,
  started by a queued Qt signal; Qt runs its own events between two batches, so the GUI
  is never starved;
* timers go to asyncio's ``_scheduled`` heap, driven by one precise single-shot QTimer
  armed for the earliest deadline.

Everything here overrides qasync's private ``_QEventLoop`` methods by subclassing; the
installed package is never edited.  POSIX only: on Windows, where asyncio's selector
cannot be watched by Qt, ``new_event_loop`` returns qasync's own loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import heapq
import math
import os
import socket
import time
from asyncio.selector_events import BaseSelectorEventLoop
from collections.abc import Callable
from typing import Any, TypeVarTuple

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSocketNotifier, Qt, QTimer, Signal

from server.runtime.event_loop import HubSelectorEventLoop

from .reading_transport import LazyPauseTransport

_Ts = TypeVarTuple("_Ts")
_new_handle = object.__new__  # a Handle without its __init__ (see HubEventLoop.call_soon)
_SOCKET_ACTIVATED = QEvent.Type.SockAct
# asyncio's thresholds for rebuilding a heap full of cancelled timers.
_MIN_CANCELLED_TIMERS_TO_CLEAN = 100
_MAX_CANCELLED_TIMERS_FRACTION = 0.5
BATCH_BUDGET_SECONDS = 0.002
"""A batch stops after this long and lets Qt run (paint, input, its timers) before the
rest: a broadcast to 1,000 clients wakes 1,000 writer tasks at once.  Short, because a
due Qt timer can wait behind two batches: with 8 ms, the benchmark's 16 ms QTimer had a
p99 gap of 33 ms during echo; with 2 ms, 20 ms, and a round through Qt (a few µs plus
Qt's own work) is still small beside a batch."""
CLOCK_CHECK_EVERY = 32
"""Callbacks run between two looks at the clock.  A look costs about what a short
callback does: looking after each one made callback-heavy loads 7-11 % slower than on
asyncio's loop, every 32 callbacks 2-4 %.  A batch may overrun its budget by 31 of the
hub's callbacks, a few µs each."""


class _Waker(QObject):
    """Runs one batch per ``wake`` emitted: a queued connection posts the call to Qt's
    event queue (a posted event, cheaper than one of our own, and thread-safe)."""

    wake = Signal()

    def __init__(self, run_batch: Callable[[], None]) -> None:
        super().__init__()
        self.wake.connect(run_batch, Qt.ConnectionType.QueuedConnection)


class _SelectorNotifier(QSocketNotifier):
    """Asks for a batch when the selector's descriptor is readable, that is, when any
    socket registered with it is ready.  The batch itself runs from a posted event: Qt's
    glib dispatcher demotes its timers after they fire and promotes them again only after
    posted events, so batches run straight from socket activations would starve them."""

    def __init__(self, fd: int, request_batch: Callable[[], None]) -> None:
        super().__init__(fd, QSocketNotifier.Type.Read)
        self._request_batch = request_batch

    def event(self, event: QEvent) -> bool:
        if event.type() == _SOCKET_ACTIVATED:
            self._request_batch()
            return True
        return super().event(event)


class HubEventLoop(qasync._QEventLoop, HubSelectorEventLoop):  # type: ignore[misc]  # qasync is untyped: a base of type Any
    """qasync's Qt integration over asyncio's selector, ready queue and timer heap.

    qasync's own Unix loop passes asyncio a stand-in selector that makes a notifier per
    socket; leaving it out of the bases gives ``SelectorEventLoop`` its default one.
    The iteration and its order are the headless loop's, so that the hub runs the same
    way in both front ends.
    """

    # asyncio's private state, which typeshed does not declare.
    _ready: collections.deque[asyncio.Handle]
    _scheduled: list[asyncio.TimerHandle]
    _timer_cancelled_count: int
    _closed: bool
    _debug: bool

    def __init__(self, app: QCoreApplication) -> None:
        self._waker = _Waker(self._run_batch)
        self._wake_posted = False
        self._heap_timer = QTimer()
        self._heap_timer.setSingleShot(True)
        self._heap_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._heap_timer.timeout.connect(self._on_timer)
        self._timer_armed_at: float | None = None
        self._unfinished = 0  # callbacks of an iteration cut at the budget, first in _ready
        # qasync's __init__ takes the app and calls asyncio's (next in the MRO) itself.
        qasync._QEventLoop.__init__(self, app)
        self._selector_notifier = _SelectorNotifier(self._selector.fileno(), self._io_ready)

    # qasync's run_forever calls these; its Unix selector loop makes them no-ops too.
    def _before_run_forever(self) -> None:
        pass

    def _after_run_forever(self) -> None:
        pass

    # -- scheduling ------------------------------------------------------------------

    def call_soon(self, callback: Callable[[*_Ts], object], *args: *_Ts,
                  context: contextvars.Context | None = None) -> asyncio.Handle:
        """asyncio's ``call_soon``, which every resolved future and woken task goes
        through, without its three Python calls (``_check_closed``, ``Handle.__init__``
        and the ``get_debug`` it makes): the handle's fields are filled in here.  In debug
        mode, asyncio's own, with its checks and the handle's creation traceback."""
        if self._debug:
            handle = asyncio.BaseEventLoop.call_soon(self, callback, *args, context=context)
        elif self._closed:
            raise RuntimeError("Event loop is closed")
        else:
            handle = _new_handle(asyncio.Handle)
            handle._callback = callback  # type: ignore[attr-defined]  # asyncio's private fields
            handle._args = args
            handle._loop = self  # type: ignore[attr-defined]  # asyncio private, untyped
            handle._context = (  # type: ignore[attr-defined]  # asyncio private, untyped
                contextvars.copy_context() if context is None else context)
            handle._cancelled = False
            handle._repr = None  # type: ignore[attr-defined]  # asyncio private, untyped
            handle._source_traceback = None  # type: ignore[attr-defined]  # asyncio private, untyped
            self._ready.append(handle)
        if not self._wake_posted:
            self._post_wake()
        return handle

    def call_later(self, delay: float, callback: Callable[[*_Ts], object], *args: *_Ts,
                   context: contextvars.Context | None = None) -> asyncio.TimerHandle:
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(self, when: float, callback: Callable[[*_Ts], object], *args: *_Ts,
                context: contextvars.Context | None = None) -> asyncio.TimerHandle:
        self._check_closed()
        timer = asyncio.TimerHandle(when, callback, args, self, context)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True  # type: ignore[attr-defined]  # asyncio's flag, not in typeshed
        # A pending batch re-arms the timer when it ends; otherwise arm it now.
        if not self._wake_posted and self._scheduled[0] is timer:
            self._arm_timer(when)
        return timer

    def call_soon_threadsafe(self, callback: Callable[[*_Ts], object], *args: *_Ts,
                             context: contextvars.Context | None = None) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)  # deque.append is atomic
        self._write_to_self()
        return handle

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> None:
        """Where the selector's events and asyncio's signal path put their handles."""
        if not handle._cancelled:
            self._ready.append(handle)

    def _write_to_self(self) -> None:
        """Wake Qt from any thread or a signal handler."""
        self._waker.wake.emit()

    def _post_wake(self) -> None:
        self._wake_posted = True
        self._waker.wake.emit()

    def _io_ready(self) -> None:
        if not self._wake_posted:
            self._post_wake()

    def _arm_timer(self, when: float) -> None:
        if self._timer_armed_at is not None and self._timer_armed_at <= when:
            return
        self._timer_armed_at = when
        self._heap_timer.start(max(0, math.ceil((when - self.time()) * 1000)))

    def _on_timer(self) -> None:
        self._timer_armed_at = None
        self._run_batch()

    def _run_batch(self) -> None:
        """asyncio's ``_run_once`` again and again while it finds work, for at most
        ``BATCH_BUDGET_SECONDS``; then Qt has its turn, and does the waiting.  Under load
        the next socket is often ready before the batch ends: it is read at once, not
        after a round through Qt."""
        if self.is_closed():
            return
        self._wake_posted = True  # callbacks of this batch need not post: we re-arm below
        deadline = time.monotonic() + BATCH_BUDGET_SECONDS
        try:
            if self._run_ready(self._unfinished, deadline):
                while self._run_once(deadline) and self.is_running():
                    pass
        finally:
            self._wake_posted = False
            if self._ready:
                self._post_wake()
            elif self._scheduled:
                self._arm_timer(self._scheduled[0].when())

    def _run_once(self, deadline: float) -> bool:
        """One iteration of the headless loop without the wait: the timers that are due,
        what was ready when it began, then the sockets that are ready.  Whether to go
        round again: False if there was nothing to run, or at ``deadline``."""
        if (self._timer_cancelled_count > _MIN_CANCELLED_TIMERS_TO_CLEAN
                and self._timer_cancelled_count
                > len(self._scheduled) * _MAX_CANCELLED_TIMERS_FRACTION):
            self._scheduled = [t for t in self._scheduled if not t._cancelled]
            for timer in self._scheduled:
                timer._scheduled = True  # type: ignore[attr-defined]  # as in call_at
            heapq.heapify(self._scheduled)
            self._timer_cancelled_count = 0
        self._process_events(self._selector.select(0))  # queues the due timers first
        ready = self._ready
        return bool(ready) and self._run_ready(len(ready), deadline)

    def _run_ready(self, count: int, deadline: float) -> bool:
        """Run the first ``count`` ready callbacks; False if stopped at ``deadline``.  The
        rest of an iteration cut short runs first in the next batch, before any new
        select: an iteration is split, never reordered, and no socket is read twice."""
        ready = self._ready
        left = min(count, len(ready))
        while left:
            step = min(left, CLOCK_CHECK_EVERY)
            left -= step
            for _ in range(step):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
            if time.monotonic() > deadline:
                self._unfinished = left
                return False
        self._unfinished = 0
        return True

    # -- file descriptors: asyncio's selector, not qasync's notifier per socket --------

    # Private asyncio methods, looked up by name: typeshed does not declare them.
    _add_reader = vars(BaseSelectorEventLoop)["_add_reader"]
    _remove_reader = vars(BaseSelectorEventLoop)["_remove_reader"]
    _add_writer = vars(BaseSelectorEventLoop)["_add_writer"]
    _remove_writer = vars(BaseSelectorEventLoop)["_remove_writer"]

    def _make_socket_transport(self, sock: socket.socket, protocol: asyncio.BaseProtocol,
                               waiter: asyncio.Future[None] | None = None, *,
                               extra: dict[str, Any] | None = None,
                               server: asyncio.AbstractServer | None = None
                               ) -> asyncio.Transport:
        """Plain sockets pause and resume reading the way libuv does (``reading_transport``)."""
        return LazyPauseTransport(self, sock, protocol, waiter, extra, server)

    def close(self) -> None:
        if not self.is_running() and not self.is_closed():
            self._heap_timer.stop()
            self._selector_notifier.setEnabled(False)  # before asyncio closes its descriptor
        super().close()


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """An asyncio loop that runs inside Qt's event loop for ``app``."""
    if os.name == "nt":
        loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
        return loop
    return HubEventLoop(app)
