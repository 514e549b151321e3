"""The hub protocol (README table) with real clients of both kinds over both transports.

The scenarios marked ``also_on_the_desktop_loop`` run a second time on the desktop app's
Qt loop (tests/conftest.py), which is how the desktop app runs the hub.
"""

from __future__ import annotations

import asyncio

import pytest
from helpers.clients import ConnectRefused
from helpers.support import KINDS_AND_TRANSPORTS, hub_url, running_hub, wait_until

pytestmark = pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)


@pytest.mark.also_on_the_desktop_loop
async def test_connect_registers_and_disconnect_removes(hub, clients, kind, transport):
    client = await clients(kind, hub_url(hub), transport, {"name": "sensor-1"})
    await wait_until(lambda: client.sid in hub.manager, message="registration")
    connection = hub.manager.get(client.sid)
    assert connection.name == "sensor-1"
    assert connection.client_ip == "127.0.0.1"
    assert connection.transport == transport
    await client.close()
    await wait_until(lambda: hub.manager.count() == 0, message="removal")


@pytest.mark.also_on_the_desktop_loop
async def test_join_and_leave_are_acknowledged_and_reach_the_manager(hub, clients, kind,
                                                                     transport):
    client = await clients(kind, hub_url(hub), transport)
    assert await client.call("join", "kitchen") == {"ok": True, "rooms": ["kitchen"]}
    assert await client.call("join", "garden") == {"ok": True, "rooms": ["garden", "kitchen"]}
    assert hub.manager.get(client.sid).rooms == {"kitchen", "garden"}
    assert await client.call("leave", "kitchen") == {"ok": True, "rooms": ["garden"]}
    assert hub.manager.get(client.sid).rooms == {"garden"}


@pytest.mark.parametrize("room", ["", "x" * 129, 42, None, ["a"], "new\nline"])
async def test_bad_room_names_are_refused(hub, clients, kind, transport, room):
    client = await clients(kind, hub_url(hub), transport)
    reply = await client.call("join", room)
    # python-socketio sends None as no argument at all, and join takes one room.
    said = "takes 1 argument, got 0" if room is None and kind == "py" else "room"
    assert reply["ok"] is False and said in reply["error"]
    assert hub.manager.get(client.sid).rooms == frozenset()


@pytest.mark.also_on_the_desktop_loop
async def test_message_is_relayed_to_everyone_but_the_sender(hub, clients, kind, transport):
    sender = await clients(kind, hub_url(hub), transport)
    others = [await clients(k, hub_url(hub), t) for k, t in KINDS_AND_TRANSPORTS]
    await sender.emit("message", {"temperature": 21.5, "tags": ["a", "b"]})
    for other in others:
        assert await other.next_event("message") == [
            {"from": sender.sid, "data": {"temperature": 21.5, "tags": ["a", "b"]}}
        ]
    # The sender got nothing back: a later message from another client arrives first.
    await others[0].emit("message", "ping")
    assert await sender.next_event("message") == [{"from": others[0].sid, "data": "ping"}]


@pytest.mark.also_on_the_desktop_loop
async def test_room_message_reaches_only_the_rooms_other_members(hub, clients, kind,
                                                                  transport):
    url = hub_url(hub)
    sender = await clients(kind, url, transport)
    member = await clients("py", url, "websocket")
    outsider = await clients("js", url, "polling")
    for client in (sender, member):
        await client.call("join", "lab")
    reply = await sender.call("room_message", {"room": "lab", "data": [1, 2, 3]})
    assert reply == {"ok": True}
    assert await member.next_event("message") == [
        {"from": sender.sid, "room": "lab", "data": [1, 2, 3]}
    ]
    await member.call("room_message", {"room": "lab", "data": "back"})
    assert (await sender.next_event("message"))[0]["data"] == "back"
    assert not [e for e in outsider.received if e[0] == "message"]


async def test_room_message_to_a_room_not_joined_is_refused(hub, clients, kind, transport):
    sender = await clients(kind, hub_url(hub), transport)
    reply = await sender.call("room_message", {"room": "lab", "data": 1})
    assert reply["ok"] is False and "not a member" in reply["error"]
    reply = await sender.call("room_message", "not an object")
    assert reply["ok"] is False


@pytest.mark.also_on_the_desktop_loop
async def test_wrong_or_missing_token_is_refused_and_never_registered(clients, kind, transport):
    async with running_hub(auth_token="s3cret") as hub:
        with pytest.raises(ConnectRefused, match="missing token"):
            await clients(kind, hub_url(hub), transport)
        with pytest.raises(ConnectRefused, match="wrong token"):
            await clients(kind, hub_url(hub), transport, {"token": "guess"})
        assert hub.manager.count() == 0
        client = await clients(kind, hub_url(hub), transport, {"token": "s3cret", "name": "ok"})
        await wait_until(lambda: hub.manager.count() == 1)
        assert hub.manager.get(client.sid).name == "ok"


@pytest.mark.also_on_the_desktop_loop
async def test_clients_past_max_connections_are_refused(clients, kind, transport):
    async with running_hub(max_connections=2) as hub:
        first = await clients(kind, hub_url(hub), transport)
        await clients(kind, hub_url(hub), transport)
        with pytest.raises(ConnectRefused, match="server full"):
            await clients(kind, hub_url(hub), transport)
        assert hub.manager.count() == 2
        await first.close()
        await wait_until(lambda: hub.manager.count() == 1)
        await clients(kind, hub_url(hub), transport)
        assert hub.manager.count() == 2


@pytest.mark.also_on_the_desktop_loop
async def test_server_shutdown_removes_every_connection(clients, kind, transport):
    async with running_hub() as hub:
        client = await clients(kind, hub_url(hub), transport)
        await wait_until(lambda: hub.manager.count() == 1)
        # A parked poll would hold the stop for ping_interval (25 s): a hang guard, not a
        # speed bound (the benchmark measures the shutdown).
        await asyncio.wait_for(hub.stop(), 15)
        assert hub.manager.count() == 0
        # A client between two polls learns of the stop from its next request: a hang
        # guard generous enough for a loaded machine.
        await asyncio.wait_for(client.disconnected.wait(), 20)


async def test_a_room_named_after_another_clients_sid_is_refused(hub, clients, kind, transport):
    victim = await clients("py", hub_url(hub), "websocket")
    intruder = await clients(kind, hub_url(hub), transport)
    for event in ("join", "leave"):
        assert await intruder.call(event, victim.sid) == {"ok": False,
                                                          "error": "room name is reserved"}
    await intruder.emit("message", "hello")  # relays still work, and reach the victim once
    assert await victim.next_event("message") == [{"from": intruder.sid, "data": "hello"}]
    assert hub.manager.get(intruder.sid).rooms == frozenset()
