"""Whose address a connection shows: the real peer, unless a trusted proxy forwarded it."""

from __future__ import annotations

import ipaddress

import pytest
import socketio
from helpers.support import hub_url, running_hub, wait_until

from server.network import client_ip


def scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 5555),
            "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded]}


PROXIES = [ipaddress.ip_network("10.0.0.1/32"), ipaddress.ip_network("10.0.1.0/24")]


@pytest.mark.parametrize(("request_scope", "expected"), [
    (scope("192.168.1.9", "1.2.3.4"), "192.168.1.9"),          # untrusted peer: header ignored
    (scope("10.0.0.1", "192.168.1.9"), "192.168.1.9"),         # trusted proxy
    (scope("10.0.0.1", "6.6.6.6, 192.168.1.9"), "192.168.1.9"),  # forged left entry ignored
    (scope("10.0.0.1", "192.168.1.9, 10.0.1.7"), "192.168.1.9"),  # chain of trusted proxies
    (scope("10.0.0.1", "6.6.6.6", "192.168.1.9"), "192.168.1.9"),  # two header lines
    (scope("10.0.0.1", "not-an-ip"), "10.0.0.1"),              # garbage: keep the proxy
    (scope("10.0.0.1", "[::1]:80"), "::1"),
    (scope("10.0.0.1"), "10.0.0.1"),                           # no header
    ({"headers": []}, "unknown"),                              # no peer (e.g. a unix socket)
])
def test_client_ip_rules(request_scope: dict, expected: str) -> None:
    assert client_ip(request_scope, PROXIES) == expected


async def connect_with_forwarded_header(url: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(url, headers={"X-Forwarded-For": "192.168.7.7"},
                         transports=["websocket"], wait_timeout=10)
    return client


@pytest.mark.parametrize(("trusted", "expected"), [([], "127.0.0.1"),
                                                   (["127.0.0.1"], "192.168.7.7")])
async def test_forged_header_is_believed_only_from_a_trusted_proxy(trusted: list[str],
                                                                   expected: str) -> None:
    async with running_hub(trusted_proxies=trusted) as hub:
        client = await connect_with_forwarded_header(hub_url(hub))
        try:
            await wait_until(lambda: hub.manager.count() == 1)
            assert hub.manager.get(client.get_sid()).client_ip == expected
        finally:
            await client.disconnect()
