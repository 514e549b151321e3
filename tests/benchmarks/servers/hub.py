"""Our hub for the benchmark, as the desktop app runs it or headless.

    python hub.py desktop|desktop-traffic|headless|headless-off|headless-asyncio PORT TICKS_FILE

``desktop``: the real app, ``desktop.app.DesktopApp`` without a tray, on
``desktop.loop.new_event_loop`` and Qt's offscreen platform: its window is shown, so the
``ConnectionsModel`` and the sorted ``QTableView`` follow every connection as they do for
a user, and a 16 ms QTimer stands in for the GUI's other work.  ``headless``: HubServer
on ``server.runtime.event_loop.new_event_loop`` (what ``python -m server`` runs) with a 16 ms loop
timer.  ``headless-off``: the same with the traffic inspector off, the baseline its cost is
measured against.  ``headless-asyncio``: ``headless`` on asyncio's loop
(``HubSelectorEventLoop``) instead of uvloop.
Logging at WARNING, like the reference, which logs nothing per connection.  SIGTERM stops
the hub (the desktop through the app's own quit path) and writes the timer's tick times
(ms since the epoch) to TICKS_FILE; the desktop also prints the table's row count at
SIGTERM and its peak to stderr.  ``desktop-traffic``: the desktop with its Traffic tab in
front, and how late each journal entry reached the traffic view's model (``watch_traffic``),
written beside the ticks.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from server.config import Settings, load_settings
from server.logging_config import configure_logging
from server.runtime.event_loop import HubSelectorEventLoop, new_event_loop
from server.runtime.runner import HubServer, skip_exit_collection, tune_gc

TICK_MS = 16


def bench_settings(port: int, inspector: bool = True) -> Settings:
    """The hub as the benchmark loads it: every client comes from 127.0.0.1, so the caps
    per address (open connections, sessions waiting for CONNECT) are lifted, and nothing
    is announced on the network."""
    return load_settings(host="127.0.0.1", port=port, logger_level="WARNING",
                         max_connections_per_ip=20_000, max_pending_sessions_per_ip=20_000,
                         discovery=False, inspector=inspector)


async def serve(port: int, ticks: list[float], start_ticking: bool,
                inspector: bool = True) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    hub = HubServer(bench_settings(port, inspector))
    await hub.start()
    tune_gc()  # as python -m server does (the desktop app does it in its run())
    if start_ticking:
        def tick() -> None:
            ticks.append(time.time() * 1000)
            loop.call_later(TICK_MS / 1000, tick)
        tick()
    print("ready", flush=True)
    await stop.wait()
    await hub.stop()


def watch_traffic(app: Any, lags: list[tuple[float, float]]) -> None:
    """The Traffic tab in front; for each entry its model takes, (when, ms since the
    journal recorded it)."""
    view = app.window.traffic
    app.window.tabs.setCurrentWidget(view)

    def inserted(_parent: Any, first: int, last: int) -> None:
        now = time.time() * 1000
        lags.extend((now, now - view.model.entry(row).time) for row in range(first, last + 1))

    view.model.rowsInserted.connect(inserted)


def serve_desktop(port: int, ticks: list[float],
                  lags: list[tuple[float, float]] | None = None) -> None:
    """The desktop app with its window shown, until SIGTERM (the app's quit path)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import DesktopApp
    from desktop.controller import State
    from desktop.loop import new_event_loop

    qapp = QApplication([])
    qapp.setQuitOnLastWindowClosed(False)
    rows = {"peak": 0, "at_sigterm": None}

    async def run() -> None:
        app = DesktopApp(bench_settings(port),
                         tray_available=False)
        if lags is not None:
            watch_traffic(app, lags)
        table = app.window.table

        def tick() -> None:
            ticks.append(time.time() * 1000)
            rows["peak"] = max(rows["peak"], table.model().rowCount())

        timer = QTimer()
        timer.setTimerType(QTimer().timerType().PreciseTimer)
        timer.timeout.connect(tick)
        timer.start(TICK_MS)
        task = asyncio.ensure_future(app.run())
        def starting() -> bool:
            return app.controller.state not in (State.RUNNING, State.ERROR) and not task.done()

        while starting():  # noqa: ASYNC110 - start-up only, polled as running_app does
            await asyncio.sleep(0.01)
        if app.controller.state is not State.RUNNING or not app.window.isVisible():
            raise RuntimeError(f"the app did not start: {app.controller.error}")
        print("ready", flush=True)
        # DesktopApp.run() handles SIGTERM itself; note what the table showed just then.
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: (
            rows.__setitem__("at_sigterm", table.model().rowCount()), app.request_quit()))
        try:
            await task
        finally:
            timer.stop()

    with asyncio.Runner(loop_factory=lambda: new_event_loop(qapp)) as runner:
        runner.run(run())
    print(f"desktop table rows: {rows['at_sigterm']} at SIGTERM, peak {rows['peak']}",
          file=sys.stderr, flush=True)


def main() -> None:
    mode, port, ticks_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    configure_logging("WARNING")
    ticks: list[float] = []
    if mode in ("headless", "headless-off", "headless-asyncio"):
        factory = HubSelectorEventLoop if mode == "headless-asyncio" else new_event_loop
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(serve(port, ticks, start_ticking=True, inspector=mode != "headless-off"))
    elif mode == "desktop-traffic":
        lags: list[tuple[float, float]] = []
        serve_desktop(port, ticks, lags)
        ticks_file.with_suffix(".lags.json").write_text(json.dumps(lags))
    else:
        serve_desktop(port, ticks)
    ticks_file.write_text(json.dumps(ticks))
    skip_exit_collection()  # as python -m server and the desktop app's main do


if __name__ == "__main__":
    main()
