"""The inspector's JSON API over a real hub: reading the journal, and acting on real clients
through the composer, with the cross-site rule on every action."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from helpers.clients import ConnectClient
from helpers.raw_protocol import WebSocket
from helpers.support import hub_url, running_hub, wait_until

from server.runtime.runner import HubServer

LAN = {"x-forwarded-for": "192.168.1.50"}


async def post(hub: HubServer, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=30) as http:
        return await http.post(path, json=body, **kwargs)


async def get(hub: HubServer, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=30) as http:
        return await http.get(path, **kwargs)


async def connections(hub: HubServer) -> dict[str, Any]:
    document = (await get(hub, "/api/connections")).json()
    return {c["sid"]: c for c in document["connections"]}


# -- reading


async def test_paging_has_no_gaps_but_the_evicted_ones_under_a_flood(clients: ConnectClient):
    """Large payloads over the wire: the journal stays under its byte cap, and a reader
    paging with ``after`` sees every entry still held, once, in order."""
    async with running_hub(inspector_bytes=1024 * 1024, inspector_size=100_000) as hub:
        device = await clients("py", hub_url(hub), "websocket")
        for index in range(400):
            await device.emit("message", {"n": index, "pad": "z" * 8000})
        await device.call("join", "done")  # an ack: every message before it is in
        journal = hub.journal
        assert journal.evicted > 0 and journal.stored_bytes <= journal.max_bytes
        seqs: list[int] = []
        after = 0
        while True:
            page = (await get(hub, "/api/events", params={"after": after, "limit": 37})).json()
            seqs += [entry["seq"] for entry in page["events"]]
            if not page["events"]:
                break
            after = page["last_seq"]
        assert page["evicted"] == journal.evicted == page["oldest_seq"] - 1
        assert seqs == list(range(page["oldest_seq"], journal.last_seq + 1))


async def test_filters_and_bad_parameters(hub, clients):
    device = await clients("py", hub_url(hub), "polling")
    await device.call("join", "lab")
    page = (await get(hub, "/api/events", params={"kind": "join", "sid": device.sid})).json()
    assert [(e["kind"], e["room"]) for e in page["events"]] == [("join", "lab")]
    for params, error in (({"kind": "gossip"}, "kind must be one of"),
                          ({"after": "-1"}, "after must be at least 0"),
                          ({"limit": "many"}, "limit must be an integer"),
                          ({"before": "soon"}, "before must be an integer (got 'soon')"),
                          ({"before": "0"}, "before must be at least 1"),
                          ({"before": "9", "after": "2"}, "give after or before, not both")):
        response = await get(hub, "/api/events", params=params)
        assert response.status_code == 400 and response.json()["ok"] is False, params
        assert response.json()["error"].startswith(error), params


async def test_before_pages_back_from_the_newest_matching_entries(hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    await device.call("join", "lab")
    for index in range(1200):  # more than one page holds, after the entry sought
        await device.emit("message", index)
    await device.call("join", "attic")
    wanted = {"kind": "join", "sid": device.sid, "limit": "1"}
    page = (await get(hub, "/api/events", params={**wanted, "before": 2**53})).json()
    assert [e["room"] for e in page["events"]] == ["attic"] and page["more"]
    assert page["last_seq"] == hub.journal.last_seq
    before = page["events"][0]["seq"]
    page = (await get(hub, "/api/events", params={**wanted, "before": before})).json()
    assert [e["room"] for e in page["events"]] == ["lab"]


async def test_export_is_a_json_lines_download_with_the_filters(hub, clients):
    await clients("py", hub_url(hub), "websocket")
    await clients("js", hub_url(hub), "polling")
    response = await get(hub, "/api/events/export", params={"kind": "connect"})
    assert response.headers["content-disposition"].startswith("attachment")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["kind"] for line in lines] == ["connect", "connect"]


async def test_stats_count_events_by_name(hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    await device.emit("message", 1)
    await device.call("join", "lab")
    stats = (await get(hub, "/api/events/stats")).json()
    by_name = {row["event"]: row for row in stats["events"]}
    assert by_name["message"]["in"] == 1 and by_name["message"]["out"] == 1
    assert by_name["join"]["in"] == 1 and stats["enabled"] is True


async def read_sse(response: httpx.Response, wanted: int) -> list[tuple[str, dict[str, Any]]]:
    """The first ``wanted`` messages of an event stream, as (event, data)."""
    messages: list[tuple[str, dict[str, Any]]] = []
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            messages.append((event, orjson.loads(line[6:])))
            if len(messages) == wanted:
                return messages
    raise AssertionError(f"the stream ended after {messages}")


async def test_the_feed_streams_new_entries_with_the_filters(hub, clients):
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=30) as http, http.stream(
            "GET", "/api/events/feed", params={"kind": "event_in"}) as response:
        assert response.headers["content-type"] == "text/event-stream"
        device = await clients("js", hub_url(hub), "websocket")
        await device.emit("message", "hello")
        [(event, data)] = await asyncio.wait_for(read_sse(response, 1), 30)
    assert (event, data["kind"], data["event"], data["args"]) == (
        "entry", "event_in", "message", ["hello"])


async def test_a_slow_feed_reader_is_told_how_many_it_skipped(hub):
    hub.dashboard.inspector.feed_capacity = 5
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=30) as http, http.stream(
            "GET", "/api/events/feed") as response:
        await wait_until(lambda: hub.journal.listener_count == 1, message="the feed")
        for index in range(50):  # in one step of the loop: the stream cannot keep up
            hub.journal.record_join(f"sid-{index}", "flood")
        messages = await asyncio.wait_for(read_sse(response, 6), 30)
    assert messages[0] == ("skipped", {"skipped": 45})
    assert [data["sid"] for _, data in messages[1:]] == [f"sid-{i}" for i in range(45, 50)]


# -- acting


async def test_emit_to_a_sid_with_an_ack(hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    response = await post(hub, "/api/emit", {"event": "ping-me", "args": [1, {"a": 2}],
                                             "to": {"sid": device.sid}, "ack_timeout": 10})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "recipients": 1, "ack": []}
    assert device.received == [("ping-me", [1, {"a": 2}])]
    out = [e for e in hub.journal.page().events if e.kind == "event_out"]
    assert [(e.event, e.sid, e.target, e.recipients, e.ack) for e in out] == [
        ("ping-me", device.sid, "sid", 1, True)]


async def test_emit_to_a_room_and_to_everyone(hub, clients):
    url = hub_url(hub)
    members = [await clients("py", url, "websocket"), await clients("js", url, "polling")]
    outsider = await clients("js", url, "websocket")
    for member in members:
        assert (await member.call("join", "lab"))["ok"]
    response = await post(hub, "/api/emit", {"event": "lab-news", "args": ["hi"],
                                             "to": {"room": "lab"}})
    assert response.json() == {"ok": True, "recipients": 2}
    response = await post(hub, "/api/emit", {"event": "all-news", "to": {"all": True}})
    assert response.json() == {"ok": True, "recipients": 3}
    for member in members:
        assert await member.next_event("lab-news") == ["hi"]
        assert await member.next_event("all-news") == []
    assert await outsider.next_event("all-news") == []
    assert [event for event, _ in outsider.received] == []  # lab-news never came first


async def test_a_missing_ack_is_a_504(hub):
    device = await WebSocket.open(hub)  # speaks the protocol by hand: never acknowledges
    await device.handshake()
    sid = (await device.connect())["sid"]
    try:
        response = await post(hub, "/api/emit", {"event": "hello", "to": {"sid": sid},
                                                 "ack_timeout": 0.2})
        assert (await device.recv()).startswith('421["hello"]')  # asked, with ack id 1
    finally:
        await device.close()
    assert response.status_code == 504
    assert response.json() == {"ok": False, "error": "no ack within 0.2 s"}


@pytest.mark.parametrize(("body", "error"), [
    ({"event": "connect", "to": {"all": True}}, "event name 'connect' is reserved"),
    ({"event": "disconnect", "to": {"all": True}}, "event name 'disconnect' is reserved"),
    ({"event": "x", "to": {"sid": "nobody"}}, "unknown sid 'nobody'"),
    ({"event": "x", "to": {"room": "empty"}}, "unknown room 'empty': no client is in it"),
    ({"event": "x", "to": {"all": True}, "args": "no"}, "args must be a JSON array"),
    ({"event": "", "to": {"all": True}}, "event must be a string of 1 to 256 characters"),
    ({"event": "x", "to": {"all": True}, "ack_timeout": 1}, "ack_timeout needs a single"),
    ({"event": "x"}, "to must be"),
    ([1, 2], "body must be a JSON object"),
])
async def test_bad_emits_are_refused_with_why(hub, body, error):
    response = await post(hub, "/api/emit", body)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"].startswith(error)
    assert not [e for e in hub.journal.page().events if e.kind == "event_out"]


async def test_kicking_a_client(hub, clients):
    device = await clients("js", hub_url(hub), "websocket")
    response = await post(hub, f"/api/clients/{device.sid}/disconnect", {})
    assert response.json() == {"ok": True}
    await wait_until(device.disconnected.is_set, message="the client to hear it")
    assert device.sid not in await connections(hub)
    [entry] = [e for e in hub.journal.page().events if e.kind == "disconnect"]
    assert (entry.sid, entry.reason) == (device.sid, "kicked")
    response = await post(hub, f"/api/clients/{device.sid}/disconnect", {})
    assert response.status_code == 404 and response.json()["ok"] is False


async def test_joining_and_leaving_for_a_client(hub, clients):
    url = hub_url(hub)
    device, peer = await clients("py", url, "polling"), await clients("js", url, "websocket")
    assert (await peer.call("join", "lab"))["ok"]
    response = await post(hub, f"/api/clients/{device.sid}/rooms", {"join": "lab"})
    assert response.json() == {"ok": True, "rooms": ["lab"]}
    assert (await connections(hub))[device.sid]["rooms"] == ["lab"]
    assert await peer.call("room_message", {"room": "lab", "data": 7}) == {"ok": True}
    assert await device.next_event("message") == [{"from": peer.sid, "room": "lab", "data": 7}]
    response = await post(hub, f"/api/clients/{device.sid}/rooms", {"leave": "lab"})
    assert response.json() == {"ok": True, "rooms": []}
    assert (await connections(hub))[device.sid]["rooms"] == []
    kinds = [(e.kind, e.room) for e in hub.journal.page().events if e.sid == device.sid
             and e.kind in ("join", "leave")]
    assert kinds == [("join", "lab"), ("leave", "lab")]
    # The hub protocol's rules: a sid is no room, and the body must say what to do.
    response = await post(hub, f"/api/clients/{device.sid}/rooms", {"join": peer.sid})
    assert response.status_code == 400 and response.json()["error"] == "room name is reserved"
    response = await post(hub, f"/api/clients/{device.sid}/rooms", {"enter": "lab"})
    assert response.status_code == 400
    assert (await post(hub, "/api/clients/nobody/rooms", {"join": "lab"})).status_code == 404


# -- cross-site safety


async def test_actions_from_another_site_or_with_a_form_body_are_refused(hub, clients):
    device = await clients("py", hub_url(hub), "websocket")
    kick = f"/api/clients/{device.sid}/disconnect"
    foreign = await post(hub, kick, {}, headers={"origin": "http://evil.example"})
    null_origin = await post(hub, kick, {}, headers={"origin": "null"})
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        form = await http.post(kick, data={"a": "b"})
        plain = await http.post(kick, content=b"{}", headers={"content-type": "text/plain"})
        put = await http.put("/api/emit", json={})
    assert (foreign.status_code, null_origin.status_code) == (403, 403)
    assert (form.status_code, plain.status_code, put.status_code) == (415, 415, 405)
    assert device.sid in await connections(hub)
    same_site = await post(hub, kick, {}, headers={"origin": hub_url(hub)})
    assert same_site.json() == {"ok": True}



async def test_actions_through_an_https_reverse_proxy_are_the_hubs_own(clients):
    """Behind a proxy serving HTTPS the browser's Origin is https://<the Host header>."""
    async with running_hub(allowed_hosts=["hub.example"]) as hub:
        device = await clients("py", hub_url(hub), "websocket")
        body = {"event": "hello", "to": {"sid": device.sid}}

        async def emit(host: str, origin: str) -> int:
            response = await post(hub, "/api/emit", body,
                                  headers={"host": host, "origin": origin})
            return response.status_code

        assert await emit("hub.example", "https://hub.example") == 200
        assert await emit("HUB.example:8443", "https://hub.example:8443") == 200
        assert await emit("localhost", "https://hub.example") == 200  # an allowed name
        assert await emit("hub.example", "https://evil.example") == 403
        assert await emit("localhost", "https://localhost:8443") == 403  # another port
        assert await emit("localhost", "https://evil.example") == 403
        for _ in range(3):
            assert await device.next_event("hello") == []

