"""The registry of connected clients, and notifications when it changes.

The Socket.IO handlers are the only writers.  Readers (the desktop table, the dashboard's
live feed) subscribe to changes instead of polling the whole list.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from .hub.traffic import ClientTraffic

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Connection:
    """One connected client, as the hub sees it.  Immutable: a change makes a new one."""

    sid: str
    client_ip: str
    connected_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rooms: frozenset[str] = frozenset()
    transport: str = "polling"
    user_agent: str = ""
    name: str | None = None
    node: str | None = None
    """The cluster node the client is connected to; None on a hub that is no node."""
    # Counted in place as messages pass, outside equality: a message is no change.
    traffic: ClientTraffic = field(default_factory=ClientTraffic, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape served by ``/api/connections`` (with ``node`` in a cluster)."""
        shape = {
            "sid": self.sid,
            "name": self.name,
            "client_ip": self.client_ip,
            "transport": self.transport,
            "user_agent": self.user_agent,
            "connected_at": self.connected_at.isoformat(),
            "rooms": sorted(self.rooms),
            "messages_sent": self.traffic.sent,
            "messages_received": self.traffic.received,
            "last_seen": datetime.fromtimestamp(self.traffic.last_seen, UTC).isoformat(),
        }
        if self.node is not None:
            shape["node"] = self.node
        return shape


class Change(enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    UPDATED = "updated"


Listener = Callable[[Change, Connection], None]


class ChangeListeners:
    """Who hears of a registry's changes: each told in turn, and one that fails is logged,
    never keeping the others (or the change itself) from happening."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def add(self, listener: Listener) -> Callable[[], None]:
        """Tell ``listener`` of every change from now on; returns its unsubscriber."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def notify(self, change: Change, connection: Connection) -> None:
        for listener in list(self._listeners):
            try:
                listener(change, connection)
            except Exception:
                logger.exception("connection listener %r failed on %s", listener, change.value)


class ClientView(Protocol):
    """What readers need of a registry: ``ConnectionManager`` for one hub, and
    ``server.cluster.directory.ClusterDirectory`` for every client of a cluster."""

    def get(self, sid: str) -> Connection | None: ...

    def all(self) -> list[Connection]: ...

    def count(self) -> int: ...

    def __contains__(self, sid: object) -> bool: ...

    def rooms(self) -> dict[str, int]: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...


class ConnectionManager:
    """Connections by sid, in the order they arrived, with change listeners.

    Listeners run synchronously on the caller's thread (the event loop); one that raises
    is logged and does not stop the others or the server.
    """

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self._listeners = ChangeListeners()

    # -- reading ---------------------------------------------------------------------

    def get(self, sid: str) -> Connection | None:
        return self._connections.get(sid)

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def count(self) -> int:
        return len(self._connections)

    def __contains__(self, sid: object) -> bool:
        return sid in self._connections

    def rooms(self) -> dict[str, int]:
        """Each room with its number of members, by name."""
        counts: dict[str, int] = {}
        for connection in self._connections.values():
            for room in connection.rooms:
                counts[room] = counts.get(room, 0) + 1
        return dict(sorted(counts.items()))

    # -- writing ---------------------------------------------------------------------

    def add(self, connection: Connection) -> None:
        if connection.sid in self._connections:
            raise ValueError(f"connection {connection.sid} is already registered")
        self._connections[connection.sid] = connection
        self._listeners.notify(Change.ADDED, connection)

    def remove(self, sid: str) -> Connection | None:
        """Forget a client; returns what was known of it, or None if it was unknown."""
        connection = self._connections.pop(sid, None)
        if connection is not None:
            self._listeners.notify(Change.REMOVED, connection)
        return connection

    def add_room(self, sid: str, room: str) -> Connection | None:
        return self._update(sid, lambda c: replace(c, rooms=c.rooms | {room}))

    def remove_room(self, sid: str, room: str) -> Connection | None:
        return self._update(sid, lambda c: replace(c, rooms=c.rooms - {room}))

    def set_transport(self, sid: str, transport: str) -> Connection | None:
        return self._update(sid, lambda c: replace(c, transport=transport))

    def _update(self, sid: str, change: Callable[[Connection], Connection]) -> Connection | None:
        old = self._connections.get(sid)
        if old is None:
            return None
        new = change(old)
        if new != old:
            self._connections[sid] = new
            self._listeners.notify(Change.UPDATED, new)
        return new

    # -- notifications ---------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change, connection)`` on every change; returns an unsubscriber."""
        return self._listeners.add(listener)


manager = ConnectionManager()
"""The seed's API: the registry ``app.create_app()`` keeps, a ``ConnectionManager`` like
any other, written by the same handlers (``hub.namespace.HubNamespace``)."""
