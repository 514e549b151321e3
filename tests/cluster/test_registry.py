"""The cluster registry over a real redis-server: every node lists every client, with its
node; a node that leaves or falls silent takes its clients out of the others' views."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from helpers.support import hub_url, running_hub, wait_until

from server.runtime.runner import HubServer

WITHIN = 20.0  # a hang guard on a loaded machine, not a measure


@asynccontextmanager
async def cluster_of(count: int, redis_url: str, **overrides) -> AsyncIterator[list[HubServer]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(running_hub(redis_url=redis_url, **overrides))
               for _ in range(count)]


def sids_by_node(hub: HubServer) -> dict[str, str | None]:
    assert hub.registry is not None
    return {c.sid: c.node for c in hub.registry.directory.all()}


async def api(hub: HubServer, path: str):
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        response = await http.get(path)
    assert response.status_code == 200
    return response.json()


async def test_every_node_lists_every_client_with_its_node(redis_server, clients):
    async with cluster_of(3, redis_server.url) as hubs:
        placed = {}
        for hub, (kind, transport) in zip(hubs, [("py", "websocket"), ("js", "polling"),
                                                 ("py", "polling")], strict=True):
            client = await clients(kind, hub_url(hub), transport, {"name": kind})
            placed[client.sid] = hub.registry.name
        await wait_until(lambda: all(sids_by_node(hub) == placed for hub in hubs),
                         WITHIN, "every node to list every client")
        document = await api(hubs[0], "/api/connections")
        assert document["count"] == 3
        assert {item["sid"]: item["node"] for item in document["connections"]} == placed
        nodes = await api(hubs[1], "/api/nodes")
        assert nodes[0]["name"] == hubs[1].registry.name
        assert {node["name"] for node in nodes} == set(placed.values())
        assert all(node["state"] == "up" and node["clients"] == 1 for node in nodes)
        for hub in hubs:  # the local registries still hold their own clients only
            assert hub.manager.count() == 1


async def test_rooms_and_departures_reach_the_other_nodes(redis_server, clients):
    async with cluster_of(2, redis_server.url) as (first, second):
        client = await clients("py", hub_url(first), "websocket")
        await client.call("join", "kitchen")

        def rooms_seen() -> frozenset[str] | None:
            found = second.registry.directory.get(client.sid)
            return None if found is None else found.rooms

        await wait_until(lambda: rooms_seen() == {"kitchen"}, WITHIN, "the room to show")
        assert second.registry.directory.rooms() == {"kitchen": 1}
        await client.close()
        await wait_until(lambda: client.sid not in second.registry.directory, WITHIN,
                         "the departure to show")


async def test_the_sid_of_a_client_on_another_node_is_a_reserved_room(redis_server, clients):
    """Joining a room named after another node's client would make its room_messages
    reach that client: refused as on one hub, and the room stays free to others."""
    async with cluster_of(2, redis_server.url) as (first, second):
        there = await clients("py", hub_url(first), "websocket")
        here = await clients("js", hub_url(second), "websocket")
        await wait_until(lambda: there.sid in second.registry.directory, WITHIN,
                         "the other node's client to show")
        assert await here.call("join", there.sid) == {"ok": False,
                                                     "error": "room name is reserved"}
        assert second.manager.get(here.sid).rooms == set()
        assert (await here.call("join", "kitchen"))["ok"]


async def test_a_stopped_node_takes_its_clients_along_and_comes_back(redis_server, clients):
    async with cluster_of(1, redis_server.url) as (staying,):
        async with running_hub(redis_url=redis_server.url) as leaving:
            name = leaving.registry.name
            client = await clients("py", hub_url(leaving), "websocket")
            await wait_until(lambda: client.sid in staying.registry.directory, WITHIN,
                             "the client to show")
            port = leaving.port
        await wait_until(lambda: client.sid not in staying.registry.directory, WITHIN,
                         "the stopped node's client to go")
        async with running_hub(redis_url=redis_server.url, port=port) as back:
            assert back.registry.name == name
            again = await clients("py", hub_url(back), "websocket")
            await wait_until(lambda: again.sid in staying.registry.directory, WITHIN,
                             "the returned node's client to show")
