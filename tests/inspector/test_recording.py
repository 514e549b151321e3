"""The hub records into its journal what real clients send and what it emits, with the
refusals a device never sees explained (logged at INFO in plain words, and recorded)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from helpers.clients import ConnectClient, ConnectRefused, PyClient
from helpers.raw_protocol import Polling, WebSocket
from helpers.support import KINDS_AND_TRANSPORTS, hub_url, running_hub, wait_until

from server.inspector import Entry
from server.runtime.runner import HubServer
from server.wire.engine_server import OLD_ENGINEIO

TOKEN = "s3cret-device-token"


def entries(hub: HubServer, **wanted: Any) -> list[Entry]:
    return [entry for entry in hub.journal.page(0, 1000).events
            if all(getattr(entry, key) == value for key, value in wanted.items())]


def only(hub: HubServer, **wanted: Any) -> Entry:
    found = entries(hub, **wanted)
    assert len(found) == 1, (wanted, found)
    return found[0]


@pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)
async def test_a_clients_events_and_the_hubs_emits_are_recorded(kind, transport,
                                                               clients: ConnectClient):
    async with running_hub(auth_token=TOKEN) as hub:
        listener = await clients("py", hub_url(hub), "websocket", {"token": TOKEN})
        device = await clients(kind, hub_url(hub), transport,
                               {"token": TOKEN, "name": "sensor-1"})
        await device.emit("message", {"t": 21.5})
        assert await listener.next_event("message") == [{"from": device.sid,
                                                         "data": {"t": 21.5}}]
        assert (await device.call("join", "lab"))["ok"]
        assert await device.call("nonsense", 1) == {"ok": False,
                                                    "error": "unknown event 'nonsense'"}
        await device.close()
        await wait_until(lambda: bool(entries(hub, kind="disconnect", sid=device.sid)),
                         message="the disconnect entry")

        connect = only(hub, kind="connect", sid=device.sid)
        assert (connect.client, connect.ip, connect.namespace) == ("sensor-1", "127.0.0.1", "/")
        assert connect.transport == transport
        relay_in = only(hub, kind="event_in", sid=device.sid, event="message")
        assert (relay_in.client, relay_in.ack, relay_in.to_dict()["args"]) == (
            "sensor-1", False, [{"t": 21.5}])
        relay_out = only(hub, kind="event_out", event="message")
        assert (relay_out.target, relay_out.skip_sid, relay_out.recipients) == (
            "all", device.sid, 1)
        assert relay_out.to_dict()["args"] == [{"from": device.sid, "data": {"t": 21.5}}]
        assert only(hub, kind="event_in", event="join").ack is True
        assert only(hub, kind="join", sid=device.sid).room == "lab"
        unknown = only(hub, kind="event_in", event="nonsense")
        assert (unknown.ack, unknown.reason) == (True, "unknown event 'nonsense'")
        assert only(hub, kind="disconnect", sid=device.sid).reason == "client close"
        assert all(TOKEN.encode() not in entry.to_json() for entry in entries(hub))


@pytest.mark.parametrize(("event", "args", "why"), [
    ("nonsense", (1,), "unknown event 'nonsense'"),
    ("join", ("lab", "extra"), "event 'join' takes 1 argument, got 2"),
])
async def test_a_refused_event_is_one_entry_saying_why(event, args, why, hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    assert await device.call(event, *args) == {"ok": False, "error": why}
    await device.emit("message", "after")  # recorded after the refusal's entry, if any
    await wait_until(lambda: bool(entries(hub, kind="event_in", event="message")),
                     message="the next event's entry")
    assert [(entry.kind, entry.event, entry.reason, entry.to_dict()["args"])
            for entry in entries(hub, sid=device.sid) if entry.kind != "connect"] == [
        ("event_in", event, why, list(args)), ("event_in", "message", None, ["after"])]


async def test_binary_payloads_are_recorded_as_size_and_leading_bytes(hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    blob = bytes(range(256)) * 4
    await device.emit("message", blob)
    await wait_until(lambda: bool(entries(hub, kind="event_out")), message="the relay")
    recorded = only(hub, kind="event_in", event="message").to_dict()["args"]
    assert recorded == [{"bytes": 1024, "hex": blob[:32].hex()}]


async def test_large_payloads_are_cut_and_marked(clients):
    async with running_hub(inspector_max_payload=100) as hub:
        device = await clients("js", hub_url(hub), "websocket")
        await device.emit("message", "x" * 5000)
        await wait_until(lambda: bool(entries(hub, kind="event_out")), message="the relay")
        recorded = only(hub, kind="event_in", event="message").to_dict()
        assert recorded["truncated"] is True and recorded["size"] > 5000
        assert len(recorded["args"]) <= 100


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_an_oversized_message_is_dropped_and_said_so(transport, caplog):
    caplog.set_level(logging.INFO)
    async with running_hub(max_http_buffer_size=2048) as hub:
        device = PyClient(hub_url(hub), transport)
        await device.connect()
        try:
            await device.emit("message", "y" * 5000)
            await wait_until(device.disconnected.is_set, message="the drop")
            await wait_until(lambda: bool(entries(hub, kind="disconnect")),
                             message="the disconnect entry")
        finally:
            await device.close()
        dropped = only(hub, kind="dropped", sid=device.sid)
        assert dropped.reason is not None
        assert dropped.reason.startswith("message too large (") and "limit 2048)" in dropped.reason
        assert only(hub, kind="disconnect", sid=device.sid).reason == "oversized message"
        assert any("message too large" in record.getMessage() for record in caplog.records)


async def test_a_malformed_packet_drops_the_session_with_why(hub):
    device = await WebSocket.open(hub)
    await device.handshake()
    sid = (await device.connect())["sid"]
    await device.send('42["message",')  # a cut-off JSON array
    await device.wait_closed()
    await wait_until(lambda: bool(entries(hub, kind="dropped")), message="the drop entry")
    dropped = only(hub, kind="dropped")
    assert dropped.sid == sid and dropped.reason
    assert only(hub, kind="disconnect", sid=sid).reason == "transport error"


@pytest.mark.parametrize(("auth", "reason"), [
    ({"token": "wrong"}, "authentication failed: wrong token"),
    (None, "authentication failed: missing token"),
    ({"token": TOKEN, "name": 5}, "name must be a string"),
])
async def test_a_refused_connect_is_recorded_with_the_reason_given(auth, reason, caplog):
    caplog.set_level(logging.INFO)
    async with running_hub(auth_token=TOKEN) as hub:
        with pytest.raises(ConnectRefused, match=reason):
            device = PyClient(hub_url(hub), "websocket", auth)
            try:
                await device.connect()
            finally:
                await device.close()
        refused = only(hub, kind="refused")
        assert (refused.reason, refused.ip, refused.sid) == (reason, "127.0.0.1", None)
        assert any(reason in record.getMessage() for record in caplog.records)
        assert not entries(hub, kind="connect")


async def test_a_full_hub_records_who_it_turned_away(clients):
    async with running_hub(max_connections=1) as hub:
        await clients("py", hub_url(hub), "websocket")
        with pytest.raises(ConnectRefused):
            await clients("js", hub_url(hub), "polling")
        assert only(hub, kind="refused").reason == "server full: at most 1 clients may connect"


async def test_old_engineio_requests_are_recorded_once_per_address(hub, caplog):
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        for _ in range(20):
            response = await http.get("/socket.io/", params={"EIO": "3",
                                                             "transport": "polling"})
            assert response.status_code == 400
        for _ in range(5):
            await http.get("/socket.io/", params={"EIO": "4", "transport": "carrier-pigeon"})
    refused = entries(hub, kind="refused")
    assert [entry.reason for entry in refused] == [
        OLD_ENGINEIO, "unknown transport 'carrier-pigeon': use 'polling' or 'websocket'"]
    assert refused[0].ip == "127.0.0.1"
    logged = [record.getMessage() for record in caplog.records
              if record.getMessage().startswith("refused a request")]
    assert sum(OLD_ENGINEIO in line for line in logged) == 1
    assert sum("carrier-pigeon" in line for line in logged) == 1


async def test_a_namespace_the_hub_does_not_serve_is_recorded(hub):
    device = Polling(hub)
    await device.open()
    try:
        assert (await device.post("40/admin,")).text == "ok"
        packets = await device.get()
        assert packets[0].startswith("44/admin,")
    finally:
        await device.close()
    refused = only(hub, kind="refused")
    assert (refused.reason, refused.namespace) == (
        "namespace '/admin' is not served by this hub", "/admin")


async def test_nothing_is_recorded_with_the_inspector_off(clients):
    async with running_hub(inspector=False) as hub:
        device = await clients("py", hub_url(hub), "websocket")
        assert (await device.call("join", "lab"))["ok"]
        await device.emit("message", 1)
        async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
            await http.get("/socket.io/", params={"EIO": "3", "transport": "polling"})
            page = (await http.get("/api/events")).json()
        assert hub.sio.recorder is None
        assert len(hub.journal) == 0 and page["events"] == [] and page["last_seq"] == 0


async def test_handshakes_past_the_session_limits_are_recorded_once_per_address(caplog):
    caplog.set_level(logging.INFO)
    async with running_hub(max_pending_sessions_per_ip=1) as hub:
        waiting = Polling(hub, source="127.0.0.2")
        await waiting.open()
        try:
            for _ in range(5):
                refused = await waiting.http.get("/socket.io/", params={
                    "EIO": "4", "transport": "polling"})
                assert refused.status_code == 401
        finally:
            await waiting.close()
        refusal = only(hub, kind="refused")
        assert (refusal.ip, refusal.reason) == (
            "127.0.0.2", "too many sessions from 127.0.0.2 waiting to connect (at most 1)")
    logged = [record.getMessage() for record in caplog.records
              if record.getMessage().startswith("handshake refused")]
    assert len(logged) == 1
