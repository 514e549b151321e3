"""Every client of the cluster in one view: this node's registry and the other nodes'.

``ClusterDirectory`` reads like a ``ConnectionManager`` (``server.connections.ClientView``),
so the dashboard, its live feed and the desktop table show the whole cluster without
knowing it is one.  Each client carries its ``node``.  The local registry stays the only
record of this node's own clients: nothing remote is ever written into it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..connections import ChangeListeners, Connection, ConnectionManager, Listener
from .nodes import NodeTable


class ClusterDirectory:
    """This node's clients (named ``local_name``) followed by the other nodes' clients."""

    def __init__(self, local: ConnectionManager, local_name: str) -> None:
        self.local = local
        self.local_name = local_name
        self._listeners = ChangeListeners()
        self.table = NodeTable(self._listeners.notify)
        self._unsubscribe_local: Callable[[], None] | None = None

    def _here(self, connection: Connection) -> Connection:
        return replace(connection, node=self.local_name) if self.local_name else connection

    def leave_cluster(self) -> None:
        """This node is no longer one: the other nodes' clients leave the view."""
        self.table.forget_all()
        self.local_name = ""

    def get(self, sid: str) -> Connection | None:
        found = self.local.get(sid)
        return self.table.client(sid) if found is None else self._here(found)

    def all(self) -> list[Connection]:
        return [*map(self._here, self.local.all()), *self.table.clients()]

    def count(self) -> int:
        return self.local.count() + self.table.count()

    def __contains__(self, sid: object) -> bool:
        return sid in self.local or (isinstance(sid, str) and self.table.client(sid) is not None)

    def is_remote(self, sid: str) -> bool:
        return sid not in self.local and self.table.client(sid) is not None

    def rooms(self) -> dict[str, int]:
        counts = self.local.rooms()
        for room, members in self.table.rooms().items():
            counts[room] = counts.get(room, 0) + members
        return dict(sorted(counts.items()))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Hear local and remote changes alike (local ones with this node's name)."""
        if self._unsubscribe_local is None:
            self._unsubscribe_local = self.local.subscribe(
                lambda change, connection: self._listeners.notify(change,
                                                                  self._here(connection)))
        return self._listeners.add(listener)
