"""The "Connect a device" snippets work when pasted: the JavaScript one under node with the
pinned socket.io-client, the Python one under this venv's python, each against a live hub
on 127.0.0.1 with the address filled in as the window and the dashboard fill it in.

A client of the test's own, in the same room, sees what the snippet sends and sends it a
message back; the snippet runs until the test ends it, as it would for a user.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.clients import JS_DIR, Client, ConnectClient
from helpers.support import LoggedProcess, hub_url, running_hub, wait_until

from server.connect_snippets import ROOM, TOKEN_PLACEHOLDER, Snippet, snippets
from server.runtime.runner import HubServer

WITHIN = 30.0  # a hang guard: node or python starting under load


def snippet(key: str, port: int, auth_required: bool = False) -> Snippet:
    return next(s for s in snippets("127.0.0.1", port, auth_required) if s.key == key)


def command(key: str, code: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NODE_PATH": str(JS_DIR / "node_modules")}
    if key == "javascript":
        path = tmp_path / "snippet.cjs"
        path.write_text(code)
        return ["node", str(path)], env
    path = tmp_path / "snippet.py"
    path.write_text(code)
    return [sys.executable, str(path)], env


@pytest.mark.parametrize(("key", "greeting"), [("javascript", "hello from JavaScript"),
                                               ("python", "hello from Python")])
async def test_the_snippet_joins_sends_and_receives(key: str, greeting: str, tmp_path: Path,
                                                    clients: ConnectClient) -> None:
    async with running_hub() as hub:
        assert hub.port is not None
        observer = await clients("py", hub_url(hub), "websocket")
        await observer.call("join", ROOM)
        process = LoggedProcess(*command(key, snippet(key, hub.port).code, tmp_path))
        await process.start()
        try:
            sent = await observer.next_event("message")
            assert sent[0]["data"] == {"text": greeting}
            in_room = await observer.next_event("message")
            assert (in_room[0]["room"], in_room[0]["data"]) == (ROOM, f"hello, {ROOM}")
            await observer.emit("message", "hello, snippet")
            await wait_until(lambda: any("hello, snippet" in line for line in process.printed),
                             WITHIN, "the snippet to print the observer's message")
        finally:
            await process.kill()
    assert any(line.startswith("connected as") for line in process.printed)
    assert f"joined ['{ROOM}']" in process.printed or f"joined [ '{ROOM}' ]" in process.printed


MICROPYTHON_REQUESTS = """\
# MicroPython's built-in requests module, as much as the snippet uses, for CPython: an HTTP
# error is an answer with its status_code, as there; each request is written to stderr.
import sys
import urllib.error
import urllib.request


class Response:
    def __init__(self, status_code, text):
        self.status_code = status_code
        self.text = text

    def close(self):
        pass


def send(request):
    print(request.get_method(), request.full_url, file=sys.stderr, flush=True)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return Response(answer.status, answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode())


def get(url):
    return send(urllib.request.Request(url))


def post(url, data, headers=None):
    return send(urllib.request.Request(url, data.encode(), headers or {}, method="POST"))
