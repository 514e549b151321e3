"""The Host allow-list: every request, Socket.IO included, must name this machine.

A page on another site can re-point its own DNS name at this machine's address (DNS
rebinding); the browser then sends that foreign name in ``Host`` and treats the hub as
the page's own origin, so the origin check lets it in.  Refusing every Host that is not
one of this machine's names stops it: its addresses (refreshed, since DHCP may change
them while the hub runs), its host name and ``<hostname>.local`` (mDNS), ``localhost``,
the address it is bound to, and the names a user adds in ``allowed_hosts`` (a reverse
proxy, a DNS alias).  Devices that connect by address or by the machine's name pass.

Starlette's ``TrustedHostMiddleware`` takes a fixed list and cuts ``[::1]:8765`` at its
first colon, hence this small middleware.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import ifaddr
from starlette.types import ASGIApp, Receive, Scope, Send

from .network import Adapters, adapters, header_values

if TYPE_CHECKING:
    from .config import Settings

MISDIRECTED = (b"Misdirected request: the Host header does not name this machine. "
               b"Open it by its IP address or localhost, or add the name to allowed_hosts.\n")
REFUSAL_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(MISDIRECTED)).encode()),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


def host_name(host_header: str) -> str:
    """The name or address in a ``Host`` header, without port, brackets or final dot."""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _machine_addresses(adapters: Iterable[ifaddr.Adapter]) -> set[str]:
    addresses = set()
    for adapter in adapters:
        for ip in adapter.ips:
            address = ip.ip if isinstance(ip.ip, str) else ip.ip[0]  # IPv6: (ip, flow, scope)
            addresses.add(str(ipaddress.ip_address(address)))
    return addresses


class MachineNames:
    """The names a client may use for this machine; the addresses are read again when
    one is not known (``interfaces`` reads at most every few seconds), since DHCP may
    give the machine a new address while the hub runs."""

    def __init__(self, bound_host: str = "0.0.0.0", extra: Iterable[str] = (),
                 interfaces: Adapters = adapters) -> None:
        hostname = socket.gethostname().lower()
        self._fixed = {"localhost", hostname, f"{hostname}.local", bound_host.lower(),
                       *(name.lower().rstrip(".") for name in extra)}
        self._interfaces = interfaces
        self._adapters = interfaces()
        self._addresses = _machine_addresses(self._adapters)

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = host_name(host_header)
        if name in self._fixed or name.endswith(".localhost"):
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False  # a DNS name that is not ours: the rebinding case
        if address.is_loopback:
            return True
        if str(address) in self._addresses:
            return True
        current = self._interfaces()
        if current is not self._adapters:  # read again since we last looked
            self._adapters, self._addresses = current, _machine_addresses(current)
        return str(address) in self._addresses


class HostGuard:
    """ASGI middleware: a request whose ``Host`` is not this machine's gets 421, a
    websocket handshake is refused (uvicorn answers 403); nothing reaches ``app``.

    ``settings`` is called on the first request (the bound address, ``allowed_hosts``),
    so that an app built at import time reads no config file then.
    """

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self._settings = settings
        self._names: MachineNames | None = None

    @property
    def names(self) -> MachineNames:
        if self._names is None:
            settings = self._settings()
            self._names = MachineNames(settings.host, settings.allowed_hosts)
        return self._names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            hosts = header_values(scope, b"host")
            if len(hosts) != 1 or not self.names.allows(hosts[0]):
                await self._refuse(scope, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": 421, "headers": REFUSAL_HEADERS})
        await send({"type": "http.response.body", "body": MISDIRECTED})
