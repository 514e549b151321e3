"""python-socketio's room tables, with an index from each client to its rooms.

python-socketio's ``BaseManager`` finds a client's rooms by scanning every room of the
namespace, and every client has a room of its own: each disconnect costs time in
proportion to the number of clients.  Closing 1,000 sessions at a stop spent 0.13 s in
500,000 membership tests.  ``RoomIndexManager`` keeps ``(namespace, sid) -> rooms`` up to
date wherever python-socketio changes its tables, so a disconnect and ``get_rooms`` touch
only the client's own rooms.
"""

from __future__ import annotations

from typing import Any

import socketio


class RoomIndexManager(socketio.AsyncManager):  # type: ignore[misc]  # untyped library
    """python-socketio's in-memory manager; a client's rooms are looked up, not searched."""

    def __init__(self) -> None:
        super().__init__()
        self._rooms_of: dict[tuple[str, str], set[Any]] = {}
        """The rooms each client is in, its own room and the namespace's ``None`` included."""

    def basic_enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: str | None = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[namespace, sid]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """python-socketio's ``basic_disconnect``, the rooms taken from the index."""
        if namespace not in self.rooms:
            return
        for room in list(self._rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace)
            if sids is not None and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [room for room in self._rooms_of.get((namespace, sid), ()) if room is not None]
