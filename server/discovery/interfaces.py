"""Which network interfaces mDNS may use, and a zeroconf instance held to exactly those.

Multicast goes where the hub can be reached and nowhere else: a hub bound to loopback is
announced on loopback only.  ``open_zeroconf`` refuses anything but an explicit list of
addresses, so no caller can fall back to zeroconf's default of every interface.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
from collections.abc import Sequence

import zeroconf
from zeroconf import IPVersion, Zeroconf
from zeroconf.asyncio import AsyncZeroconf

from ..network import lan_addresses

LOOPBACK = "127.0.0.1"


class MulticastUnavailable(OSError):
    """mDNS cannot send on any of the interfaces it was given."""


EXPECTED_FAILURES = (OSError, ValueError, zeroconf.Error)
"""What ``open_zeroconf`` and zeroconf's calls raise when the network says no."""


def failure_reason(exc: BaseException) -> str:
    """One line a person can act on."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return "UDP port 5353 is held by another mDNS responder that does not share it"
    return str(exc) or type(exc).__name__


def advertised_interfaces(bind_host: str) -> list[str]:
    """The interfaces, by address, to announce a hub bound to ``bind_host`` on; the
    same addresses are the ones announced.

    ``0.0.0.0`` (or ``::``) serves the whole LAN: the LAN addresses the window lists.
    A loopback or any single address serves there only.  ``::1`` gives none, as zeroconf
    cannot multicast on IPv6 loopback.
    """
    if bind_host == "localhost":
        return [LOOPBACK]
    address = ipaddress.ip_address(bind_host)
    if address.is_unspecified:
        return lan_addresses()
    if address == ipaddress.IPv6Address("::1"):
        return []
    return [str(address)]


def checked_interfaces(interfaces: Sequence[str]) -> list[str]:
    """``interfaces`` as addresses, or ``ValueError``: an empty list would announce
    nowhere, and ``0.0.0.0`` would leave the interface to the system's routing."""
    if not interfaces:
        raise ValueError("no interface to use for mDNS")
    checked = []
    for interface in interfaces:
        address = ipaddress.ip_address(interface)
        if address.is_unspecified:
            raise ValueError(f"{interface} is not one interface; name its address")
        checked.append(str(address))
    return checked


def _ip_version(addresses: Sequence[str]) -> IPVersion:
    versions = {ipaddress.ip_address(address).version for address in addresses}
    if versions == {4}:
        return IPVersion.V4Only
    return IPVersion.V6Only if versions == {6} else IPVersion.All


async def open_zeroconf(interfaces: Sequence[str]) -> AsyncZeroconf:
    """A started ``AsyncZeroconf`` on the running loop, using exactly ``interfaces``.

    Raises ``ValueError`` for an unusable list, ``OSError`` when the sockets cannot be
    opened (port 5353 held by a responder that does not share it), and
    ``MulticastUnavailable`` when none of the interfaces can send multicast.
    """
    addresses = checked_interfaces(interfaces)
    aiozc = AsyncZeroconf(zc=Zeroconf(interfaces=addresses, ip_version=_ip_version(addresses),
                                      use_asyncio=True))
    try:
        # Shielded: a cancel while waiting here (the hub stopped as it started) would
        # cancel zeroconf's own start, and its close, which waits for that start, then
        # gave up with the sockets still open.
        await asyncio.shield(aiozc.zeroconf.async_wait_for_start())
        if not aiozc.zeroconf.engine.senders:
            raise MulticastUnavailable(f"cannot send multicast on {', '.join(addresses)}")
    except BaseException:
        await aiozc.async_close()
        raise
    return aiozc
