"""python-socketio's server telling the traffic inspector what it sees.

Every event in, every emit (one entry however many receive it), every connect, refusal,
disconnect, room change and dropped session reaches ``recorder`` (a
``server.inspector.recorder.TrafficRecorder``) here, at the Socket.IO server's own seams,
so the hub protocol's handlers and the dashboard's composer are recorded alike.  With no
recorder (the inspector is off) each hook costs one attribute test.

A namespace tells what only it knows through duck-typed methods, so that this layer knows
no protocol: ``client_name(auth)``, the name a refused connect gave (and, for
``HubSocketIOServer``, ``event_refusal``: what its events may not carry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import socketio
from socketio import exceptions

from ..inspector.recorder import KICKED, TrafficRecorder, disconnect_reason
from ..log_filters import once_per
from ..network import IPNetwork, client_ip
from .repeated_refusal import RepeatedRefusal

logger = logging.getLogger(__name__)
_NO_ROOMS: Mapping[Any, Any] = {}


class RecordingServer(socketio.AsyncServer):  # type: ignore[misc]  # untyped library
    """python-socketio's server with the inspector's hooks, and ``kick``."""

    recorder: TrafficRecorder | None = None
    trusted_proxies: Sequence[IPNetwork] = ()
    """Whose ``X-Forwarded-For`` names a refused client in the log, as in the journal."""
    _kicking: frozenset[str] = frozenset()

    def record_traffic(self, recorder: TrafficRecorder) -> None:
        """Record into ``recorder`` from now on, the Engine.IO layer's refusals included."""
        self.recorder = recorder
        self.eio.on_refusal = recorder.refused_request
        self.eio.on_drop = self._report_drop

    def _peer(self, scope: Mapping[str, Any]) -> str:
        return client_ip(scope, self.trusted_proxies)

    def _refused_client(self, scope: Mapping[str, Any], client: str | None) -> str:
        """A refused client as log lines name it: by the name it gave, if any, and its
        address."""
        return f"{client!r} ({self._peer(scope)})" if client else self._peer(scope)

    def _scope(self, eio_sid: str) -> Mapping[str, Any]:
        scope: Mapping[str, Any] = self.environ.get(eio_sid, {}).get("asgi.scope", {})
        return scope

    def _report_drop(self, eio_sid: str, why: str) -> None:
        if self.recorder is not None:
            sid = self.manager.sid_from_eio_sid(eio_sid, "/")
            self.recorder.dropped(sid, self._scope(eio_sid), why)

    def _report_unserved(self, eio_sid: str, namespace: str) -> None:
        """A CONNECT to a namespace the hub does not serve: logged and recorded once per
        address within the refusal window."""
        why = f"namespace {namespace[:64]!r} is not served by this hub"
        scope = self._scope(eio_sid)
        if self.recorder is None:  # no journal keeps the window: the log's filter does
            logger.info("refused a connect from %s: %s", self._peer(scope), why,
                        extra=once_per(self._peer(scope), why))
        elif self.recorder.refused_request(scope, why, namespace):
            logger.info("refused a connect from %s: %s", self._peer(scope), why)

    async def kick(self, sid: str, namespace: str = "/") -> bool:
        """Disconnect ``sid`` for the dashboard (recorded as ``kicked``); False if unknown."""
        if not self.manager.is_connected(sid, namespace):
            return False
        self._kicking = self._kicking | {sid}
        try:
            await self.disconnect(sid, namespace)
        finally:
            self._kicking = self._kicking - {sid}
        return True

    def recipient_count(self, namespace: str, to: Any, skip_sid: Any = None) -> int:
        """How many clients an emit to ``to`` (a sid, a room, several, or None: everyone)
        reaches, from the manager's room tables: no walk over the clients for one target."""
        rooms = self.manager.rooms.get(namespace, {})
        if to is None or isinstance(to, str):
            members = rooms.get(to)  # None: everyone (python-socketio's room None)
            if members is None:
                return 0
            return self._reach(members, to, skip_sid)[0]
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        reached: set[str] = set()
        for room in to:
            reached.update(rooms.get(room) or ())
        return len(reached - skip)

    @staticmethod
    def _reach(members: Any, to: Any, skip_sid: Any) -> tuple[int, bool]:
        """The members of room ``to`` an emit reaches, and whether ``to`` names a client:
        a sid is the room of that one client, and it alone is a member named like its room
        (the hub refuses room names that are sids)."""
        # Rooms are bidicts, whose len() and ``in`` are Python calls; their keys() view is
        # the underlying dict's, for one call.
        keys = members.keys()
        if not isinstance(skip_sid, list):  # a relay skips one sid: its sender
            return len(keys) - (skip_sid in keys), to in keys
        return len(keys) - sum(1 for sid in set(skip_sid) if sid in keys), to in keys

    # -- the hooks

    async def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None,
                   skip_sid: Any = None, namespace: str | None = None,
                   callback: Any = None, ignore_queue: bool = False) -> None:
        recorder = self.recorder
        if recorder is not None:
            space, target = namespace or "/", to or room
            members = (self.manager.rooms.get(space, _NO_ROOMS).get(target)
                       if isinstance(target, str) else None)
            recipients, to_sid = (self._reach(members, target, skip_sid) if members is not None
                                  else (self.recipient_count(space, target, skip_sid), False))
            recorder.event_out(event, data, space, target, skip_sid, callback is not None,
                               recipients, to_sid)
        await super().emit(event, data, to=to, room=room, skip_sid=skip_sid,
                           namespace=namespace, callback=callback, ignore_queue=ignore_queue)

    async def _handle_event_internal(self, server: Any, sid: str, eio_sid: str,
                                     data: list[Any], namespace: str, id: int | None) -> None:
        # python-socketio's dispatch of an event from a connected client, with its sid.
        if self.recorder is not None:
            self.recorder.event_in(sid, namespace, data, id is not None)
        await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)

    def record_refused_event(self, sid: str, namespace: str, data: list[Any], ack: bool,
                             why: str) -> None:
        """An event the hub refused instead of dispatching it: one entry, with why."""
        if self.recorder is not None:
            self.recorder.event_in(sid, namespace, data, ack, why)

    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        if event == "connect":
            return await self._trigger_connect(namespace, *args)
        if event == "disconnect" and self.recorder is not None:
            sid = args[0]
            reason = KICKED if sid in self._kicking else disconnect_reason(
                args[1] if len(args) > 1 else None)
            self.recorder.disconnected(sid, namespace, reason)  # while the registry has it
        return await super()._trigger_event(event, namespace, *args)

    async def _trigger_connect(self, namespace: str, *args: Any) -> Any:
        try:
            result = await super()._trigger_event("connect", namespace, *args)
        except (exceptions.ConnectionRefusedError, ConnectionRefusedError) as exc:
            self._report_refusal(exc, namespace, args)
            raise
        if result is not False and self.recorder is not None:
            self.recorder.connected(args[0], namespace, self.transport(args[0], namespace),
                                    args[1].get("asgi.scope", {}))
        return result

    def _report_refusal(self, exc: Exception, namespace: str, args: tuple[Any, ...]) -> None:
        """A connect handler's refusal, as python-socketio answers it to the client."""
        environ, client = args[1], self._name_given(namespace, args)
        if isinstance(exc, RepeatedRefusal):
            self._report_repeated(environ, namespace, exc.reason, client)
        elif isinstance(exc, exceptions.ConnectionRefusedError):
            self._report_refused(environ, namespace, str(exc.error_args.get("message")), client)
        else:
            self._report_refused(environ, namespace, "Connection refused by server", client)

    def _name_given(self, namespace: str, args: tuple[Any, ...]) -> str | None:
        """The name a refused client gave in its auth (``args``: the connect handler's
        sid, environ and auth), as the namespace that refused it keeps names: its
        ``client_name(auth)``, which never returns the token; None without one."""
        space, _ = self._get_namespace_handler(namespace, ())
        client_name = getattr(space, "client_name", None)
        if client_name is None:
            return None
        name: str | None = client_name(args[2] if len(args) > 2 else None)
        return name

    def _report_refused(self, environ: Mapping[str, Any], namespace: str, why: str,
                        client: str | None) -> None:
        # The message the client was given, logged where python-socketio logged nothing.
        scope = environ.get("asgi.scope", {})
        logger.info("refused a connect from %s to %s: %s", self._refused_client(scope, client),
                    namespace, why)
        if self.recorder is not None:
            self.recorder.connect_refused(scope, namespace, why, client)

    def _report_repeated(self, environ: Mapping[str, Any], namespace: str, why: str,
                         client: str | None) -> None:
        """A refusal that repeats while its cause lasts: once per address and reason within
        the refusal window (the journal's, or without the inspector the log's)."""
        scope = environ.get("asgi.scope", {})
        if self.recorder is None:
            logger.info("refused a connect from %s to %s: %s",
                        self._refused_client(scope, client), namespace, why,
                        extra=once_per(self._peer(scope), why))
        elif self.recorder.refused_request(scope, why, namespace, client):
            logger.info("refused a connect from %s to %s: %s",
                        self._refused_client(scope, client), namespace, why)

    async def enter_room(self, sid: str, room: Any, namespace: str | None = None) -> None:
        namespace = namespace or "/"
        recorded = self.recorder is not None and not self._in_room(sid, room, namespace)
        await super().enter_room(sid, room, namespace)
        if recorded and self.recorder is not None:
            self.recorder.room_changed(sid, namespace, room, joined=True)

    async def leave_room(self, sid: str, room: Any, namespace: str | None = None) -> None:
        namespace = namespace or "/"
        recorded = self.recorder is not None and self._in_room(sid, room, namespace)
        await super().leave_room(sid, room, namespace)
        if recorded and self.recorder is not None:
            self.recorder.room_changed(sid, namespace, room, joined=False)

    def _in_room(self, sid: str, room: Any, namespace: str) -> bool:
        """Whether ``sid`` is in ``room``: only a real change of rooms is recorded (joining
        a room it is in, or leaving one it is not in, changes nothing)."""
        return sid in self.manager.rooms.get(namespace, _NO_ROOMS).get(room, _NO_ROOMS)
