"""Shared fixtures: a real hub on 127.0.0.1 and real clients talking to it."""

from __future__ import annotations

import importlib.util
import os
import tempfile

# Before anything imports Qt: without a display, pytest-qt would abort the interpreter.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read or write the user's real config file, nor take settings from the caller.
for _name in [n for n in os.environ if n.startswith("SOCKETIO_")]:
    del os.environ[_name]
os.environ["SOCKETIO_CONFIG_FILE"] = os.path.join(tempfile.mkdtemp(), "config.toml")
# No mDNS unless a test asks for it (discovery=True): hubs and the processes tests start
# stay silent, and the machine never multicasts on an interface it should not.
os.environ["SOCKETIO_DISCOVERY"] = "false"

from collections.abc import AsyncIterator, Callable, Iterator  # noqa: E402

import pytest  # noqa: E402
from helpers.clients import ConnectClient, real_clients  # noqa: E402
from helpers.redis_server import RedisServer, running_redis  # noqa: E402
from helpers.support import running_hub  # noqa: E402

from server.runtime.event_loop import new_event_loop  # noqa: E402
from server.runtime.runner import HubServer  # noqa: E402

DESKTOP_LOOP = "also_on_the_desktop_loop"
_qt_app: list[object] = []  # the one QApplication, made by the first desktop loop


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{DESKTOP_LOOP}: run this async test on the desktop app's Qt loop too")


def pytest_asyncio_loop_factories(config: pytest.Config,
                                  item: pytest.Item) -> dict[str, Callable[[], object]]:
    """Every async test runs on the loop ``python -m server`` runs on; those marked
    ``also_on_the_desktop_loop`` also on the one the desktop app runs the hub on (where
    PySide6 is installed: the lowest-versions venv has no desktop extra)."""
    factories: dict[str, Callable[[], object]] = {"hub_loop": new_event_loop}
    if item.get_closest_marker(DESKTOP_LOOP) and importlib.util.find_spec("PySide6"):
        factories["desktop_loop"] = new_desktop_loop
    return factories


def new_desktop_loop() -> object:
    """``desktop.loop.new_event_loop``, as the app makes it: Qt and the hub on one loop."""
    from PySide6.QtWidgets import QApplication

    from desktop.loop import new_event_loop as new_qt_loop

    if not _qt_app:
        _qt_app.append(QApplication.instance() or QApplication([]))
    return new_qt_loop(_qt_app[0])


@pytest.fixture
async def hub() -> AsyncIterator[HubServer]:
    """A hub with default settings on 127.0.0.1 and a free port."""
    async with running_hub() as server:
        yield server


@pytest.fixture
async def clients() -> AsyncIterator[ConnectClient]:
    """``await clients(kind, url, transport, auth=None)``: connected clients, closed after."""
    async with real_clients() as connect:
        yield connect


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, persistence off, stopped after."""
    with running_redis() as server:
        yield server
