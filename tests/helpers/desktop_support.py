"""Helpers for the desktop tests: coroutines on the Qt loop, real clients, the real app.

GUI tests are plain functions that hand a coroutine to the ``qt_run`` fixture
(tests/desktop/conftest.py), typed ``QtRun`` here.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from desktop.app import DesktopApp
from desktop.controller import State
from helpers.support import LoggedProcess, loopback_settings, wait_until

ROOT = Path(__file__).resolve().parents[2]

QtRun = Callable[[Coroutine[Any, Any, Any]], Any]


@asynccontextmanager
async def running_app(tray_available: bool = False, **overrides: Any,
                      ) -> AsyncIterator[DesktopApp]:
    """The whole desktop app in this process on 127.0.0.1; quits through its one path."""
    app = DesktopApp(loopback_settings(**overrides), tray_available=tray_available)
    task = asyncio.ensure_future(app.run())
    await wait_until(lambda: app.controller.state in (State.RUNNING, State.ERROR) or task.done(),
                     message="the server to start or fail")
    try:
        yield app
    finally:
        app.request_quit()
        assert await task == 0
        app.deleteLater()


def right_click(view: QAbstractItemView, where: QPoint) -> None:
    """A right click's context menu event as Qt delivers it: to the viewport, at a point in
    the viewport's coordinates."""
    viewport = view.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, where, viewport.mapToGlobal(where)))


def press_menu_key(window: QWidget) -> None:
    """The Menu key's context menu event, as the platform hands it to the window: Qt's own
    code then sends it to the focus widget at the point Qt computes for it (the current
    row's centre, in the table's coordinates).  The offscreen platform turns no key press
    into this event, so it is made here: the position is Qt's, not the test's."""
    QApplication.sendEvent(window.windowHandle(), QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, QPoint(), QPoint()))


def app_url(app: DesktopApp) -> str:
    return f"http://127.0.0.1:{app.controller.port}"


class AppProcess(LoggedProcess):
    """``python -m desktop`` as a child process on Qt's offscreen platform."""

    def __init__(self, config_file: Path, *args: str, env: dict[str, str] | None = None) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("SOCKETIO_")}
        super().__init__(
            [sys.executable, "-m", "desktop", *args],
            {**base, "QT_QPA_PLATFORM": "offscreen", "SOCKETIO_CONFIG_FILE": str(config_file),
             "SOCKETIO_HOST": "127.0.0.1", "SOCKETIO_PORT": "0", **(env or {})},
            cwd=ROOT,
        )
        self.config_file = config_file