async def test_actions_from_the_lan_need_the_dashboard_token(clients):
    async with running_hub(trusted_proxies=["127.0.0.1/32"], dashboard_token="t0ken") as hub:
        device = await clients("py", hub_url(hub), "websocket")
        body = {"event": "hello", "to": {"sid": device.sid}}
        without = await post(hub, "/api/emit", body, headers=LAN)
        reading = await get(hub, "/api/events", headers=LAN)
        cookie_only = await post(hub, "/api/emit", body, headers={
            **LAN, "origin": "http://evil.example",
            "cookie": "socketio_tray_dashboard=whatever"})
        assert (without.status_code, reading.status_code, cookie_only.status_code) == (
            401, 401, 403)
        assert device.received == []
        with_token = await post(hub, "/api/emit", body,
                                headers={**LAN, "authorization": "Bearer t0ken"})
        assert with_token.json() == {"ok": True, "recipients": 1}
        assert await device.next_event("hello") == []


async def test_an_open_feed_does_not_hold_the_hubs_stop(hub):
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=30) as http, http.stream(
            "GET", "/api/events/feed") as response:
        await wait_until(lambda: hub.journal.listener_count == 1, message="the feed")
        await asyncio.wait_for(hub.stop(), 20)  # a hang guard, not a time limit
        body = [line async for line in response.aiter_lines()]
    assert body[0] == "retry: 1000" and hub.journal.listener_count == 0
