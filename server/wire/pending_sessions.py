"""Engine.IO sessions that have not joined a namespace yet, counted per peer address.

Such a session costs memory and a timer until its connect timeout, and python-socketio
counts it nowhere: one host could open thousands a second.  Each peer address may hold a
few (a device reconnecting needs one or two); every session, waiting or joined, counts
against the hub's total.  No I/O.

The total has room for one address's worth of waiting sessions beyond the clients the hub
admits: a client that comes to a full hub still gets its handshake, then the hub's own
answer to its CONNECT ("server full"), which every client library shows; a refused
handshake reaches most of them as a bare transport error.
"""

from __future__ import annotations


class PendingSessions:
    """Which sessions wait for their first namespace, and from which address."""

    def __init__(self, per_address: int, clients: int) -> None:
        self.per_address = per_address
        """Sessions one address may hold before they join a namespace."""
        self.total = clients + per_address
        """Sessions in all, joined or not."""
        self._address_of: dict[str, str] = {}
        self._count: dict[str, int] = {}

    def refusal(self, address: str, sessions: int) -> str | None:
        """Why a new session from ``address`` is refused, ``sessions`` open counting it."""
        if sessions > self.total:
            return f"server full: at most {self.total} sessions"
        if self._count.get(address, 0) >= self.per_address:
            return (f"too many sessions from {address} waiting to connect "
                    f"(at most {self.per_address})")
        return None

    def add(self, eio_sid: str, address: str) -> None:
        self._address_of[eio_sid] = address
        self._count[address] = self._count.get(address, 0) + 1

    def settle(self, eio_sid: str) -> None:
        """The session joined a namespace or ended: it waits no more."""
        address = self._address_of.pop(eio_sid, None)
        if address is None:
            return
        left = self._count[address] - 1
        if left:
            self._count[address] = left
        else:
            del self._count[address]

    def __len__(self) -> int:
        return len(self._address_of)
