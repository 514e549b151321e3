"""Finding the hub on the LAN: mDNS/DNS-SD announcement and browsing (python-zeroconf).

``naming`` (the node name), ``interfaces`` (where mDNS may go, and a zeroconf instance held
to exactly that), ``records`` (what is announced and read back, no I/O), ``advertiser``
(the hub's announcement), ``browser`` (finding hubs), ``command`` (``python -m server
discover``).  Multicast is only ever sent on interfaces named by address: a hub bound to
127.0.0.1 is announced on loopback only.

Wiring, one advertiser per ``HubServer`` (a restart makes a new hub, so a new port or bind
address is announced afresh; ``Advertiser.update`` serves an owner that outlives hubs):
created in ``__init__`` only when ``settings.discovery``, as ``Advertiser(node_name(
settings), auth_required=settings.auth_token is not None)``; ``start(advertised_interfaces(
settings.host), port)`` once the port is bound (it returns at once and never raises);
``await stop()`` at the start of the hub's stop, so that the goodbyes leave before the hub
stops answering.  The window and ``/api/info`` read ``state``, ``name_in_use`` and
``error``; ``on_change`` tells the window when they change.
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