"""


def micropython(code: str, tmp_path: Path) -> LoggedProcess:
    """The MicroPython snippet under CPython, beside the stand-in for its ``requests``."""
    (tmp_path / "requests.py").write_text(MICROPYTHON_REQUESTS)
    return LoggedProcess(*command("micropython", code, tmp_path), cwd=tmp_path)


def requests_made(process: LoggedProcess) -> list[str]:
    """``GET url`` / ``POST url``, in the order the stand-in was asked."""
    return [line for line in process.lines if line.startswith(("GET ", "POST "))]


@asynccontextmanager
async def micropython_beside_an_observer(
        tmp_path: Path, clients: ConnectClient,
        **settings: Any) -> AsyncIterator[tuple[HubServer, Client, LoggedProcess]]:
    """A hub (with ``settings``), a client in ROOM to see what the MicroPython snippet
    relays, and the snippet running, killed at the end."""
    async with running_hub(**settings) as hub:
        assert hub.port is not None
        observer = await clients("py", hub_url(hub), "websocket")
        await observer.call("join", ROOM)
        process = micropython(snippet("micropython", hub.port).code, tmp_path)
        await process.start()
        try:
            yield hub, observer, process
        finally:
            await process.kill()


async def test_the_micropython_snippet_speaks_engine_io_polling(
        tmp_path: Path, clients: ConnectClient) -> None:
    """Run by CPython with a stand-in for MicroPython's ``requests``: its Engine.IO and
    Socket.IO packets are the part that could be wrong."""
    async with micropython_beside_an_observer(tmp_path, clients) as (hub, observer, process):
        sent = await observer.next_event("message")
        assert sent[0]["data"] == {"text": "hello from MicroPython"}
        assert ROOM in hub.manager.get(sent[0]["from"]).rooms
        await observer.emit("message", "hello, snippet")
        await wait_until(lambda: any("hello, snippet" in line for line in process.printed),
                         WITHIN, "the snippet to print the observer's message")


async def test_the_micropython_snippet_prints_a_refusal_closes_its_session_and_stops(
        tmp_path: Path) -> None:
    """Pasted with the placeholder: the hub's reason on the console, then four requests in
    all (open, connect, the poll that brings the refusal, close), not a poll of a dead
    session in a loop."""
    async with running_hub(auth_token="s3cret-hub-token") as hub:
        assert hub.port is not None
        process = micropython(snippet("micropython", hub.port, auth_required=True).code,
                              tmp_path)
        await process.start()
        try:
            exit_code = await asyncio.wait_for(process.wait(), WITHIN)
        finally:
            await process.kill()
        # Closed by the snippet, not left to the hub's connect_timeout (45 s).
        await wait_until(lambda: not hub.sio.eio.sockets, WITHIN, "the session to close")
    assert (exit_code, process.printed) == (
        0, ["cannot connect: authentication failed: wrong token"]), process.output()
    made = requests_made(process)
    assert [line.split()[0] for line in made] == ["GET", "POST", "GET", "POST"], made
    assert "&sid=" not in made[0] and all("&sid=" in line for line in made[1:]), made


async def test_the_micropython_snippet_starts_a_new_session_when_the_hub_ends_its_own(
        tmp_path: Path, clients: ConnectClient) -> None:
    """A session the hub closes is over: the snippet opens a new one (after its pause),
    at most one request reaching the old one after the close, instead of polling it in a
    loop."""
    async with micropython_beside_an_observer(tmp_path, clients) as (hub, observer, process):
        first = (await observer.next_event("message"))[0]["from"]
        eio_sid = requests_made(process)[1].rpartition("&sid=")[2]
        before_the_close = len(requests_made(process))
        await hub.sio.eio.disconnect(eio_sid)
        again = await observer.next_event("message")
    assert again[0]["from"] != first and again[0]["data"] == {"text": "hello from MicroPython"}
    after = requests_made(process)[before_the_close:]
    on_the_old = [line for line in after if eio_sid in line]
    assert len(on_the_old) <= 1 and after[len(on_the_old)].endswith("transport=polling"), after


async def test_the_micropython_snippet_starts_a_new_session_when_its_own_is_unknown(
        tmp_path: Path, clients: ConnectClient) -> None:
    """Away past the ping timeout (stopped, as a device off the Wi-Fi), the snippet finds
    its session unknown (HTTP 400): it opens a new one instead of polling the old one in
    a loop."""
    async with micropython_beside_an_observer(tmp_path, clients, ping_interval=1.0,
                                              ping_timeout=1.0) as (hub, observer, process):
        assert process.process is not None
        first = (await observer.next_event("message"))[0]["from"]
        eio_sid = requests_made(process)[1].rpartition("&sid=")[2]
        process.process.send_signal(signal.SIGSTOP)
        try:
            await wait_until(lambda: eio_sid not in hub.sio.eio.sockets, WITHIN,
                             "the hub to forget the stopped snippet's session")
            before_the_return = len(requests_made(process))
        finally:
            process.process.send_signal(signal.SIGCONT)
        again = await observer.next_event("message")
    assert again[0]["from"] != first
    assert any(line.startswith("hub lost: hub answered 400") for line in process.printed)
    after = requests_made(process)[before_the_return:]
    on_the_old = [line for line in after if eio_sid in line]
    # The pong a ping asked for before the stop, and the poll that finds the session gone.
    assert len(on_the_old) <= 2 and after[len(on_the_old)].endswith("transport=polling"), after


@pytest.mark.parametrize("key", ["javascript", "python"])
async def test_with_the_placeholder_token_the_snippet_prints_the_hubs_reason(
        key: str, tmp_path: Path) -> None:
    async with running_hub(auth_token="s3cret-hub-token") as hub:
        assert hub.port is not None
        process = LoggedProcess(*command(key, snippet(key, hub.port, True).code, tmp_path))
        await process.start()
        try:
            exit_code = await asyncio.wait_for(process.wait(), WITHIN)
        finally:
            await process.kill()
    # console.error writes to stderr (``lines``), print to stdout (``printed``).
    assert "cannot connect: authentication failed: wrong token" in (
        process.printed + process.lines), process.output()
    assert exit_code == 0 and not any("Traceback" in line for line in process.lines)


@pytest.mark.parametrize("key", ["javascript", "python"])
async def test_with_the_token_in_its_place_the_snippet_prints_the_sid_the_hub_lists(
        key: str, tmp_path: Path, clients: ConnectClient) -> None:
    async with running_hub(auth_token="s3cret-hub-token") as hub:
        assert hub.port is not None
        code = snippet(key, hub.port, auth_required=True).code
        assert TOKEN_PLACEHOLDER in code and "s3cret" not in code
        observer = await clients("py", hub_url(hub), "websocket",
                                 auth={"token": "s3cret-hub-token"})
        await observer.call("join", ROOM)
        process = LoggedProcess(*command(key, code.replace(TOKEN_PLACEHOLDER,
                                                           "s3cret-hub-token"), tmp_path))
        await process.start()
        try:
            assert (await observer.next_event("message"))[0]["data"]["text"].startswith(
                "hello from")
            async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
                listed = (await http.get("/api/connections")).json()["connections"]
        finally:
            await process.kill()
    snippet_sid = next(c["sid"] for c in listed if c["sid"] != observer.sid)
    assert f"connected as {snippet_sid}" in process.printed, process.printed


@pytest.mark.parametrize("auth_required", [False, True])
def test_every_snippet_has_the_address_the_room_and_the_token_only_as_a_placeholder(
        auth_required: bool) -> None:
    for each in snippets("192.0.2.2", 8765, auth_required):
        assert "192.0.2.2" in each.code and "8765" in each.code, each.key
        assert ROOM in each.code and '"message"' in each.code.replace('\\"', '"'), each.key
        assert (TOKEN_PLACEHOLDER in each.code) is auth_required, each.key
    keys = [s.key for s in snippets("192.0.2.2", 8765, False)]
    assert keys == ["javascript", "python", "arduino", "esp-idf", "micropython"]


def test_the_esp32_snippets_find_the_hub_by_mdns_too() -> None:
    by_key = {s.key: s.code for s in snippets("192.0.2.2", 8765, False)}
    assert 'MDNS.queryService("socketio", "tcp")' in by_key["arduino"]
    assert 'mdns_query_ptr("_socketio", "_tcp"' in by_key["esp-idf"]
    assert "/socket.io/?EIO=4&transport=websocket" in by_key["esp-idf"]


def test_the_esp32_snippets_print_a_refusal_and_try_again_slowly() -> None:
    """They cannot run here; read: the hub's connect error (Socket.IO packet 4) printed,
    the library's pause between tries set far above its 0.5 s default."""
    by_key = {s.key: s.code for s in snippets("192.0.2.2", 8765, True)}
    arduino, esp_idf = by_key["arduino"], by_key["esp-idf"]
    assert "type == sIOtype_ERROR" in arduino and 'error["message"]' in arduino
    assert 'Serial.printf("cannot connect: %s' in arduino
    assert "socketIO.setReconnectInterval(10000);" in arduino
    # arduinoWebSockets hands no "accepted" to the callback: the join's ack stands for it.
    assert 'send(sIOtype_EVENT, "1[\\"join\\"' in arduino and "type == sIOtype_ACK" in arduino
    assert 'strncmp(text, "44", 2) == 0' in esp_idf
    assert 'printf("cannot connect: %.*s' in esp_idf
    assert ".reconnect_timeout_ms = 10000" in esp_idf
