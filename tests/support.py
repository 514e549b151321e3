"""Test helpers that are not fixtures: a hub on loopback and waiting for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from server.config import Settings, load_settings
from server.connections import ConnectionManager
from server.runner import HubServer

KINDS_AND_TRANSPORTS = [
    ("py", "websocket"), ("py", "polling"), ("js", "websocket"), ("js", "polling"),
]


def loopback_settings(**overrides: Any) -> Settings:
    """Settings for a hub on 127.0.0.1 with a free port."""
    return load_settings(**{"host": "127.0.0.1", "port": 0, **overrides})


@asynccontextmanager
async def running_hub(manager: ConnectionManager | None = None,
                      **overrides: Any) -> AsyncIterator[HubServer]:
    hub = HubServer(loopback_settings(**overrides), manager)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


def hub_url(hub: HubServer) -> str:
    return f"http://127.0.0.1:{hub.port}"


async def wait_until(condition: Callable[[], bool], within: float = 5.0,
                     message: str = "condition") -> None:
    """Poll ``condition`` until true; fail the test with ``message`` after ``within`` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {message}")
        await asyncio.sleep(0.01)
