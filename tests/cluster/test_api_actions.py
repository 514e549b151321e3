"""The inspector's client actions across the cluster: through one node's API, on a client
connected to another node, answered as that node's own API would answer."""

from __future__ import annotations

from typing import Any

import httpx
from helpers.support import hub_url, running_hub, wait_until

WITHIN = 20.0  # a hang guard on a loaded machine, not a measure


async def post(hub, path: str, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=60) as http:
        return await http.post(path, json=body)


async def test_actions_on_a_client_of_another_node(redis_server, clients):
    async with running_hub(redis_url=redis_server.url, node_name="north") as north, \
            running_hub(redis_url=redis_server.url, node_name="south") as south:
        device = await clients("py", hub_url(south), "websocket", {"name": "far"})
        await wait_until(lambda: device.sid in north.registry.directory, WITHIN, "the client")

        response = await post(north, "/api/emit", {"event": "ping-me", "args": [1, {"a": 2}],
                                                   "to": {"sid": device.sid}})
        assert response.json() == {"ok": True, "recipients": 1}
        assert await device.next_event("ping-me") == [1, {"a": 2}]
        response = await post(north, "/api/emit", {"event": "ack-me", "args": ["x"],
                                                   "to": {"sid": device.sid},
                                                   "ack_timeout": 10})
        assert response.json() == {"ok": True, "recipients": 1, "ack": []}
        assert await device.next_event("ack-me") == ["x"]

        response = await post(north, f"/api/clients/{device.sid}/rooms", {"join": "lab"})
        assert response.json() == {"ok": True, "rooms": ["lab"]}
        assert south.manager.get(device.sid).rooms == {"lab"}
        await wait_until(lambda: north.registry.directory.rooms() == {"lab": 1}, WITHIN,
                         "the room to show on the asking node")
        # The client's node applies its own room rules.
        response = await post(north, f"/api/clients/{device.sid}/rooms", {"join": "x" * 500})
        assert response.status_code == 400 and not response.json()["ok"]
        response = await post(north, f"/api/clients/{device.sid}/rooms", {"leave": "lab"})
        assert response.json() == {"ok": True, "rooms": []}

        response = await post(north, f"/api/clients/{device.sid}/disconnect", {})
        assert response.json() == {"ok": True}
        await wait_until(device.disconnected.is_set, WITHIN, "the client to be disconnected")
        await wait_until(lambda: device.sid not in north.registry.directory, WITHIN,
                         "the departure to show")
        assert south.manager.count() == 0


async def test_unknown_sids_are_refused_cluster_wide(redis_server, clients):
    async with running_hub(redis_url=redis_server.url) as north, \
            running_hub(redis_url=redis_server.url):
        for path, body in (("/api/clients/nobody/disconnect", {}),
                           ("/api/clients/nobody/rooms", {"join": "lab"})):
            response = await post(north, path, body)
            assert response.status_code == 404
            assert response.json() == {"ok": False, "error": "unknown sid"}
        response = await post(north, "/api/emit", {"event": "x", "to": {"sid": "nobody"}})
        assert response.status_code == 400
        assert "unknown sid" in response.json()["error"]


async def test_an_action_without_redis_is_refused_clearly(redis_server, clients):
    async with running_hub(redis_url=redis_server.url) as north, \
            running_hub(redis_url=redis_server.url) as south:
        device = await clients("py", hub_url(south), "websocket")
        await wait_until(lambda: device.sid in north.registry.directory, WITHIN, "the client")
        redis_server.stop()
        await wait_until(lambda: not north.registry.connected, WITHIN, "the link to drop")
        response = await post(north, f"/api/clients/{device.sid}/disconnect", {})
        assert response.status_code == 503
        assert "Redis unreachable" in response.json()["error"]
        assert not device.disconnected.is_set()
