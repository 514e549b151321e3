"""``python -m server``: the hub alone, stopped by a signal with clients still connected."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from helpers.clients import JsClient, PyClient
from helpers.support import HANG_GUARD

from server.config import read_config_file

LISTENING = b"serving Socket.IO and the dashboard at http://127.0.0.1:"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_headless(port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=asyncio.subprocess.PIPE)
    assert process.stderr
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), 20)
        assert line, "the server exited before listening"
        if LISTENING in line:
            return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_disconnects_everyone_and_exits_0(sig):
    port = free_port()
    process = await start_headless(port)
    url = f"http://127.0.0.1:{port}"
    clients = [PyClient(url, "polling"), PyClient(url, "websocket"),
               JsClient(url, "polling"), JsClient(url, "websocket")]
    await asyncio.gather(*(c.connect() for c in clients))
    await asyncio.sleep(0.2)  # let the polling clients park their GET requests
    process.send_signal(sig)
    # A hang guard under the 25 s a parked poll would hold the exit for; the speed is the
    # benchmark's "shutdown with 1,000 connected" row.
    returncode = await asyncio.wait_for(process.wait(), HANG_GUARD)
    assert returncode == 0
    for client in clients:
        await asyncio.wait_for(client.disconnected.wait(), HANG_GUARD)
        await client.close()


async def test_busy_port_is_a_clear_error_not_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
            stderr=asyncio.subprocess.PIPE)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert f"127.0.0.1:{port}".encode() in stderr and b"already in use" in stderr
    assert b"Traceback" not in stderr


def test_version_and_help():
    for flag in ("--version", "--help"):
        result = subprocess.run([sys.executable, "-m", "server", flag],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0
        assert "socketio-tray" in result.stdout or "SOCKETIO_" in result.stdout


async def test_a_generated_dashboard_token_is_kept_and_served_on_the_next_start(
        tmp_path, monkeypatch):
    """``python -m server`` is an entry point: it keeps the token it generates, and the
    next start lets the LAN in with that token (the LAN seen through a trusted proxy on
    127.0.0.1, as tests/dashboard does)."""
    config_file = tmp_path / "config.toml"
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("SOCKETIO_TRUSTED_PROXIES", "127.0.0.1/32")
    lan = {"x-forwarded-for": "192.168.1.50"}
    tokens = []
    for _ in range(2):
        port = free_port()
        process = await start_headless(port)
        try:
            token = read_config_file(config_file)["dashboard_token"]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                assert (await http.get("/api/connections", headers=lan)).status_code == 401
                bearer = {**lan, "authorization": f"Bearer {token}"}
                assert (await http.get("/api/connections", headers=bearer)).status_code == 200
            tokens.append(token)
        finally:
            process.terminate()
            assert await asyncio.wait_for(process.wait(), 10) == 0
    assert tokens[0] == tokens[1]
