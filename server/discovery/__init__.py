"""Finding the hub on the LAN: mDNS/DNS-SD announcement and browsing (python-zeroconf).

``naming`` (the node name), ``interfaces`` (where mDNS may go, and a zeroconf instance held
to exactly that), ``records`` (what is announced and read back, no I/O), ``advertiser``
(the hub's announcement), ``browser`` (finding hubs), ``command`` (``python -m server
discover``).  Multicast is only ever sent on interfaces named by address: a hub bound to
127.0.0.1 is announced on loopback only.
"""

from .advertiser import Advertiser, AdvertiserState
from .browser import browse
from .command import discover_main
from .interfaces import advertised_interfaces
from .naming import node_name
from .records import FoundHub

__all__ = [
    "Advertiser",
    "AdvertiserState",
    "FoundHub",
    "advertised_interfaces",
    "browse",
    "discover_main",
    "node_name",
]
