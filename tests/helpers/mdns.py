"""A zeroconf browser in the test process, on loopback only, that records what it sees.

It uses python-zeroconf directly, not ``server.discovery``, so that it checks the
advertiser from the outside.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from types import TracebackType

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from server.discovery import Advertiser, AdvertiserState

from .support import wait_until

LOOPBACK_ONLY = ["127.0.0.1"]
WITHIN = 15.0  # a hang guard: probing and answering take a second or two


def unique_name(label: str) -> str:
    """A node name no other test run on this machine's loopback is using."""
    return f"{label} {uuid.uuid4().hex[:8]}"


async def settled(advertiser: Advertiser) -> AdvertiserState:
    """``advertiser.settled()``, failing the test rather than hanging."""
    async with asyncio.timeout(WITHIN):
        return await advertiser.settled()


class LoopbackBrowser:
    """Browses ``service_types`` on 127.0.0.1; ``present`` holds the full service names
    that appeared and have not said goodbye."""

    def __init__(self, service_types: Sequence[str]) -> None:
        self.service_types = list(service_types)
        self.present: set[str] = set()
        self.removed: set[str] = set()
        self._aiozc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None

    async def __aenter__(self) -> LoopbackBrowser:
        self._aiozc = AsyncZeroconf(interfaces=LOOPBACK_ONLY, ip_version=IPVersion.V4Only)
        self._browser = AsyncServiceBrowser(self._aiozc.zeroconf, self.service_types,
                                            handlers=[self._on_change])
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        assert self._browser is not None and self._aiozc is not None
        await self._browser.async_cancel()
        await self._aiozc.async_close()

    def _on_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                   state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            self.present.discard(name)
            self.removed.add(name)
        else:
            self.present.add(name)

    async def found(self, service_type: str, instance: str) -> AsyncServiceInfo:
        """The service ``instance`` of ``service_type`` once seen, resolved."""
        name = f"{instance}.{service_type}"
        await wait_until(lambda: name in self.present, WITHIN, f"{name!r} to be announced")
        assert self._aiozc is not None
        info = AsyncServiceInfo(service_type, name)
        assert await info.async_request(self._aiozc.zeroconf, 3000), f"{name!r} not resolved"
        return info

    async def gone(self, service_type: str, instance: str) -> None:
        name = f"{instance}.{service_type}"
        await wait_until(lambda: name in self.removed and name not in self.present, WITHIN,
                         f"{name!r} to say goodbye")
