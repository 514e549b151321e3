"""``python -m server``: the hub alone, stopped by a signal with clients still connected."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys

import pytest
from helpers.clients import JsClient, PyClient

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
    # A hang guard: a parked poll would hold the exit for a whole poll (25 s); the speed
    # is the benchmark's "shutdown with 1,000 connected" row.
    returncode = await asyncio.wait_for(process.wait(), 10)
    assert returncode == 0
    for client in clients:
        await asyncio.wait_for(client.disconnected.wait(), 5)
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
