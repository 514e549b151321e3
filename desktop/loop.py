"""The event loop shared by Qt and the hub server.

qasync runs asyncio inside Qt's event loop, but schedules every ``call_soon`` as its own
Qt timer (10 to 40 µs a callback, against about 1 µs on asyncio's own loop), and turns
each socket event into a notifier disable, a ``call_soon`` and a re-enable.  The hub's
hot path is made of exactly those callbacks, so ``HubEventLoop`` keeps qasync's Qt
integration (``run_forever`` through ``QApplication.exec()``, its executor, its exception
handling) and replaces the scheduling the way asyncio's ``BaseEventLoop`` does it:

* ready callbacks go to asyncio's ``_ready`` deque, drained in batches (what was ready
  when the batch began, like ``_run_once``, but for at most ``BATCH_BUDGET_SECONDS``)
  from one posted Qt event per batch; Qt runs its own events between two batches, so
  the GUI is never starved;
* timers go to asyncio's ``_scheduled`` heap, driven by one precise single-shot QTimer
  armed for the earliest deadline;
* each file descriptor has one reusable ``QSocketNotifier`` per direction whose ``event()``
  runs the reader or writer at once: no signal emission, no enable/disable per event
  (asyncio's selector reports readiness the same way, level-triggered, without toggling).

Everything here overrides qasync's private ``_QEventLoop`` methods by subclassing; the
installed package is never edited.  POSIX only (qasync's Windows loop is a proactor).
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import math
import time
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSocketNotifier, Qt, QTimer

_WAKE = QEvent.Type(QEvent.registerEventType())
_SOCKET_ACTIVATED = QEvent.Type.SockAct
# asyncio's thresholds for rebuilding a heap full of cancelled timers.
_MIN_CANCELLED_TIMERS_TO_CLEAN = 100
_MAX_CANCELLED_TIMERS_FRACTION = 0.5
BATCH_BUDGET_SECONDS = 0.008
"""A batch stops after this long and lets Qt run (paint, input, its timers) before the
rest: a broadcast to 1,000 clients wakes 1,000 writer tasks at once."""


class _Waker(QObject):
    """Receives the posted event that runs one batch of ready callbacks."""

    def __init__(self, run_batch: Callable[[], None]) -> None:
        super().__init__()
        self._run_batch = run_batch

    def event(self, event: QEvent) -> bool:
        if event.type() == _WAKE:
            self._run_batch()
            return True
        return super().event(event)


class _Notifier(QSocketNotifier):
    """One descriptor and direction; runs its current handle when Qt reports readiness."""

    def __init__(self, fd: int, kind: QSocketNotifier.Type) -> None:
        super().__init__(fd, kind)
        self.handle: asyncio.Handle | None = None

    def event(self, event: QEvent) -> bool:
        if event.type() == _SOCKET_ACTIVATED:
            handle = self.handle
            if handle is not None:
                handle._run()  # exceptions go to the loop's exception handler
            return True
        return super().event(event)


class HubEventLoop(qasync.QEventLoop):  # type: ignore[misc,valid-type]
    """qasync's loop with asyncio's ready queue, timer heap and cheap socket notifiers."""

    def __init__(self, app: QCoreApplication) -> None:
        # Before qasync's __init__: asyncio's registers its self-pipe reader in there.
        self._notifiers: dict[tuple[int, QSocketNotifier.Type], _Notifier] = {}
        self._waker = _Waker(self._run_batch)
        self._wake_posted = False
        self._heap_timer = QTimer()
        self._heap_timer.setSingleShot(True)
        self._heap_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._heap_timer.timeout.connect(self._on_timer)
        self._timer_armed_at: float | None = None
        super().__init__(app)

    # -- scheduling ------------------------------------------------------------------

    def call_soon(self, callback: Callable[..., object], *args: Any,
                  context: contextvars.Context | None = None) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)
        if not self._wake_posted:
            self._post_wake()
        return handle

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any,
                   context: contextvars.Context | None = None) -> asyncio.TimerHandle:
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(self, when: float, callback: Callable[..., object], *args: Any,
                context: contextvars.Context | None = None) -> asyncio.TimerHandle:
        self._check_closed()
        timer = asyncio.TimerHandle(when, callback, args, self, context)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        # A pending batch re-arms the timer when it ends; otherwise arm it now.
        if not self._wake_posted and self._scheduled[0] is timer:
            self._arm_timer(when)
        return timer

    def call_soon_threadsafe(self, callback: Callable[..., object], *args: Any,
                             context: contextvars.Context | None = None) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)  # deque.append is atomic
        self._write_to_self()
        return handle

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> None:
        """asyncio's signal path (``_add_callback_signalsafe``) lands here."""
        if not handle._cancelled:
            self._ready.append(handle)

    def _write_to_self(self) -> None:
        """Wake Qt from any thread or a signal handler: ``postEvent`` is thread-safe."""
        QCoreApplication.postEvent(self._waker, QEvent(_WAKE))

    def _post_wake(self) -> None:
        self._wake_posted = True
        QCoreApplication.postEvent(self._waker, QEvent(_WAKE))

    def _arm_timer(self, when: float) -> None:
        if self._timer_armed_at is not None and self._timer_armed_at <= when:
            return
        self._timer_armed_at = when
        self._heap_timer.start(max(0, math.ceil((when - self.time()) * 1000)))

    def _on_timer(self) -> None:
        self._timer_armed_at = None
        self._run_batch()

    def _run_batch(self) -> None:
        """One iteration of asyncio's ``_run_once``, with Qt doing the waiting."""
        if self.is_closed():
            return
        self._wake_posted = True  # callbacks of this batch need not post: we re-arm below
        ready, scheduled = self._ready, self._scheduled
        if (self._timer_cancelled_count > _MIN_CANCELLED_TIMERS_TO_CLEAN
                and self._timer_cancelled_count
                > len(scheduled) * _MAX_CANCELLED_TIMERS_FRACTION):
            self._scheduled = scheduled = [t for t in scheduled if not t._cancelled]
            for timer in scheduled:
                timer._scheduled = True
            heapq.heapify(scheduled)
            self._timer_cancelled_count = 0
        end = self.time() + self._clock_resolution
        while scheduled:
            timer = scheduled[0]
            if timer._cancelled:
                self._timer_cancelled_count -= 1
            elif timer._when > end:
                break
            else:
                ready.append(timer)
            heapq.heappop(scheduled)
            timer._scheduled = False
        deadline = end + BATCH_BUDGET_SECONDS
        try:
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
                if time.monotonic() > deadline:
                    break  # the rest, still first in line, after Qt has had its turn
        finally:
            self._wake_posted = False
            if ready:
                self._post_wake()
            elif scheduled:
                self._arm_timer(scheduled[0]._when)

    # -- file descriptors --------------------------------------------------------------

    def _watch(self, fd: Any, kind: QSocketNotifier.Type, callback: Callable[..., object],
               args: tuple[Any, ...]) -> None:
        self._check_closed()
        fd = qasync._fileno(fd)
        notifier = self._notifiers.get((fd, kind))
        if notifier is None:
            notifier = self._notifiers[fd, kind] = _Notifier(fd, kind)
        notifier.handle = asyncio.Handle(callback, args, self, None)
        notifier.setEnabled(True)

    def _unwatch(self, fd: Any, kind: QSocketNotifier.Type) -> bool:
        """Disable, but keep the notifier: deleting it from its own ``event()`` would crash,
        and the descriptor number is soon reused by the next connection."""
        if self.is_closed():
            return False
        notifier = self._notifiers.get((qasync._fileno(fd), kind))
        if notifier is None or notifier.handle is None:
            return False
        notifier.handle = None
        notifier.setEnabled(False)
        return True

    def _add_reader(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        self._watch(fd, QSocketNotifier.Type.Read, callback, args)

    def _remove_reader(self, fd: Any) -> bool:
        return self._unwatch(fd, QSocketNotifier.Type.Read)

    def _add_writer(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        self._watch(fd, QSocketNotifier.Type.Write, callback, args)

    def _remove_writer(self, fd: Any) -> bool:
        return self._unwatch(fd, QSocketNotifier.Type.Write)

    def close(self) -> None:
        release = not self.is_running() and not self.is_closed()
        super().close()
        if not release:
            return
        self._heap_timer.stop()
        for notifier in self._notifiers.values():
            notifier.handle = None
            notifier.setEnabled(False)
        self._notifiers.clear()


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """An asyncio loop that runs inside Qt's event loop for ``app``."""
    return HubEventLoop(app)
