"""What a hub announces by DNS-SD and what a browser reads back, without any I/O.

Two services: ``_socketio._tcp`` for devices (``MDNS.queryService("socketio", "tcp")`` on
an ESP32) and ``_http._tcp`` for the dashboard, so that browsers and network tools list
it.  TXT says how to connect and whether a token is needed; never the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zeroconf.asyncio import AsyncServiceInfo

from .naming import mdns_host_name

SOCKETIO_SERVICE = "_socketio._tcp.local."
HTTP_SERVICE = "_http._tcp.local."
SOCKETIO_PATH = "/socket.io/"
DASHBOARD_PATH = "/"
ENGINE_IO_VERSION = "4"


@dataclass(frozen=True)
class Announcement:
    """One hub as announced: its name, where it listens, whether it wants a token."""

    name: str
    port: int
    addresses: tuple[str, ...]
    auth_required: bool
    version: str
    host_name: str = field(default_factory=mdns_host_name)

    def socketio_txt(self) -> dict[str, str]:
        return {
            "path": SOCKETIO_PATH,
            "eio": ENGINE_IO_VERSION,
            "auth": "token" if self.auth_required else "none",
            "version": self.version,
            "dashboard": DASHBOARD_PATH,
        }

    def http_txt(self) -> dict[str, str]:
        # "path" is where DNS-SD's _http convention says a browser should open.
        return {"path": DASHBOARD_PATH, "version": self.version}

    def service_infos(self) -> list[AsyncServiceInfo]:
        """The Socket.IO service first, then the dashboard's."""
        return [self._info(SOCKETIO_SERVICE, self.socketio_txt()),
                self._info(HTTP_SERVICE, self.http_txt())]

    def _info(self, service_type: str, txt: Mapping[str, str]) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            service_type,
            f"{self.name}.{service_type}",
            port=self.port,
            parsed_addresses=list(self.addresses),
            properties=dict(txt),
            server=self.host_name,
        )


def instance_name(info: AsyncServiceInfo) -> str:
    """``socketio-tray on box`` out of ``socketio-tray on box._socketio._tcp.local.``."""
    return info.name.removesuffix(f".{info.type}")


@dataclass(frozen=True)
class FoundHub:
    """A hub a browser found: enough to connect to it, or to tell a person how."""

    name: str
    addresses: tuple[str, ...]
    port: int
    auth_required: bool | None  # None: its TXT does not say
    version: str | None
    path: str = SOCKETIO_PATH


def found_hub(info: AsyncServiceInfo) -> FoundHub | None:
    """The hub an answered ``_socketio._tcp`` lookup describes; None without a port."""
    if not info.port:
        return None
    txt = info.decoded_properties
    auth = txt.get("auth")
    return FoundHub(
        name=instance_name(info),
        addresses=tuple(info.parsed_scoped_addresses()),
        port=info.port,
        auth_required=None if auth is None else auth == "token",
        version=txt.get("version"),
        path=txt.get("path") or SOCKETIO_PATH,
    )
