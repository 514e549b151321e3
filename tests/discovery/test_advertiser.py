"""The advertiser on loopback, seen by a zeroconf browser in the test process.

Every advertiser and browser here uses 127.0.0.1 only: these tests never send multicast
to a real interface.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.clients import ConnectClient
from helpers.mdns import LOOPBACK_ONLY, LoopbackBrowser, settled, unique_name
from helpers.support import running_hub

from server import __version__
from server.discovery import Advertiser, AdvertiserState, advertised_interfaces

SOCKETIO = "_socketio._tcp.local."
HTTP = "_http._tcp.local."
TOKEN = "s3cret-device-token"


async def test_a_running_hub_is_found_with_its_port_and_txt_but_not_its_token(
        clients: ConnectClient) -> None:
    async with running_hub(auth_token=TOKEN) as hub, LoopbackBrowser([SOCKETIO, HTTP]) as seen:
        assert hub.port is not None
        advertiser = Advertiser(unique_name("hub"), auth_required=True)
        advertiser.start(advertised_interfaces(hub.settings.host), hub.port)
        try:
            assert await settled(advertiser) is AdvertiserState.ADVERTISING
            assert advertiser.name_in_use == advertiser.name
            info = await seen.found(SOCKETIO, advertiser.name)
            dashboard = await seen.found(HTTP, advertiser.name)
        finally:
            await advertiser.stop()
        assert (info.port, info.parsed_addresses()) == (hub.port, ["127.0.0.1"])
        assert info.decoded_properties == {"path": "/socket.io/", "eio": "4", "auth": "token",
                                           "version": __version__, "dashboard": "/"}
        assert TOKEN.encode() not in (info.text or b"") + (dashboard.text or b"")
        assert (dashboard.port, dashboard.decoded_properties["path"]) == (hub.port, "/")
        # What was announced is enough to reach the hub.
        client = await clients("py", f"http://{info.parsed_addresses()[0]}:{info.port}",
                               "websocket", auth={"token": TOKEN})
        assert client.sid


async def test_the_service_is_withdrawn_with_goodbye_packets_on_stop() -> None:
    changes: list[AdvertiserState] = []
    advertiser = Advertiser(unique_name("leaving hub"), auth_required=False,
                            on_change=lambda: changes.append(advertiser.state))
    async with LoopbackBrowser([SOCKETIO]) as seen:
        advertiser.start(LOOPBACK_ONLY, 8765)
        await settled(advertiser)
        await seen.found(SOCKETIO, advertiser.name)
        await advertiser.stop()
        await seen.gone(SOCKETIO, advertiser.name)
    assert (advertiser.state, advertiser.name_in_use) == (AdvertiserState.STOPPED, None)
    assert changes == ["starting", "advertising", "stopped"]


async def test_a_second_hub_with_the_same_name_gets_a_distinct_one() -> None:
    name = unique_name("twin hub")
    first = Advertiser(name, auth_required=False)
    second = Advertiser(name, auth_required=True)
    async with LoopbackBrowser([SOCKETIO]) as seen:
        first.start(LOOPBACK_ONLY, 8765)
        try:
            assert await settled(first) is AdvertiserState.ADVERTISING
            second.start(LOOPBACK_ONLY, 8766)
            assert await settled(second) is AdvertiserState.ADVERTISING
            assert first.name_in_use == name
            assert second.name_in_use is not None and second.name_in_use != name
            assert second.name_in_use.startswith(name)
            ports = [(await seen.found(SOCKETIO, advertiser.name_in_use)).port
                     for advertiser in (first, second) if advertiser.name_in_use]
        finally:
            await second.stop()
            await first.stop()
    assert ports == [8765, 8766]


async def test_a_moved_hub_is_announced_again_at_its_new_port() -> None:
    changes: list[AdvertiserState] = []
    advertiser = Advertiser(unique_name("moving hub"), auth_required=False,
                            on_change=lambda: changes.append(advertiser.state))
    advertiser.start(LOOPBACK_ONLY, 8765)
    try:
        await settled(advertiser)
        await advertiser.update(LOOPBACK_ONLY, 8765)  # unchanged: left alone
        assert changes == ["starting", "advertising"]
        await advertiser.update(LOOPBACK_ONLY, 9876)
        assert await settled(advertiser) is AdvertiserState.ADVERTISING
        async with LoopbackBrowser([SOCKETIO]) as seen:
            info = await seen.found(SOCKETIO, advertiser.name)
    finally:
        await advertiser.stop()
    assert info.port == 9876
    assert changes[2:] == ["stopped", "starting", "advertising", "stopped"]


async def _failed_with_one_warning(advertiser: Advertiser, interfaces: list[str],
                                   caplog: pytest.LogCaptureFixture) -> str:
    with caplog.at_level(logging.WARNING, logger="server.discovery"):
        advertiser.start(interfaces, 8765)
        state = await settled(advertiser)
    error = advertiser.error
    await advertiser.stop()
    assert state is AdvertiserState.FAILED
    assert advertiser.state is AdvertiserState.STOPPED
    warnings = [r for r in caplog.records if r.name.startswith("server.discovery")]
    assert len(warnings) == 1 and not warnings[0].exc_info
    assert error is not None and error in warnings[0].getMessage()
    return error


@pytest.mark.parametrize(("interfaces", "reason"), [
    (["198.51.100.1"], "198.51.100.1"),  # an address this machine does not have
    ([], "no interface"),  # bound to ::1, or to 0.0.0.0 with no LAN interface
])
async def test_an_unusable_interface_turns_discovery_off_without_raising(
        interfaces: list[str], reason: str, caplog: pytest.LogCaptureFixture) -> None:
    error = await _failed_with_one_warning(Advertiser("hub", auth_required=False), interfaces,
                                           caplog)
    assert reason in error


@pytest.fixture
def mdns_port_held() -> Iterator[None]:
    """UDP 5353 on loopback held the way a responder that refuses sharing holds it."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        holder.bind(("127.0.0.1", 5353))
    except OSError as exc:
        holder.close()
        if exc.errno == errno.EADDRINUSE:
            pytest.skip("another mDNS responder is running on this machine")
        raise
    try:
        yield
    finally:
        holder.close()


async def test_a_responder_holding_port_5353_turns_discovery_off_without_raising(
        mdns_port_held: None, caplog: pytest.LogCaptureFixture) -> None:
    error = await _failed_with_one_warning(Advertiser("hub", auth_required=False),
                                           LOOPBACK_ONLY, caplog)
    assert "5353" in error


def sockets_on_mdns_port() -> int:
    """UDP sockets of this process bound to port 5353 (zeroconf binds 0.0.0.0:5353)."""
    inodes = {int(line.split()[9]) for line in Path("/proc/net/udp").read_text().splitlines()[1:]
              if line.split()[1].endswith(":14E9")}  # 0x14E9 = 5353
    held = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        held += target.startswith("socket:[") and int(target[8:-1]) in inodes
    return held


async def test_a_stop_as_the_announcement_starts_closes_its_sockets() -> None:
    """Stopped in the turn after start (a restart right after launch): the cancel reached
    zeroconf's own start, its close waited for that start and gave up, and the process
    kept port 5353 open for good (a later test then saw "another responder")."""
    before = sockets_on_mdns_port()
    advertiser = Advertiser(unique_name("hub"), auth_required=False)
    advertiser.start(LOOPBACK_ONLY, 9)
    await asyncio.sleep(0)  # the announcement's task is opening zeroconf
    await advertiser.stop()
    assert advertiser.state is AdvertiserState.STOPPED
    assert sockets_on_mdns_port() == before
