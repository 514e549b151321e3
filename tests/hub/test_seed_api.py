"""The seed's public names, used for real: ``create_app()`` served by a stock uvicorn with
real clients, ``server.connections.manager`` listing them, and ``server.config.settings``
read as every entry point reads the settings."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from helpers.support import wait_until

from server.app import create_app
from server.config import save_config_file
from server.connections import manager
from server.runtime.runner import bind_socket

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """``app`` under uvicorn as a seed user would run it, on 127.0.0.1; its URL."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await wait_until(lambda: server.started or serving.done(), message="uvicorn to start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        # Behind the Host guard, python-socketio's ASGIApp keeps its Socket.IO server
        # under this name; its background tasks stop before the web server does.
        await app.app.engineio_server.shutdown()
        server.should_exit = True
        await serving
        sock.close()


async def test_create_app_serves_the_hub_and_the_global_manager_lists_its_clients(clients):
    async with served(create_app()) as url:
        sensor = await clients("py", url, "websocket", {"name": "sensor"})
        browser = await clients("js", url, "polling", {"name": "browser"})
        await wait_until(lambda: manager.count() == 2, message="both registered")
        assert {(c.sid, c.name, c.transport) for c in manager.all()} == {
            (sensor.sid, "sensor", "websocket"), (browser.sid, "browser", "polling")}

        assert await sensor.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
        assert manager.get(sensor.sid).rooms == {"lab"}
        await browser.emit("message", "hello")
        assert await sensor.next_event("message") == [{"from": browser.sid, "data": "hello"}]
        async with httpx.AsyncClient(base_url=url) as http:
            listed = (await http.get("/api/connections")).json()
        assert {c["sid"] for c in listed["connections"]} == {sensor.sid, browser.sid}

        await sensor.close()
        await browser.close()
        await wait_until(lambda: manager.count() == 0, message="both removed")


SHOW_SETTINGS = """
import json
from server import config
from server.app import create_app
engine = create_app().app.engineio_server.eio
settings = config.settings
print(json.dumps({
    "same_object": settings is config.settings,
    "ping": [settings.ping_interval, settings.ping_timeout],
    "served_ping": [engine.ping_interval, engine.ping_timeout],
}))
"""

READ_BAD_SETTINGS = """
from server import config
try:
    config.settings
except config.SettingsError as exc:
    print(exc)
"""


def run_python(code: str, config_file: Path, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOCKETIO_")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**base, "SOCKETIO_CONFIG_FILE": str(config_file), **env}, check=True)
    return result.stdout


def test_settings_come_from_the_file_and_the_environment_and_create_app_serves_them(
        tmp_path, monkeypatch):
    config_file = tmp_path / "config.toml"
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(config_file))
    save_config_file({"ping_interval": 7, "ping_timeout": 2})
    shown = json.loads(run_python(SHOW_SETTINGS, config_file, SOCKETIO_PING_TIMEOUT="3"))
    assert shown == {"same_object": True, "ping": [7, 3], "served_ping": [7, 3]}


def test_a_bad_setting_surfaces_when_settings_are_read_not_on_import(tmp_path):
    printed = run_python(READ_BAD_SETTINGS, tmp_path / "config.toml", SOCKETIO_PORT="-1")
    assert "SOCKETIO_PORT" in printed and "'-1'" in printed
