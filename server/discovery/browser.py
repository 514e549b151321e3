"""Finding hubs: browse ``_socketio._tcp`` on given interfaces for a few seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from zeroconf import ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from .interfaces import open_zeroconf
from .records import SOCKETIO_SERVICE, FoundHub, found_hub

BROWSE_SECONDS = 3.0
"""Long enough for every responder's answer: they wait up to half a second or so before
answering a browse, and the browser asks again after one second."""
RESOLVE_MILLISECONDS = 1000  # a hub whose address records were not in its answer


async def browse(interfaces: Sequence[str], seconds: float = BROWSE_SECONDS) -> list[FoundHub]:
    """The hubs that answer on ``interfaces`` (addresses) within ``seconds``, by name.

    Raises what ``open_zeroconf`` raises when mDNS cannot be used there.
    """
    aiozc = await open_zeroconf(interfaces)
    try:
        names = await _names_present(aiozc, seconds)
        infos = await asyncio.gather(*(_resolve(aiozc, name) for name in names))
    finally:
        await aiozc.async_close()
    found = [hub for info in infos if info is not None and (hub := found_hub(info)) is not None]
    return sorted(found, key=lambda hub: (hub.name.casefold(), hub.port))


async def _names_present(aiozc: AsyncZeroconf, seconds: float) -> list[str]:
    """The service names that appeared and did not say goodbye during ``seconds``."""
    present: dict[str, None] = {}  # insertion-ordered set

    def on_change(zeroconf: Zeroconf, service_type: str, name: str,
                  state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            present.pop(name, None)
        else:
            present[name] = None

    browser = AsyncServiceBrowser(aiozc.zeroconf, SOCKETIO_SERVICE, handlers=[on_change])
    try:
        await asyncio.sleep(seconds)
    finally:
        await browser.async_cancel()
    return list(present)


async def _resolve(aiozc: AsyncZeroconf, name: str) -> AsyncServiceInfo | None:
    """The service's port, addresses and TXT: from the answers already heard, else asked."""
    info = AsyncServiceInfo(SOCKETIO_SERVICE, name)
    if await info.async_request(aiozc.zeroconf, RESOLVE_MILLISECONDS):
        return info
    return None
