"""The log is safe to keep: no token reaches it, even at DEBUG where every packet and URL
is written, and a repeating failure is one line with a count, not a flood."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from helpers.clients import ConnectRefused, JsClient, PyClient
from helpers.support import LoggedProcess

from server.log_filters import SuppressRepeats, redact

AUTH_TOKEN = "auth-SECRET-4c1f9e"
DASHBOARD_TOKEN = "dash-SECRET-77ab02"
GUESS = "guess-SECRET-0d3e5a"


async def test_tokens_in_auth_and_urls_never_reach_a_debug_log(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "SOCKETIO_CONFIG_FILE": str(tmp_path / "config.toml"),
           "SOCKETIO_AUTH_TOKEN": AUTH_TOKEN, "SOCKETIO_DASHBOARD_TOKEN": DASHBOARD_TOKEN}
    server = LoggedProcess([sys.executable, "-m", "server", "--host", "127.0.0.1",
                            "--port", "0", "--log-level", "DEBUG"], env)
    await server.start()
    try:
        url = await server.url()
        auth = {"token": AUTH_TOKEN, "name": "probe"}
        sender = PyClient(f"{url}?token={AUTH_TOKEN}", "websocket", auth)
        receiver = PyClient(f"{url}?token={AUTH_TOKEN}", "polling", auth)
        browser = JsClient(url, "websocket", auth)
        for client in (sender, receiver, browser):
            await client.connect()
        with pytest.raises(ConnectRefused):
            await PyClient(url, "websocket", {"token": GUESS}).connect()
        await sender.emit("message", "hello")
        assert (await receiver.next_event("message"))[0]["data"] == "hello"
        async with httpx.AsyncClient(timeout=10, follow_redirects=True) as http:
            page = await http.get(f"{url}/?token={DASHBOARD_TOKEN}")
            assert page.status_code == 200
        for client in (sender, receiver, browser):
            await client.close()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        assert await server.wait() == 0
    finally:
        await server.kill()

    log = server.output()
    for secret in (AUTH_TOKEN, DASHBOARD_TOKEN, GUESS):
        assert secret not in log
    assert "Received packet MESSAGE data 0<redacted>" in log  # DEBUG really wrote packets


@pytest.mark.parametrize(("line", "kept"), [
    ('abc: Received packet MESSAGE data 0{"token":"s3"}', "abc: Received packet MESSAGE data 0"),
    ("x: Received packet MESSAGE data 0/admin,{\"k\":1}", "data 0/admin,<redacted>"),
    ('"WebSocket /socket.io/?EIO=4&token=s3&transport=websocket" [accepted]',
     "?EIO=4&token=<redacted>&transport=websocket"),
    ("GET /?dashboard_token=s3 HTTP/1.1", "/?dashboard_token=<redacted> "),
    ("{'auth': 1, \"password\": \"s3\\\"x\"}", '"password": "<redacted>"}'),
    ("auth={'token': 's3', 'name': 'n'}", "{'token': \"<redacted>\", 'name': 'n'}"),
])
def test_redaction_keeps_the_line_and_drops_the_secret(line: str, kept: str) -> None:
    cleaned = redact(line)
    assert kept in cleaned
    assert "s3" not in cleaned and "\"k\"" not in cleaned


def test_a_repeating_failure_is_written_once_per_window_with_its_count() -> None:
    now = [0.0]
    repeats = SuppressRepeats(window=10.0, clock=lambda: now[0])

    def record(level: int, port: int) -> logging.LogRecord:
        return logging.LogRecord("server.x", level, __file__, 1, "accept failed on %d",
                                 (port,), None)

    written = []
    for second in range(30):  # 100 failures a second for 30 s
        now[0] = float(second)
        for port in range(100):
            failure = record(logging.ERROR, port)
            if repeats.filter(failure) and repeats.filter(failure):  # two handlers, one verdict
                written.append(failure.getMessage())
    assert written == ["accept failed on 0", "accept failed on 0 (repeated 999 times)",
                       "accept failed on 0 (repeated 999 times)"]
    assert all(repeats.filter(record(logging.INFO, port)) for port in range(100))
