"""Who may see the dashboard: this machine always, the LAN with the token, never a rebinding.

Three checks, in the order the dashboard applies them:

* the ``Host`` header must name this machine (an address of it, its host name or
  ``localhost``): a page on another site that re-points its DNS name at us (DNS
  rebinding) sends its own name and is refused;
* a request from loopback is trusted, unless it carries proxy headers that no trusted
  proxy explains (a reverse proxy on this machine would otherwise make the LAN local);
* anyone else presents the dashboard token: ``?token=`` (then kept in a cookie), an
  ``Authorization: Bearer`` header or that cookie, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket

import ifaddr

COOKIE_NAME = "socketio_tray_dashboard"
COOKIE_MAX_AGE_SECONDS = 30 * 86_400
FORWARDING_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip", b"x-forwarded-host")


def host_name(host_header: str) -> str:
    """The name or address in a ``Host`` header, without port, brackets or final dot."""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _machine_addresses() -> set[str]:
    addresses = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ip.ip if ip.is_IPv4 else ip.ip[0]
            addresses.add(str(ipaddress.ip_address(address)))
    return addresses


class MachineNames:
    """The names a browser may use for this machine; refreshed when a name is not known,
    since DHCP may give the machine a new address while the hub runs."""

    def __init__(self, bound_host: str = "0.0.0.0") -> None:
        hostname = socket.gethostname().lower()
        self._fixed = {"localhost", hostname, f"{hostname}.local", bound_host.lower()}
        self._addresses = _machine_addresses()

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
        if str(address) not in self._addresses:
            self._addresses = _machine_addresses()
        return str(address) in self._addresses


def is_loopback_request(client_ip: str, peer: str | None, forwarded: bool) -> bool:
    """Whether the request comes from this machine itself.

    ``client_ip`` is what ``network.client_ip`` made of the request.  When proxy headers
    are present but were not used (no trusted proxy sent them) the client is somewhere
    behind a proxy, so it is not trusted as local, whatever the peer's address.
    """
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return address.is_loopback and not (forwarded and client_ip == peer)


def token_matches(candidate: str | None, token: str | None) -> bool:
    """Constant-time comparison; no token configured means no token matches."""
    if not candidate or not token:
        return False
    return hmac.compare_digest(candidate.encode(), token.encode())


def cookie_value(token: str) -> str:
    """What the cookie holds: derived from the token, so any token is cookie-safe text
    and the cookie alone does not reveal it."""
    return hmac.new(token.encode(), b"socketio-tray dashboard cookie", hashlib.sha256).hexdigest()


def session_cookie(token: str) -> bytes:
    """The ``Set-Cookie`` value that lets a browser in after one ``?token=`` link.

    HttpOnly: page scripts never see it.  SameSite=Lax: sent when the QR code's link or
    a bookmark opens the page, not on other sites' requests.
    """
    return (f"{COOKIE_NAME}={cookie_value(token)}; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}; "
            "HttpOnly; SameSite=Lax").encode()
