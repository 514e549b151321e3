"""A refused event's log line names the client as its user knows it (its name, address and
sid) and is written once per client and reason a window (the log's ``SuppressRepeats``, as
the app installs it), while every refused event is still answered with an error ack and
recorded in the journal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import socketio
from helpers.abuse import Records, hub_log
from helpers.clients import ConnectClient, PyClient
from helpers.support import hub_url, running_hub

from server.inspector import Kind
from server.runtime.runner import HubServer
from server.wire.socketio_server import describe_client

UNKNOWN = "unknown event 'reading'"
UNKNOWN_ACK = {"ok": False, "error": UNKNOWN}
BURST = 20


@pytest.fixture
def log() -> Iterator[Records]:
    with hub_log() as records:
        yield records


def refused_lines(log: Records) -> list[str]:
    return [r.getMessage() for r in log.written if r.getMessage().startswith("refused event")]


def refused_entries(hub: HubServer, sid: str) -> list[str | None]:
    return [entry.reason for entry in hub.journal.page(limit=1000).events
            if entry.kind is Kind.EVENT_IN and entry.sid == sid]


async def named(hub: HubServer, name: str, transport: str = "websocket") -> PyClient:
    client = PyClient(hub_url(hub), transport, auth={"name": name})
    await client.connect()
    return client


@pytest.mark.parametrize(("kind", "transport"), [("py", "websocket"), ("js", "polling")])
async def test_a_named_client_is_logged_by_its_name_and_address(
        hub: HubServer, clients: ConnectClient, log: Records,
        kind: str, transport: str) -> None:
    client = await clients(kind, hub_url(hub), transport, {"name": "weather-station"})
    assert await client.call("reading", 21.5) == UNKNOWN_ACK
    assert refused_lines(log) == [
        f"refused event 'reading' from 'weather-station' (127.0.0.1, sid {client.sid}) in /: "
        f"{UNKNOWN}"]


async def test_an_unnamed_client_is_logged_as_unnamed(
        hub: HubServer, clients: ConnectClient, log: Records) -> None:
    client = await clients("py", hub_url(hub), "polling")
    assert await client.call("message", "a", "b") == {
        "ok": False, "error": "event 'message' takes 0 to 1 arguments, got 2"}
    assert refused_lines(log) == [
        f"refused event 'message' from an unnamed client (127.0.0.1, sid {client.sid}) in /: "
        "event 'message' takes 0 to 1 arguments, got 2"]


async def test_a_hostile_name_is_quoted_and_cut(
        hub: HubServer, log: Records) -> None:
    client = await named(hub, "evil\nrefused an event from 'admin'\r" + "x" * 10_000)
    try:
        assert await client.call("reading", 1) == UNKNOWN_ACK
    finally:
        await client.close()
    [line] = refused_lines(log)
    # The hub's admission dropped the control characters and cut the name; the log quotes
    # it (in double quotes: it holds single ones).
    assert line.startswith('refused event \'reading\' from "evilrefused an event from \'admin\'xxx')
    assert line.endswith(f'xxx" (127.0.0.1, sid {client.sid}) in /: {UNKNOWN}')
    assert "\n" not in line and "\r" not in line and len(line) < 200


def test_a_name_the_registry_holds_raw_is_quoted_and_cut_by_the_log_itself() -> None:
    line = describe_client("a\nb" + "x" * 10_000, "10.0.0.7", "sid-1")
    assert line == f"{'a' + chr(10) + 'b' + 'x' * 61 + '…'!r} (10.0.0.7, sid sid-1)"
    assert "\n" not in line
    assert describe_client("", "10.0.0.7", "sid-1") == "an unnamed client (10.0.0.7, sid sid-1)"


async def test_a_burst_is_one_line_but_every_event_is_answered_and_recorded(
        hub: HubServer, log: Records) -> None:
    client = await named(hub, "weather-station")
    try:
        for number in range(BURST):
            assert await client.call("reading", number) == UNKNOWN_ACK
        assert refused_entries(hub, client.sid or "") == [UNKNOWN] * BURST
    finally:
        await client.close()
    assert refused_lines(log) == [
        f"refused event 'reading' from 'weather-station' (127.0.0.1, sid {client.sid}) in /: "
        f"{UNKNOWN}"]


async def test_another_reason_or_another_client_is_logged_apart(
        hub: HubServer, log: Records) -> None:
    station, phone = await named(hub, "weather-station"), await named(hub, "phone", "polling")
    try:
        for _ in range(3):
            assert await station.call("reading", 1) == UNKNOWN_ACK
            assert (await station.call("message", "a", "b"))["ok"] is False
            assert await phone.call("reading", 1) == UNKNOWN_ACK
    finally:
        await station.close()
        await phone.close()
    assert refused_lines(log) == [
        f"refused event 'reading' from 'weather-station' (127.0.0.1, sid {station.sid}) in /: "
        f"{UNKNOWN}",
        f"refused event 'message' from 'weather-station' (127.0.0.1, sid {station.sid}) in /: "
        "event 'message' takes 0 to 1 arguments, got 2",
        f"refused event 'reading' from 'phone' (127.0.0.1, sid {phone.sid}) in /: {UNKNOWN}"]


async def test_the_log_is_kept_short_with_the_inspector_off(log: Records) -> None:
    async with running_hub(inspector=False) as hub:
        client = await named(hub, "weather-station")
        try:
            for number in range(BURST):
                assert await client.call("reading", number) == UNKNOWN_ACK
        finally:
            await client.close()
        assert len(hub.journal) == 0
    assert refused_lines(log) == [
        f"refused event 'reading' from 'weather-station' (127.0.0.1, sid {client.sid}) in /: "
        f"{UNKNOWN}"]


class Echo(socketio.AsyncNamespace):
    async def on_echo(self, sid: str, data: object) -> object:
        return data


async def test_a_client_the_registry_does_not_hold_is_named_by_its_address(
        hub: HubServer, log: Records) -> None:
    hub.sio.register_namespace(Echo("/echo"))
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(hub_url(hub), namespaces=["/echo"], transports=["websocket"])
    try:
        sid = client.get_sid("/echo")
        assert await client.call("nothing", 1, namespace="/echo", timeout=10) == {
            "ok": False, "error": "unknown event 'nothing'"}
    finally:
        await client.disconnect()
    assert refused_lines(log) == [
        f"refused event 'nothing' from an unnamed client (127.0.0.1, sid {sid}) in /echo: "
        "unknown event 'nothing'"]
