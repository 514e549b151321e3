"""What spans the cluster: three hub processes on one real Redis, python-socketio and
JavaScript clients spread over them on both transports."""

from __future__ import annotations

from typing import Any

from helpers.clients import Client, ConnectClient
from helpers.hub_nodes import WITHIN, running_nodes
from helpers.redis_server import RedisServer
from helpers.support import wait_until


def relayed(client: Client, event: str = "message") -> list[dict[str, Any]]:
    """The payloads of ``event`` the client has received so far."""
    return [args[0] for name, args in client.received if name == event]


async def wait_for_relays(client: Client, count: int) -> None:
    await wait_until(lambda: len(relayed(client)) >= count, within=WITHIN,
                     message=f"{count} relays at a client")


async def test_message_reaches_every_other_client_on_every_node(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_nodes(redis_server.url, 3) as nodes:
        spread = [("py", nodes[0].url, "websocket"), ("js", nodes[0].url, "polling"),
                  ("js", nodes[1].url, "websocket"), ("py", nodes[1].url, "polling"),
                  ("py", nodes[2].url, "websocket"), ("js", nodes[2].url, "polling")]
        everyone = [await clients(*where) for where in spread]
        for client in everyone:
            await client.emit("message", f"hello from {client.sid}")
        for client in everyone:
            await wait_for_relays(client, len(everyone) - 1)
        for client in everyone:
            got = sorted((relay["from"], relay["data"]) for relay in relayed(client))
            others = sorted((other.sid, f"hello from {other.sid}") for other in everyone
                            if other is not client)
            assert got == others  # each other client's message, once; never its own


async def test_one_senders_messages_arrive_in_order_on_other_nodes(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_nodes(redis_server.url, 3) as nodes:
        sender = await clients("py", nodes[0].url, "websocket")
        receivers = [await clients("js", nodes[1].url, "websocket"),
                     await clients("py", nodes[2].url, "polling"),
                     await clients("py", nodes[0].url, "polling")]
        for number in range(200):
            await sender.emit("message", number)
        for receiver in receivers:
            await wait_for_relays(receiver, 200)
            assert [relay["data"] for relay in relayed(receiver)] == list(range(200))


async def test_room_message_reaches_the_rooms_members_on_every_node(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_nodes(redis_server.url, 3) as nodes:
        sender = await clients("py", nodes[0].url, "polling")
        members = [await clients("js", nodes[1].url, "polling"),
                   await clients("py", nodes[2].url, "websocket"),
                   await clients("js", nodes[0].url, "websocket")]
        outsider = await clients("py", nodes[1].url, "websocket")
        for client in [sender, *members]:
            assert (await client.call("join", "lobby"))["ok"]
        assert await sender.call("room_message", {"room": "lobby", "data": "first"}) == \
            {"ok": True}
        # Each node sends to the room's members as it knows them when the message comes
        # from Redis: a leave must not race the message on its way, or "first" may miss it.
        for member in members:
            await wait_for_relays(member, 1)
        leaver = members.pop(1)
        assert await leaver.call("leave", "lobby") == {"ok": True, "rooms": []}
        assert await sender.call("room_message", {"room": "lobby", "data": "second"}) == \
            {"ok": True}
        # A message to everyone after the room's: once it is in, the room's are too (one
        # sender's messages keep their order across nodes).
        await sender.emit("message", "last")
        for client in [*members, leaver, outsider]:
            await wait_for_relays(client, 1 if client is outsider else 2)
            await wait_until(lambda c=client: relayed(c)[-1]["data"] == "last",
                             within=WITHIN, message="the closing message")
        for member in members:
            assert [(relay.get("room"), relay["data"]) for relay in relayed(member)] == \
                [("lobby", "first"), ("lobby", "second"), (None, "last")]
        assert [relay["data"] for relay in relayed(leaver)] == ["first", "last"]
        assert [relay["data"] for relay in relayed(outsider)] == ["last"]
        assert relayed(sender) == []


async def test_a_node_killed_leaves_the_others_serving_their_clients(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_nodes(redis_server.url, 3) as nodes:
        first = await clients("py", nodes[0].url, "websocket")
        second = await clients("js", nodes[1].url, "polling")
        doomed = await clients("py", nodes[2].url, "websocket")
        for client in (first, second, doomed):
            assert (await client.call("join", "lobby"))["ok"]
        await nodes[2].kill()  # SIGKILL: no goodbye to Redis or to its clients
        await wait_until(doomed.disconnected.is_set, within=WITHIN,
                         message="the killed node's client to lose its connection")
        await first.emit("message", "still here")
        assert await second.call("room_message", {"room": "lobby", "data": "and here"}) == \
            {"ok": True}
        await wait_for_relays(second, 1)
        await wait_for_relays(first, 1)
        assert [relay["data"] for relay in relayed(second)] == ["still here"]
        assert [relay["data"] for relay in relayed(first)] == ["and here"]
        assert (await first.call("join", "other"))["ok"]
