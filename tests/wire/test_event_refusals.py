"""Issue 13, item 3: every event a client sends is delivered or refused out loud, and no
input from a client produces a traceback.

An event whose arguments its handler cannot take (``emit("message", a, b)``, a ``join``
with two rooms) or that has no handler is refused: an error ack when the client asked for
one, an INFO log line always.  A payload nested deeper than ``MAX_NESTING`` is refused at
parse time like any invalid packet: the session is closed, everyone else served on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
from helpers.clients import PyClient
from helpers.raw_protocol import WebSocket, send_packets
from helpers.support import hub_url, wait_until

from server.logging_config import LOGGER_NAME
from server.runtime.runner import HubServer
from server.wire.socketio_packets import MAX_NESTING


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The test's log, checked at the end: nothing at ERROR, no exception attached."""
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        yield caplog
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


def nested(levels: int) -> Any:
    """A value of ``levels`` nested arrays: ``nested(2) == [[]]``."""
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def refusals(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.INFO and r.getMessage().startswith("refused event")
            and f"event {event!r}" in r.getMessage()]


@pytest.fixture
async def pair(hub: HubServer) -> Any:
    sender, receiver = PyClient(hub_url(hub), "websocket"), PyClient(hub_url(hub), "polling")
    await sender.connect()
    await receiver.connect()
    yield sender, receiver
    await sender.close()
    await receiver.close()


async def test_too_many_arguments_get_an_error_ack(hub, pair, no_tracebacks):
    sender, receiver = pair
    assert await sender.call("message", "a", "b") == {
        "ok": False, "error": "event 'message' takes 0 to 1 arguments, got 2"}
    assert await sender.call("join", "room1", "room2") == {
        "ok": False, "error": "event 'join' takes 1 argument, got 2"}
    assert hub.manager.get(sender.sid).rooms == set()
    assert await sender.call("join", "room1") == {"ok": True, "rooms": ["room1"]}
    await sender.emit("message", "after")  # the hub serves on, in order
    assert await receiver.next_event("message") == [{"from": sender.sid, "data": "after"}]
    assert [name for name, _ in receiver.received] == []
    assert len(refusals(no_tracebacks, "message")) == 1
    assert len(refusals(no_tracebacks, "join")) == 1


async def test_refusals_without_an_ack_are_logged(hub, pair, no_tracebacks):
    sender, receiver = pair
    await sender.emit("message", "a", "b")
    await sender.emit("no_such_event", 1)
    await wait_until(lambda: refusals(no_tracebacks, "no_such_event"), message="logged")
    assert refusals(no_tracebacks, "message") == [
        f"refused event 'message' from an unnamed client (127.0.0.1, sid {sender.sid}) in /: "
        "event 'message' takes 0 to 1 arguments, got 2"]
    await sender.emit("message", "after")
    assert await receiver.next_event("message") == [{"from": sender.sid, "data": "after"}]
    assert [name for name, _ in receiver.received] == []  # the refused one never came


async def test_an_event_without_a_handler_is_refused(hub, pair, no_tracebacks):
    sender, _ = pair
    assert await sender.call("no_such_event", 1) == {
        "ok": False, "error": "unknown event 'no_such_event'"}


class Echo(socketio.AsyncNamespace):
    async def on_echo(self, sid: str, data: Any) -> Any:
        return data

    async def on_pair(self, sid: str, first: Any, second: Any = None) -> Any:
        return [first, second]


async def test_namespace_handlers_are_checked_too(hub, no_tracebacks):
    hub.sio.register_namespace(Echo("/echo"))
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(hub_url(hub), namespaces=["/echo"], transports=["websocket"])
    try:
        assert await client.call("echo", "x", namespace="/echo", timeout=5) == "x"
        assert await client.call("echo", ("x", "y"), namespace="/echo", timeout=5) == {
            "ok": False, "error": "event 'echo' takes 1 argument, got 2"}
        assert await client.call("pair", (), namespace="/echo", timeout=5) == {
            "ok": False, "error": "event 'pair' takes 1 to 2 arguments, got 0"}
        assert await client.call("pair", ("a", "b"), namespace="/echo", timeout=5) == ["a", "b"]
        assert await client.call("nothing", 1, namespace="/echo", timeout=5) == {
            "ok": False, "error": "unknown event 'nothing'"}
    finally:
        await client.disconnect()


async def test_nesting_up_to_the_limit_is_relayed(hub, pair, no_tracebacks):
    sender, receiver = pair
    deepest = nested(MAX_NESTING - 1)  # the event's own array is the first level
    await sender.emit("message", deepest)
    assert await receiver.next_event("message") == [{"from": sender.sid, "data": deepest}]


@pytest.mark.parametrize("levels", [MAX_NESTING, 600])
async def test_deeper_nesting_is_refused_at_parse_time(hub, pair, no_tracebacks, levels):
    """Spoken by hand: python-socketio's client cannot even encode 600 levels."""
    _, receiver = pair
    sender = await WebSocket.open(hub)
    await sender.handshake()
    await sender.connect()
    await wait_until(lambda: hub.manager.count() == 3, message="the sender registered")
    await send_packets(sender, '2["message",' + json.dumps(nested(levels)) + "]")
    await sender.wait_closed()
    await wait_until(lambda: hub.manager.count() == 2, message="the sender unregistered")
    assert any("nested deeper than" in r.getMessage() for r in no_tracebacks.records)
    assert receiver.received == []
    other = PyClient(hub_url(hub), "websocket")  # everyone else is served on
    await other.connect()
    await other.emit("message", "still here")
    assert await receiver.next_event("message") == [{"from": other.sid, "data": "still here"}]
    await other.close()
