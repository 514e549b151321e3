"""Helpers for the desktop tests: coroutines on the Qt loop, real clients, the real app.

GUI tests are plain functions that hand a coroutine to ``qt_run``: it runs on the
asyncio loop inside Qt (made by ``desktop.loop.new_event_loop``, as the app makes it),
not on pytest-asyncio's loop, so Qt timers, widgets and the hub all share one loop.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.app import DesktopApp
from desktop.controller import State
from desktop.loop import new_event_loop
from helpers.support import LoggedProcess, wait_until
from server.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
QT_TEST_TIMEOUT = 60.0

QtRun = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(name="qt_run")
def qt_run_fixture(qapp: QApplication) -> Iterator[QtRun]:
    """``qt_run(coroutine)``: run it to completion on a fresh Qt-backed asyncio loop.

    Test modules import this function to register the fixture (pytest finds it by name).
    """
    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)

    def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        return loop.run_until_complete(asyncio.wait_for(coroutine, QT_TEST_TIMEOUT))

    try:
        yield run
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def app_settings(**overrides: Any) -> Settings:
    """The app's settings for a test: 127.0.0.1 and a free port."""
    return load_settings(**{"host": "127.0.0.1", "port": 0, **overrides})


@asynccontextmanager
async def running_app(tray_available: bool = False, **overrides: Any,
                      ) -> AsyncIterator[DesktopApp]:
    """The whole desktop app in this process on 127.0.0.1; quits through its one path."""
    app = DesktopApp(app_settings(**overrides), tray_available=tray_available)
    task = asyncio.ensure_future(app.run())
    await wait_until(lambda: app.controller.state in (State.RUNNING, State.ERROR) or task.done(),
                     message="the server to start or fail")
    try:
        yield app
    finally:
        app.request_quit()
        assert await task == 0
        app.deleteLater()


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
