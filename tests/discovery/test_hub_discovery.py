"""A hub with discovery on announces itself while it serves, says so in ``/api/info``, and
``python -m server discover`` finds it; with discovery off (the test default, see
tests/conftest.py) it stays silent.

Every hub here is bound to 127.0.0.1, so it announces on loopback only, and every browse
is ``--interface 127.0.0.1``: no multicast reaches a real interface.
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from helpers.mdns import WITHIN, LoopbackBrowser, settled, unique_name
from helpers.support import LoggedProcess, hub_url, running_hub

from server import __version__
from server.discovery import AdvertiserState

SOCKETIO = "_socketio._tcp.local."
HTTP = "_http._tcp.local."
LAN = {"x-forwarded-for": "192.168.1.50"}  # through a trusted proxy: see tests/dashboard
TOKEN = "s3cret-device-token"
DASHBOARD_TOKEN = "s3cret-dashboard-token"
DISCOVER = [sys.executable, "-m", "server", "discover", "--interface", "127.0.0.1",
            "--timeout", "3"]


async def test_the_hub_announces_itself_while_it_serves_and_withdraws_on_stop() -> None:
    name = unique_name("hub server")
    async with LoopbackBrowser([SOCKETIO, HTTP]) as seen:
        async with running_hub(discovery=True, node_name=name, auth_token=TOKEN) as hub:
            assert hub.advertiser is not None
            assert await settled(hub.advertiser) is AdvertiserState.ADVERTISING
            info = await seen.found(SOCKETIO, name)
            await seen.found(HTTP, name)
            assert (info.port, info.parsed_addresses()) == (hub.port, ["127.0.0.1"])
            assert info.decoded_properties["auth"] == "token"
            assert TOKEN.encode() not in (info.text or b"")
        assert hub.advertiser.state is AdvertiserState.STOPPED
        await seen.gone(SOCKETIO, name)
        await seen.gone(HTTP, name)


async def test_api_info_answers_the_lan_without_a_token_and_holds_no_secret() -> None:
    name = unique_name("info hub")
    async with running_hub(discovery=True, node_name=name, auth_token=TOKEN,
                           dashboard_token=DASHBOARD_TOKEN,
                           trusted_proxies=["127.0.0.1/32"]) as hub:
        assert hub.advertiser is not None
        await settled(hub.advertiser)
        port = hub.port
        async with httpx.AsyncClient(base_url=hub_url(hub), headers=LAN) as http:
            response = await http.get("/api/info")
            refused = await http.get("/api/connections")
    assert refused.status_code == 401  # the LAN peer really is held to the token rule
    assert response.status_code == 200
    assert response.json() == {
        "name": name, "version": __version__, "socketio_path": "/socket.io/", "eio": 4,
        "auth_required": True, "port": port, "addresses": ["127.0.0.1"],
        "discovery": True,
    }
    assert TOKEN not in response.text and DASHBOARD_TOKEN not in response.text


async def test_api_info_says_discovery_is_off_when_it_is() -> None:
    async with running_hub() as hub:
        assert hub.advertiser is None
        async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
            document = (await http.get("/api/info")).json()
    assert (document["discovery"], document["auth_required"]) == (False, False)
    assert document["name"].startswith("socketio-tray on ")


async def test_discover_as_a_process_finds_a_hub_started_as_a_process() -> None:
    """Both sides as users run them: ``python -m server`` with SOCKETIO_DISCOVERY=true,
    and ``python -m server discover``; the hub's unique name tells it from others'."""
    name = unique_name("process hub")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOCKETIO_DISCOVERY": "true",
           "SOCKETIO_NODE_NAME": name}
    hub = LoggedProcess([sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0"],
                        env)
    await hub.start()
    try:
        url = await hub.url()
        await hub.wait_for_line("announced by mDNS")
        discover = LoggedProcess(DISCOVER, dict(os.environ), start_within=WITHIN)
        await discover.start()
        status = await asyncio.wait_for(discover.wait(), WITHIN)
    finally:
        await hub.kill()
    port = url.rsplit(":", 1)[1]
    assert f"{name}  127.0.0.1:{port}  no token  version {__version__}" in discover.printed
    assert status == 0


async def test_discover_as_a_process_exits_1_when_no_hub_answers() -> None:
    """Other test runs on this machine may have a hub announced on loopback right now;
    then there is nothing to check here and the test says so."""
    discover = LoggedProcess(DISCOVER, dict(os.environ), start_within=WITHIN)
    await discover.start()
    status = await asyncio.wait_for(discover.wait(), WITHIN)
    if discover.printed:
        pytest.skip(f"another hub is announced on loopback: {discover.printed}")
    assert status == 1
    assert "no hub answered on 127.0.0.1" in discover.output()


def test_the_app_and_its_bundle_take_the_discover_command_too(
        capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["discover", "--help"])
    assert exited.value.code == 0
    assert "python -m server discover" in capsys.readouterr().out
