"""The Host allow-list guards every request, Socket.IO included (DNS rebinding).

A page that re-points its own DNS name at the hub sends that foreign name in ``Host``
(and as its ``Origin``, so the origin check alone lets it in).  Raw requests, since a
client library would not send a made-up Host: a polling handshake over httpx and a
websocket opened to 127.0.0.1 under another name.
"""

from __future__ import annotations

import socket

import httpx
import ifaddr
import pytest
import websockets
from helpers.raw_protocol import PATH, handshake_of
from helpers.support import hub_url, running_hub

from server.hosts import MachineNames
from server.network import ADAPTERS_MAX_AGE_SECONDS, Adapters, lan_addresses
from server.runtime.runner import HubServer

HANDSHAKE = {"EIO": "4", "transport": "polling"}


async def polling_handshake(hub: HubServer, host: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        return await http.get(PATH, params=HANDSHAKE,
                              headers={"host": host, "origin": f"http://{host}"})


async def websocket_handshake(hub: HubServer, host: str) -> str | bytes:
    """The first frame of a websocket to 127.0.0.1 whose Host (and Origin) is ``host``."""
    async with websockets.connect(
            f"ws://{host}{PATH}?EIO=4&transport=websocket", host="127.0.0.1", port=hub.port,
            origin=f"http://{host}", compression=None,
            open_timeout=10, close_timeout=1) as ws:
        return await ws.recv()


async def test_a_foreign_host_is_refused_over_polling_and_websocket(hub, clients):
    device = await clients("py", hub_url(hub), "websocket", {"name": "device"})
    response = await polling_handshake(hub, "evil.example")
    assert response.status_code == 421 and "sid" not in response.text
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websocket_handshake(hub, f"evil.example:{hub.port}")
    assert refused.value.response.status_code == 403
    assert hub.manager.count() == 1 and len(hub.sio.eio.sockets) == 1  # the device's only
    assert (await device.call("join", "still-served"))["ok"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", socket.gethostname(),
                                  f"{socket.gethostname()}.local"])
async def test_this_machines_addresses_and_names_are_served(hub, name):
    host = f"{name}:{hub.port}"
    response = await polling_handshake(hub, host)
    assert response.status_code == 200 and handshake_of(response.text)["sid"]
    assert handshake_of(await websocket_handshake(hub, host))["sid"]


async def test_a_name_added_in_allowed_hosts_is_served():
    async with running_hub(allowed_hosts="hub.lab.example, Proxy.Example.") as hub:
        for host in ("hub.lab.example", "proxy.example:8443"):
            response = await polling_handshake(hub, host)
            assert response.status_code == 200, host
            assert handshake_of(await websocket_handshake(hub, host))["sid"]
        assert (await polling_handshake(hub, "other.example")).status_code == 421


def test_made_up_addresses_read_the_interfaces_again_at_most_once_a_while():
    """A new address (DHCP) is found by reading the interfaces again, but a peer sending
    made-up addresses in Host cannot make every request pay for that read."""
    now = [0.0]
    reads: list[float] = []

    def read() -> list[ifaddr.Adapter]:
        reads.append(now[0])
        return ifaddr.get_adapters()

    names = MachineNames("127.0.0.1", interfaces=Adapters(read, clock=lambda: now[0]))
    for n in range(50):
        assert not names.allows(f"10.255.{n}.1")
    assert reads == [0.0]  # when it was made
    now[0] += ADAPTERS_MAX_AGE_SECONDS
    assert not names.allows("10.255.255.1") and not names.allows("10.255.255.2")
    assert reads == [0.0, now[0]]
    if lan_addresses():
        assert names.allows(lan_addresses()[0])
