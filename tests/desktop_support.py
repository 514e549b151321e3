"""Helpers for the desktop tests: coroutines on the Qt loop, real clients, the real app.

GUI tests are plain functions that hand a coroutine to ``qt_run``: it runs on the
asyncio loop inside Qt (made by ``desktop.loop.new_event_loop``, as the app makes it),
not on pytest-asyncio's loop, so Qt timers, widgets and the hub all share one loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from support import wait_until

from desktop.app import DesktopApp
from desktop.controller import State
from desktop.loop import new_event_loop
from server.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
QT_TEST_TIMEOUT = 60.0
SERVING = re.compile(r"serving Socket\.IO and the dashboard at (http://127\.0\.0\.1:\d+)")

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


class AppProcess:
    """``python -m desktop`` as a child process, its stderr collected line by line."""

    def __init__(self, config_file: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.config_file = config_file
        self.args = args
        base = {k: v for k, v in os.environ.items() if not k.startswith("SOCKETIO_")}
        self.env = {**base, "QT_QPA_PLATFORM": "offscreen",
                    "SOCKETIO_CONFIG_FILE": str(config_file), "SOCKETIO_HOST": "127.0.0.1",
                    "SOCKETIO_PORT": "0", **(env or {})}
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "desktop", *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process and self.process.stderr
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())

    async def wait_for_line(self, pattern: re.Pattern[str] | str) -> re.Match[str]:
        """The first stderr line matching ``pattern``; fails if the process ends first."""
        regex = re.compile(pattern)

        def found() -> bool:
            ended = self.process is not None and self.process.returncode is not None
            return ended or any(regex.search(line) for line in self.lines)

        await wait_until(found, within=20, message=f"a log line matching {regex.pattern!r}")
        for line in self.lines:
            if match := regex.search(line):
                return match
        raise AssertionError(f"the app ended without {regex.pattern!r}: {self.output()}")

    async def url(self) -> str:
        """Where the app's hub serves, once it says so."""
        return (await self.wait_for_line(SERVING)).group(1)

    async def wait(self) -> int:
        assert self.process
        code = await self.process.wait()
        if self._reader:
            await self._reader
        return code

    async def kill(self) -> None:
        """Clean-up for a test that failed half way: no process outlives its test."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.wait()

    def output(self) -> str:
        return "\n".join(self.lines)
