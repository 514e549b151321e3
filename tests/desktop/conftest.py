"""Fixtures of the desktop tests."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from helpers.desktop_support import QtRun
from PySide6.QtWidgets import QApplication

from desktop.loop import new_event_loop

QT_TEST_TIMEOUT = 60.0


@pytest.fixture(autouse=True)
def own_config_home(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's own ``XDG_CONFIG_HOME``: the app's settings file and its start-at-login
    entry are read and written there, never in the config of whoever runs the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(name="qt_run")
def qt_run_fixture(qapp: QApplication) -> Iterator[QtRun]:
    """``qt_run(coroutine)``: run it to completion on a fresh Qt-backed asyncio loop.

    It runs on the asyncio loop inside Qt (made by ``desktop.loop.new_event_loop``, as the
    app makes it), not on pytest-asyncio's loop, so Qt timers, widgets and the hub all
    share one loop.
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
