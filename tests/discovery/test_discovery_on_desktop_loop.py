"""The advertiser and the browser on the desktop app's loop (Qt's, desktop/loop.py), where
the hub runs inside the tray app.  Loopback only."""

from __future__ import annotations

import asyncio

from helpers.mdns import LOOPBACK_ONLY, WITHIN, unique_name
from PySide6.QtWidgets import QApplication

from desktop.loop import new_event_loop
from server.discovery import Advertiser, AdvertiserState, browse


def test_a_hub_is_announced_found_and_withdrawn_on_the_qt_loop(qapp: QApplication) -> None:
    advertiser = Advertiser(unique_name("desktop hub"), auth_required=True)

    async def main() -> tuple[AdvertiserState, list[str], list[str]]:
        advertiser.start(LOOPBACK_ONLY, 8765)
        state = await advertiser.settled()
        found = [hub.name for hub in await browse(LOOPBACK_ONLY, 2)]
        await advertiser.stop()
        after = [hub.name for hub in await browse(LOOPBACK_ONLY, 1)]
        return state, found, after

    loop = new_event_loop(qapp)
    try:
        state, found, after = loop.run_until_complete(asyncio.wait_for(main(), WITHIN))
    finally:
        loop.close()
    assert state is AdvertiserState.ADVERTISING
    assert advertiser.name in found
    assert advertiser.name not in after
