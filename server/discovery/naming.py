"""The names a hub goes by on the LAN: its node name and its mDNS host name."""

from __future__ import annotations

import re
import socket

from ..config import APP_NAME, NODE_NAME_MAX_BYTES, Settings

DNS_LABEL_MAX_BYTES = 63
_NOT_IN_HOST_LABEL = re.compile(r"[^A-Za-z0-9-]+")


def _short_host_name(host_name: str | None) -> str:
    """The machine's name without its domain (``box.example.org`` is ``box``)."""
    name = socket.gethostname() if host_name is None else host_name
    return name.split(".", 1)[0].strip()


def _cut_to_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return text.encode()[:limit].decode(errors="ignore").rstrip()


def default_node_name(host_name: str | None = None) -> str:
    """``socketio-tray on <host name>``, short enough to stay one DNS label after a
    rename such as ``-2``; ``host_name`` defaults to this machine's."""
    short = _short_host_name(host_name) or "localhost"
    return _cut_to_bytes(f"{APP_NAME} on {short}", NODE_NAME_MAX_BYTES)


def node_name(settings: Settings) -> str:
    """The name to advertise and show: the ``node_name`` setting, or the default."""
    return settings.node_name or default_node_name()


def mdns_host_name(host_name: str | None = None) -> str:
    """The ``<host>.local.`` name the services' SRV records point at.

    Letters, digits and hyphens only, as host names are; a machine named ``My PC`` is
    ``My-PC.local.``.
    """
    label = _NOT_IN_HOST_LABEL.sub("-", _short_host_name(host_name)).strip("-")
    label = label[:DNS_LABEL_MAX_BYTES].rstrip("-") or "socketio-tray"
    return f"{label}.local."
