"""Addresses: who a peer really is, and where this machine can be reached on the LAN."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ifaddr

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN_ADDRESS = "unknown"


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:port" as some proxies write it
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                trusted: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def header_values(scope: Mapping[str, Any], name: bytes) -> list[str]:
    """All values of one request header from an ASGI scope, decoded leniently."""
    return [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]


def client_ip(scope: Mapping[str, Any], trusted_proxies: Sequence[IPNetwork] = ()) -> str:
    """The address of the client behind an ASGI request.

    The direct peer comes from the scope (python-engineio's ``REMOTE_ADDR`` is a constant
    under ASGI).  ``X-Forwarded-For`` is believed only when that peer is a trusted proxy,
    and then read from the right, stopping at the first hop that is not trusted, so a
    client cannot put a made-up address in front of the chain.
    """
    peer = scope.get("client")
    if not peer:
        return UNKNOWN_ADDRESS
    peer_ip = _parse_ip(str(peer[0]))
    if peer_ip is None:
        return str(peer[0])[:64]
    if not trusted_proxies or not _is_trusted(peer_ip, trusted_proxies):
        return str(peer_ip)

    hops = [hop for value in header_values(scope, b"x-forwarded-for") for hop in value.split(",")]
    address = peer_ip
    for hop in reversed(hops):
        hop_ip = _parse_ip(hop)
        if hop_ip is None:
            break  # garbage in the chain: trust nothing to its left
        address = hop_ip
        if not _is_trusted(hop_ip, trusted_proxies):
            break
    return str(address)


FORWARDING_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip", b"x-forwarded-host")


def is_local_request(scope: Mapping[str, Any]) -> bool:
    """Whether a request comes from this machine itself: the rule for "local".

    Local means the TCP peer is a loopback address AND the request carries no proxy
    header at all.  A forwarded request is never local, whatever it names and whether
    or not its proxy is trusted: a proxy's loopback is the proxy's own machine, and a
    proxy on this machine would otherwise make everyone it forwards local.  So behind a
    trusted proxy ``X-Forwarded-For: 127.0.0.1``, ``127.0.0.2`` and ``::1`` are all not
    local (``client_ip`` still names them for display and logs).
    """
    peer = scope.get("client")
    address = _parse_ip(str(peer[0])) if peer else None
    if address is None or not address.is_loopback:
        return False
    return not any(key in FORWARDING_HEADERS for key, _ in scope.get("headers", ()))


VIRTUAL_INTERFACE_PREFIXES = (
    "docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxcbr", "lxdbr", "podman",
    "cni", "flannel", "tun", "tap", "wg", "utun", "zt", "zerotier", "tailscale",
    "vethernet",  # Hyper-V and WSL switches on Windows
)
"""Container bridges and VPN tunnels by interface name: a LAN device cannot reach the hub
at their addresses, so the window does not offer them and mDNS does not go there."""


def is_virtual_interface(name: str) -> bool:
    """Whether ``name`` (``docker0``, ``br-3f2a``, ``wg0``, ``Tailscale``) is a bridge or
    tunnel rather than a LAN interface."""
    return name.strip().lower().startswith(VIRTUAL_INTERFACE_PREFIXES)


def lan_ipv4(interfaces: Iterable[tuple[str, str]]) -> list[str]:
    """Of ``(interface name, address)`` pairs, the IPv4 addresses a LAN device can reach:
    not loopback, not link-local, not on a bridge or tunnel; each once, in order."""
    found: list[str] = []
    for name, text in interfaces:
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            continue
        if (address.is_loopback or address.is_link_local or is_virtual_interface(name)
                or str(address) in found):
            continue
        found.append(str(address))
    return found


ADAPTERS_MAX_AGE_SECONDS = 2.0
"""How long one read of the interfaces (about 1 ms) is used again, so that requests open
to the LAN (``/api/info``, a made-up address in ``Host``) cannot each make us pay it; the
machine's addresses (DHCP) are still seen within a few seconds."""


class Adapters:
    """This machine's network adapters, read again when ``max_age`` seconds have passed."""

    def __init__(self, read: Callable[[], Iterable[ifaddr.Adapter]] = ifaddr.get_adapters,
                 clock: Callable[[], float] = time.monotonic,
                 max_age: float = ADAPTERS_MAX_AGE_SECONDS) -> None:
        self._read = read
        self._clock = clock
        self.max_age = max_age
        self._adapters: list[ifaddr.Adapter] = []
        self._read_at = -math.inf

    def __call__(self) -> list[ifaddr.Adapter]:
        now = self._clock()
        if now - self._read_at >= self.max_age:
            self._adapters, self._read_at = list(self._read()), now
        return self._adapters


adapters = Adapters()
"""The process's adapters: the one read that the hub's Host check and its LAN addresses
share."""


def lan_addresses(of: Adapters = adapters) -> list[str]:
    """This machine's LAN IPv4 addresses (``lan_ipv4`` over its interfaces)."""
    # nice_name: the same as name on Linux and macOS, the readable name on Windows.
    return lan_ipv4((adapter.nice_name, ip.ip) for adapter in of()
                    for ip in adapter.ips if ip.is_IPv4 and isinstance(ip.ip, str))


def reachable_hosts(host: str) -> list[str]:
    """The addresses at which a server bound to ``host`` can be reached, LAN ones first."""
    return [*lan_addresses(), "127.0.0.1"] if host in ("0.0.0.0", "::") else [host]


def is_loopback_only(host: str) -> bool:
    """Whether a server bound to ``host`` can be reached from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reachable_urls(host: str, port: int) -> list[str]:
    """The URLs at which a server bound to ``host:port`` can be opened."""
    return [f"http://{h if ':' not in h else f'[{h}]'}:{port}" for h in reachable_hosts(host)]
