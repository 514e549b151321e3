"""What the Socket.IO server sees, as journal entries: the bridge between the wire and the
journal.

The server calls these as things happen (``server.wire.socketio_server`` and the Engine.IO
layer's hooks); each call is O(1): a registry lookup for the client's name and address and
one ``record_*``.  The server holds no recorder when the inspector is off, so then nothing
here runs at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..config import Settings
from ..connections import ConnectionManager
from ..network import client_ip
from .entry import EVENT_IN, EVENT_OUT, TO_ALL, TO_ROOM, TO_SID
from .journal import Journal

KICKED = "kicked"
DISCONNECT_REASONS = {
    # python-engineio's reason values, in the words the inspector shows.
    "client disconnect": "client close",
    "server disconnect": "shutdown",
    "ping timeout": "ping timeout",
    "transport close": "client close",  # its connection closed without a goodbye
    "transport error": "transport error",
}


def disconnect_reason(reason: Any) -> str:
    """python-socketio's disconnect reason in plain words (ours pass through as they are)."""
    text = str(reason) if reason is not None else "client disconnect"
    return DISCONNECT_REASONS.get(text, text)


class TrafficRecorder:
    """Records into ``journal``, naming clients from ``manager`` (the hub's registry)."""

    def __init__(self, journal: Journal, manager: ConnectionManager,
                 settings: Callable[[], Settings]) -> None:
        self.journal = journal
        self.manager = manager
        self._settings = settings

    def _who(self, sid: str | None) -> tuple[str | None, str | None]:
        connection = self.manager.get(sid) if sid is not None else None
        return (connection.name, connection.client_ip) if connection else (None, None)

    def address(self, scope: Mapping[str, Any]) -> str:
        """The client's address in an ASGI scope, by the hub's proxy rule."""
        return client_ip(scope, self._settings().trusted_proxies)

    # -- events

    def event_in(self, sid: str, namespace: str, data: list[Any], ack: bool,
                 refused: str | None = None) -> None:
        """A client sent ``data`` (``[event, *args]``, as the packet carried it); ``refused``:
        why the hub refused it (one entry says both what came and why it went no further)."""
        connection = self.manager.get(sid)  # _who() inline: the hot path
        name, ip = (connection.name, connection.client_ip) if connection else (None, None)
        self.journal.add_event(EVENT_IN, str(data[0]), data[1:], namespace, ack, sid, name,
                               ip, None, None, None, None, refused)

    def event_out(self, event: str, data: Any, namespace: str, to: Any, skip_sid: Any,
                  ack: bool, recipients: int, to_sid: bool) -> None:
        """The hub emitted ``event`` once, to ``recipients`` clients."""
        if to is None:
            sid, room, target = None, None, TO_ALL
        elif to_sid:
            sid, room, target = to, None, TO_SID
        else:
            room = to if isinstance(to, str) else ",".join(map(str, to))
            sid, target = None, TO_ROOM
        # The arguments the clients receive, by python-socketio's rule: a tuple is several
        # arguments, None none.  (orjson writes a tuple as a JSON array.)
        args = data if isinstance(data, tuple) else () if data is None else (data,)
        self.journal.add_event(EVENT_OUT, event, args, namespace, ack, sid, None,
                               None, room, recipients, target,
                               skip_sid if isinstance(skip_sid, str) else None, None)

    # -- sessions

    def connected(self, sid: str, namespace: str, transport: str,
                  scope: Mapping[str, Any]) -> None:
        name, ip = self._who(sid)
        self.journal.record_connect(sid, client=name, ip=ip or self.address(scope),
                                    transport=transport, namespace=namespace)

    def connect_refused(self, scope: Mapping[str, Any], namespace: str, reason: str,
                        client: str | None = None) -> None:
        """A connect the hub refused, with the message the client was given (``client``: the
        name it gave, as the hub keeps names)."""
        self.journal.record_refused(reason, ip=self.address(scope), client=client,
                                    namespace=namespace)

    def disconnected(self, sid: str, namespace: str, reason: str) -> None:
        name, ip = self._who(sid)
        self.journal.record_disconnect(sid, reason, client=name, ip=ip, namespace=namespace)

    def room_changed(self, sid: str, namespace: str, room: Any, joined: bool) -> None:
        name, ip = self._who(sid)
        record = self.journal.record_join if joined else self.journal.record_leave
        record(sid, str(room), client=name, ip=ip, namespace=namespace)

    def dropped(self, sid: str | None, scope: Mapping[str, Any], why: str) -> None:
        """A session dropped for malformed or oversized input (already logged)."""
        name, ip = self._who(sid)
        self.journal.record_dropped(sid, why, client=name, ip=ip or self.address(scope))

    def refused_request(self, scope: Mapping[str, Any], why: str,
                        namespace: str | None = None, client: str | None = None) -> bool:
        """A request refused before any session exists: recorded, and True (log it), once
        per address and reason within the journal's refusal window (``client``: the name
        the first one in the window gave, if any)."""
        ip = self.address(scope)
        return self.journal.record_refusal_once(ip, why, client=client,
                                                namespace=namespace) is not None
