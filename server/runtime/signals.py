"""SIGINT and SIGTERM as a request to quit, for the headless hub and the desktop alike."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def quit_on_signals(loop: asyncio.AbstractEventLoop,
                    request_quit: Callable[[], None]) -> Iterator[None]:
    """Call ``request_quit`` on the loop when SIGINT or SIGTERM arrives.

    The loop wakes for signals through ``add_signal_handler`` (the loop inside Qt too: its
    self-pipe is watched like any socket).  Where a loop cannot (Windows), a plain
    Python handler hands the request to the loop thread-safely.
    """
    previous: dict[int, object] = {}
    for sig in QUIT_SIGNALS:
        try:
            loop.add_signal_handler(sig, request_quit)
        except NotImplementedError:
            previous[sig] = signal.signal(
                sig, lambda _signum, _frame: loop.call_soon_threadsafe(request_quit))
    try:
        yield
    finally:
        for sig in QUIT_SIGNALS:
            if sig in previous:
                signal.signal(sig, previous[sig])  # type: ignore[arg-type]
            else:
                loop.remove_signal_handler(sig)
