"""Shared fixtures: a real hub on 127.0.0.1 and real clients talking to it."""

from __future__ import annotations

import os
import tempfile

# Before anything imports Qt: without a display, pytest-qt would abort the interpreter.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read or write the user's real config file, nor take settings from the caller.
for _name in [n for n in os.environ if n.startswith("SOCKETIO_")]:
    del os.environ[_name]
os.environ["SOCKETIO_CONFIG_FILE"] = os.path.join(tempfile.mkdtemp(), "config.toml")

from collections.abc import AsyncIterator, Callable  # noqa: E402

import pytest  # noqa: E402
from helpers.clients import ConnectClient, real_clients  # noqa: E402
from helpers.support import running_hub  # noqa: E402

from server.runtime.event_loop import new_event_loop  # noqa: E402
from server.runtime.runner import HubServer  # noqa: E402


def pytest_asyncio_loop_factories(config: pytest.Config,
                                  item: pytest.Item) -> dict[str, Callable[[], object]]:
    """Every async test runs on the loop ``python -m server`` runs on."""
    return {"hub_loop": new_event_loop}


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
