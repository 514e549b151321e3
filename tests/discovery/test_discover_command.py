"""``python -m server discover`` on loopback: one line per hub, and its exit status.

``discover_main`` runs its own event loop, so it runs in a thread here while the
advertiser answers on the test's loop.  Only ever ``--interface 127.0.0.1``.
"""

from __future__ import annotations

import asyncio

import pytest
from helpers.mdns import LOOPBACK_ONLY, settled, unique_name
from helpers.support import running_hub

from server import __version__
from server.discovery import Advertiser, AdvertiserState, discover_main

ON_LOOPBACK = ["--interface", "127.0.0.1", "--timeout", "2"]


async def test_discover_finds_a_hub_on_loopback_and_exits_0(
        capsys: pytest.CaptureFixture[str]) -> None:
    async with running_hub() as hub:
        port = hub.port
        assert port is not None
        advertiser = Advertiser(unique_name("found hub"), auth_required=False)
        advertiser.start(LOOPBACK_ONLY, port)
        try:
            assert await settled(advertiser) is AdvertiserState.ADVERTISING
            status = await asyncio.to_thread(discover_main, ON_LOOPBACK)
        finally:
            await advertiser.stop()
    lines = capsys.readouterr().out.splitlines()
    assert f"{advertiser.name}  127.0.0.1:{port}  no token  version {__version__}" in lines
    assert status == 0


async def test_discover_exits_1_when_no_hub_answers(capsys: pytest.CaptureFixture[str]) -> None:
    status = await asyncio.to_thread(discover_main, ["--interface", "127.0.0.1", "--timeout", "1"])
    captured = capsys.readouterr()
    assert (status, captured.out) == (1, "")
    assert "no hub answered on 127.0.0.1" in captured.err


async def test_discover_says_why_it_cannot_browse_an_interface(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = await asyncio.to_thread(discover_main, ["--interface", "198.51.100.1"])
    assert status == 2
    assert "cannot browse on 198.51.100.1" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--interface", "0.0.0.0"],  # would let zeroconf pick the default interface
    ["--interface", "eth0"],
    ["--timeout", "0"],
    ["--timeout", "soon"],
])
def test_discover_refuses_bad_options_with_status_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        discover_main(argv)
    assert exited.value.code == 2
