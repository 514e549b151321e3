"""The "Connect a device" snippets work when pasted: the JavaScript one under node with the
pinned socket.io-client, the Python one under this venv's python, each against a live hub
on 127.0.0.1 with the address filled in as the window and the dashboard fill it in.

A client of the test's own, in the same room, sees what the snippet sends and sends it a
message back; the snippet runs until the test ends it, as it would for a user.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers.clients import JS_DIR, ConnectClient
from helpers.support import LoggedProcess, hub_url, running_hub, wait_until

from server.connect_snippets import ROOM, TOKEN_PLACEHOLDER, Snippet, snippets

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
# MicroPython's built-in requests module, as much as the snippet uses, for CPython.
import urllib.request


class Response:
    def __init__(self, text):
        self.text = text

    def close(self):
        pass


def get(url):
    with urllib.request.urlopen(url, timeout=60) as answer:
        return Response(answer.read().decode())


def post(url, data, headers=None):
    request = urllib.request.Request(url, data.encode(), headers or {}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return Response(answer.read().decode())
"""


async def test_the_micropython_snippet_speaks_engine_io_polling(
        tmp_path: Path, clients: ConnectClient) -> None:
    """Run by CPython with a stand-in for MicroPython's ``requests``: its Engine.IO and
    Socket.IO packets are the part that could be wrong."""
    (tmp_path / "requests.py").write_text(MICROPYTHON_REQUESTS)
    async with running_hub() as hub:
        assert hub.port is not None
        observer = await clients("py", hub_url(hub), "websocket")
        await observer.call("join", ROOM)
        code = snippet("micropython", hub.port).code
        process = LoggedProcess(*command("micropython", code, tmp_path), cwd=tmp_path)
        await process.start()
        try:
            sent = await observer.next_event("message")
            assert sent[0]["data"] == {"text": "hello from MicroPython"}
            assert ROOM in hub.manager.get(sent[0]["from"]).rooms
            await observer.emit("message", "hello, snippet")
            await wait_until(lambda: any("hello, snippet" in line for line in process.printed),
                             WITHIN, "the snippet to print the observer's message")
        finally:
            await process.kill()


async def test_the_python_snippet_works_with_the_token_in_its_place(
        tmp_path: Path, clients: ConnectClient) -> None:
    async with running_hub(auth_token="s3cret-hub-token") as hub:
        assert hub.port is not None
        code = snippet("python", hub.port, auth_required=True).code
        assert TOKEN_PLACEHOLDER in code and "s3cret" not in code
        observer = await clients("py", hub_url(hub), "websocket",
                                 auth={"token": "s3cret-hub-token"})
        await observer.call("join", ROOM)
        process = LoggedProcess(*command("python", code.replace(TOKEN_PLACEHOLDER,
                                                                "s3cret-hub-token"), tmp_path))
        await process.start()
        try:
            assert (await observer.next_event("message"))[0]["data"] == {
                "text": "hello from Python"}
        finally:
            await process.kill()


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
