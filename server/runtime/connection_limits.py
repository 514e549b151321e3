"""How many TCP connections the hub keeps open: per peer address and in all.

Every open connection costs a file descriptor.  When they run out, ``accept`` fails for
everyone, health checks included; so one host may hold only so many, the total stays
below the open-files limit, and a connection over either cap is closed as it arrives.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Hashable, Sequence

from ..config import Settings
from ..network import IPNetwork

logger = logging.getLogger(__name__)

# Descriptors kept free for what is not a client connection: the listening socket, log
# files, the GUI's, the event loop's own, and a few accepts in flight.
RESERVED_DESCRIPTORS = 100
# A polling client holds a long poll and a POST; the rest is headroom for upgrades,
# the dashboard and health checks.
CONNECTIONS_PER_CLIENT = 2
SPARE_CONNECTIONS = 1_000


def open_connections_cap(settings: Settings, open_files_limit: int | None) -> int:
    """``max_open_connections`` (or its default), lowered to what the open-files limit
    leaves, so that the cap is reached before ``accept`` fails."""
    wanted = settings.max_open_connections
    if wanted is None:
        wanted = CONNECTIONS_PER_CLIENT * settings.max_connections + SPARE_CONNECTIONS
    if open_files_limit is None:
        return wanted
    return max(1, min(wanted, open_files_limit - RESERVED_DESCRIPTORS))


class ConnectionLimiter:
    """Counts open connections by peer address; says whether one more may stay open.

    Keyed by the connection's transport, which lives from ``connection_made`` to
    ``connection_lost`` whichever protocol (HTTP, then websocket) is serving it.
    """

    def __init__(self, per_peer: int, total: int,
                 uncapped_peers: Sequence[IPNetwork] = ()) -> None:
        self.total = total
        # No one address may take the whole cap, however low the open-files limit is.
        self.per_peer = max(1, min(per_peer, total // 2))
        self._uncapped = tuple(uncapped_peers)
        self._peer_of: dict[Hashable, str] = {}
        self._per_peer_open: Counter[str] = Counter()

    @property
    def open_count(self) -> int:
        return len(self._peer_of)

    def open_from(self, peer: str) -> int:
        return self._per_peer_open[peer]

    def admit(self, connection: Hashable, peer: str) -> str | None:
        """Count ``connection`` in and return None, or return why it may not stay open."""
        if len(self._peer_of) >= self.total:
            return f"{self.total} connections open (max_open_connections)"
        if self._per_peer_open[peer] >= self.per_peer and not self._is_uncapped(peer):
            return f"{self.per_peer} connections open from {peer} (max_connections_per_ip)"
        self._peer_of[connection] = peer
        self._per_peer_open[peer] += 1
        return None

    def release(self, connection: Hashable) -> None:
        """Count ``connection`` out; a no-op when it was never admitted or already out."""
        peer = self._peer_of.pop(connection, None)
        if peer is None:
            return
        self._per_peer_open[peer] -= 1
        if not self._per_peer_open[peer]:
            del self._per_peer_open[peer]

    def _is_uncapped(self, peer: str) -> bool:
        # A trusted reverse proxy carries many clients over its own address.
        if not self._uncapped:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._uncapped)
