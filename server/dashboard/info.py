"""``/api/info``: what a device on the LAN needs to connect, and nothing more.

Open without the dashboard token because it says only what the mDNS announcement
already tells the whole LAN: no token, no client data.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..config import Settings
from ..discovery import Advertiser, AdvertiserState, node_name
from ..discovery.records import ENGINE_IO_VERSION, SOCKETIO_PATH
from ..network import reachable_hosts


def hub_info(settings: Settings, port: int | None,
             advertiser: Advertiser | None) -> dict[str, Any]:
    """The ``/api/info`` document of a hub serving ``settings`` on ``port``."""
    advertising = advertiser is not None and advertiser.state is AdvertiserState.ADVERTISING
    name = advertiser.name_in_use if advertiser is not None else None
    return {
        "name": name or node_name(settings),
        "version": __version__,
        "socketio_path": SOCKETIO_PATH,
        "eio": int(ENGINE_IO_VERSION),
        "auth_required": settings.auth_token is not None,
        "port": port,
        "addresses": reachable_hosts(settings.host),
        "discovery": advertising,
    }
