"""Our hub for the benchmark, as the desktop app runs it or headless.

    python hub.py desktop|headless PORT TICKS_FILE

``desktop``: HubServer on ``desktop.loop.new_event_loop`` with an offscreen QApplication
and a 16 ms QTimer, the GUI's stand-in.  ``headless``: HubServer on asyncio's default loop
(what ``python -m server`` runs) with a 16 ms loop timer.  Logging at WARNING, like the
reference, which logs nothing per connection.  SIGTERM stops the hub through
``HubServer.stop()`` and writes the timer's tick times (ms since the epoch) to TICKS_FILE.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from server.config import load_settings
from server.logging_config import configure_logging
from server.runner import HubServer

TICK_MS = 16


async def serve(port: int, ticks: list[float], start_ticking: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    hub = HubServer(load_settings(host="127.0.0.1", port=port, logger_level="WARNING"))
    await hub.start()
    if start_ticking:
        def tick() -> None:
            ticks.append(time.time() * 1000)
            loop.call_later(TICK_MS / 1000, tick)
        tick()
    print("ready", flush=True)
    await stop.wait()
    await hub.stop()


def main() -> None:
    mode, port, ticks_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    configure_logging("WARNING")
    ticks: list[float] = []
    if mode == "headless":
        asyncio.run(serve(port, ticks, start_ticking=True))
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from desktop.loop import new_event_loop

        app = QApplication([])
        timer = QTimer()
        timer.setTimerType(QTimer().timerType().PreciseTimer)
        timer.timeout.connect(lambda: ticks.append(time.time() * 1000))
        timer.start(TICK_MS)
        with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
            runner.run(serve(port, ticks, start_ticking=False))
    ticks_file.write_text(json.dumps(ticks))


if __name__ == "__main__":
    main()
