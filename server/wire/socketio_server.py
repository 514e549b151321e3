"""The Socket.IO server: python-socketio's, on the corrected Engine.IO server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import engineio
import socketio
from engineio import packet
from socketio import packet as sio_packet

from ..log_filters import once_per
from ..network import IPNetwork, client_ip
from .background import spawn
from .engine_server import HubEngineServer
from .engine_socket import HubEngineSocket
from .handler_arity import arity_error
from .pending_sessions import PendingSessions
from .recording_server import RecordingServer
from .socketio_packets import ProtocolError, parse_socketio_packet
from .websocket_frames import FrameBatch

logger = logging.getLogger(__name__)

_STOCK_DISPATCH = socketio.AsyncNamespace.trigger_event
"""python-socketio's dispatch to ``on_<event>`` methods; a namespace class that overrides
it chooses its handlers itself, and its events are not checked here."""

SHOWN_TEXT_LENGTH = 64
"""Characters of client-chosen text (an event name, a client's name) put in an error ack or
a log line."""

CONNECT_TIMEOUT = 45.0
"""Seconds a session may take to join a namespace: the reference server's default."""


def shown(text: Any) -> str:
    """Client-chosen text (an event name, a client's name) as messages quote it, cut: the
    client chose it, at any length and with any characters."""
    name = str(text)
    if len(name) > SHOWN_TEXT_LENGTH:
        name = name[:SHOWN_TEXT_LENGTH] + "…"
    return repr(name)


class KnownClient(Protocol):
    """What a registry of clients (``server.connections.Connection``) tells of one."""

    @property
    def name(self) -> str | None: ...

    @property
    def client_ip(self) -> str: ...


def describe_client(name: str | None, address: str, sid: str) -> str:
    """A client as log lines name it: by the name it gave if any, its address and sid."""
    return f"{shown(name) if name else 'an unnamed client'} ({address}, sid {sid})"


_SOCKET_PACKETS = frozenset((sio_packet.EVENT, sio_packet.ACK, sio_packet.BINARY_EVENT,
                             sio_packet.BINARY_ACK))
"""Packets only a client that joined their namespace may send."""
_PACKET_NAMES = {sio_packet.EVENT: "an event", sio_packet.ACK: "an ack",
                 sio_packet.BINARY_EVENT: "a binary event", sio_packet.BINARY_ACK: "a binary ack"}


class _Held:
    """Packets for one Engine.IO session held while its connect handlers run."""

    def __init__(self) -> None:
        self.depth = 0
        self.sends: list[Callable[[], Awaitable[None]]] = []


class HubSocketIOServer(RecordingServer):
    """python-socketio's server on the corrected Engine.IO server, recording its traffic
    for the inspector (``RecordingServer``).

    ``connect_timeout`` (seconds): how long a session may go without joining any
    namespace; 45 s by default, the reference server's ``connectTimeout``.  It is
    independent of the heartbeat: the official test suite expects three pings on such a
    session at ``pingInterval`` 300 ms, ``pingTimeout`` 200 ms.

    ``max_pending_sessions_per_ip``: sessions one peer address (as ``trusted_proxies``
    make it known) may hold before they join a namespace; ``max_clients``: the clients
    the application admits, which with one address's waiting sessions bound the sessions
    in all (see ``PendingSessions``).  A handshake past either is answered 401 with the
    reason.

    A refused event (an unknown name, the wrong arguments, or what its namespace's
    ``event_refusal`` refuses) is not dispatched: it is recorded with why, answered with
    the error if it asked for an ack, and logged once per client and reason a window
    (``once_per``), naming the client by what ``find_client`` (the registry's lookup by sid,
    ``ConnectionManager.get``) holds of it: the name its user knows it by; without one, or
    for a client it does not hold, by its address.
    """

    def __init__(self, *args: Any, connect_timeout: float = CONNECT_TIMEOUT,
                 max_clients: int = 10_000, max_pending_sessions_per_ip: int = 100,
                 trusted_proxies: Sequence[IPNetwork] = (),
                 find_client: Callable[[str], KnownClient | None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.find_client = find_client
        self.connect_timeout = connect_timeout
        self.pending = PendingSessions(max_pending_sessions_per_ip, max_clients)
        self.trusted_proxies = self.eio.trusted_proxies = trusted_proxies
        self._attachment_bytes: dict[str, int] = {}
        self.eio.on_offence = self._drop
        # Drop lines name the session as the hub shows it, the inspector on or off.
        self.eio.socketio_sid = lambda eio_sid: self.manager.sid_from_eio_sid(eio_sid, "/")
        self._connect_deadlines: dict[str, asyncio.TimerHandle] = {}
        self._greeted: set[str] = set()
        self._held: dict[str, _Held] = {}

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return HubEngineServer

    def on_transport_upgrade(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(sid)`` (a Socket.IO sid) when a client moves to websocket."""

        def translate(eio_sid: str) -> None:
            sid = self.manager.sid_from_eio_sid(eio_sid, "/")
            if sid is not None:
                callback(sid)

        self.eio.on_upgrade = translate

    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        # connect and disconnect keep python-socketio's handling (a raising connect
        # handler is a refusal; a disconnect handler may omit the reason).
        if event in ("connect", "disconnect"):
            return await super()._trigger_event(event, namespace, *args)
        # python-socketio runs event handlers in fire-and-forget tasks: one that raises
        # surfaces only as "Task exception was never retrieved", whenever the garbage
        # collector gets to it.  Log it now and tell the client; the hub serves on.
        try:
            return await super()._trigger_event(event, namespace, *args)
        except Exception:
            self.logger.exception("handler for event %s in namespace %s raised",
                                  shown(event), namespace)
            return {"ok": False, "error": f"event {shown(event)} failed in the server"}

    async def _handle_event_internal(self, server: Any, sid: str, eio_sid: str,
                                     data: list[Any], namespace: str, id: int | None) -> None:
        # Checked before the event is recorded and dispatched: a refused event is
        # recorded once, with why, and never reaches a handler.
        refusal = self._event_refusal(data[0], namespace, (sid, *data[1:]))
        if refusal is None:
            await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)
            return
        # The client's mistake, not the server's: INFO, and an error ack if it asked.
        self._log_refused_event(sid, eio_sid, namespace, data[0], refusal)
        self.record_refused_event(sid, namespace, data, id is not None, refusal)
        if id is not None:
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.ACK, namespace=namespace, id=id,
                data=[{"ok": False, "error": refusal}]))

    def _log_refused_event(self, sid: str, eio_sid: str, namespace: str, event: Any,
                           refusal: str) -> None:
        # A device repeats its mistake, often twice a second: the log's SuppressRepeats
        # writes one line per client and reason a window, the next saying how many more.
        known = self.find_client(sid) if self.find_client is not None else None
        name, address = ((known.name, known.client_ip) if known is not None
                         else (None, client_ip(self._scope(eio_sid), self.trusted_proxies)))
        logger.info("refused event %s from %s in %s: %s", shown(event),
                    describe_client(name, address, sid), namespace, refusal,
                    extra=once_per(sid, refusal))

    def _event_refusal(self, event: str, namespace: str, args: tuple[Any, ...]) -> str | None:
        """Why the handler ``_trigger_event`` would call cannot take this event (the
        client's error message), or None.

        ``args`` are the sid and the client's arguments.  Handlers are found as
        python-socketio finds them: functions first, then a namespace's ``on_<event>``.
        """
        space = None
        handler, handler_args = self._get_event_handler(event, namespace, args)
        if handler is None:
            space, handler_args = self._get_namespace_handler(namespace, args)
            if space is not None and type(space).trigger_event is not _STOCK_DISPATCH:
                return None  # the namespace dispatches by rules of its own
            handler = getattr(space, f"on_{event}", None)
            if handler is None:
                return f"unknown event {shown(event)}"
        client_args = len(args) - 1
        error = arity_error(handler, len(handler_args), len(handler_args) - client_args)
        if error is not None:
            return f"event {shown(event)} {error}"
        # A namespace with rules of its own for what its events carry (the hub protocol's
        # rooms) says through a duck-typed ``event_refusal(event, sid, *args)``.
        protocol_refusal = getattr(space, "event_refusal", None)
        return None if protocol_refusal is None else protocol_refusal(event, *handler_args)

    async def _drop(self, eio_sid: str, why: str) -> None:
        await self.eio.drop(eio_sid, self.eio.reason.TRANSPORT_ERROR, why)

    # -- connect timeout

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        address = client_ip(environ.get("asgi.scope", {}), self.trusted_proxies)
        refusal = self.pending.refusal(address, len(self.eio.sockets))
        if refusal is not None:
            # Recorded (and logged) once per address and reason; without the inspector a
            # warning, so that a flood of them is written once with a count.
            scope = environ.get("asgi.scope", {})
            if self.recorder is None or self.recorder.refused_request(scope, refusal):
                logger.warning("handshake refused: %s", refusal)
            return refusal  # python-engineio answers 401, the reason a JSON string
        self.pending.add(eio_sid, address)
        # The reference closes a connection that joined no namespace within its
        # connectTimeout; python-socketio kept it as long as it answered pings.
        self._connect_deadlines[eio_sid] = asyncio.get_running_loop().call_later(
            self.connect_timeout, lambda: spawn(self._connect_deadline(eio_sid)))
        return await super()._handle_eio_connect(eio_sid, environ)

    async def _connect_deadline(self, eio_sid: str) -> None:
        self._connect_deadlines.pop(eio_sid, None)
        if not any(self.manager.sid_from_eio_sid(eio_sid, namespace)
                   for namespace in list(self.manager.get_namespaces())):
            await self._drop(eio_sid, "no namespace joined in time")

    async def _handle_eio_disconnect(self, eio_sid: str, reason: str) -> None:
        deadline = self._connect_deadlines.pop(eio_sid, None)
        if deadline is not None:
            deadline.cancel()
        self._greeted.discard(eio_sid)
        self._held.pop(eio_sid, None)
        self.pending.settle(eio_sid)
        self._attachment_bytes.pop(eio_sid, None)
        await super()._handle_eio_disconnect(eio_sid, reason)

    # -- packets in

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # python-socketio raised on malformed packets inside a background task (an
        # ERROR log) and kept the connection; the reference closes it.
        try:
            parsed = self._check_message(eio_sid, data)
        except ProtocolError as exc:
            await self._drop(eio_sid, str(exc))
            return
        if parsed is not None and parsed[1] == 0 and parsed[0] != sio_packet.CONNECT \
                and parsed[0] != sio_packet.DISCONNECT:
            # Events and acks, parsed once: python-socketio would parse the packet again.
            # (A binary one without attachments too: python-socketio would wait forever.)
            kind, _, namespace, ack_id, payload = parsed
            namespace = namespace.partition("?")[0]  # as python-socketio's parser does
            handle = (self._handle_event
                      if kind in (sio_packet.EVENT, sio_packet.BINARY_EVENT)
                      else self._handle_ack)
            await handle(eio_sid, namespace, ack_id, payload)
            return
        await super()._handle_eio_message(eio_sid, data)

    def _check_message(self, eio_sid: str,
                       data: Any) -> tuple[int, int, str, int | None, Any] | None:
        """The parsed packet (None for an attachment); ``ProtocolError`` if refused."""
        if eio_sid in self._binary_packet:
            if not isinstance(data, bytes):
                raise ProtocolError("text while attachments were due")
            # Attachments are kept until the last one comes: together they are bounded
            # as one message is.
            total = self._attachment_bytes.get(eio_sid, 0) + len(data)
            if total > self.eio.max_http_buffer_size:
                raise ProtocolError(f"attachments over {self.eio.max_http_buffer_size} bytes")
            self._attachment_bytes[eio_sid] = total
            return None
        if isinstance(data, bytes):
            raise ProtocolError("an attachment nobody announced")
        if not isinstance(data, str):  # python-engineio JSON-decoded a non-packet
            raise ProtocolError("unknown packet type")
        parsed = parse_socketio_packet(data)
        kind, attachments, namespace = parsed[:3]
        if attachments:
            self._attachment_bytes[eio_sid] = 0
        if kind == sio_packet.CONNECT:
            if self.manager.sid_from_eio_sid(eio_sid, namespace) is not None:
                raise ProtocolError(f"second CONNECT to {namespace}")
            self._greeted.add(eio_sid)
        elif eio_sid not in self._greeted:
            raise ProtocolError("first packet is not CONNECT")
        elif (kind in _SOCKET_PACKETS
              and self.manager.sid_from_eio_sid(eio_sid, namespace.partition("?")[0])
              is None):
            # The reference closes the connection; python-socketio logged a warning and
            # left a client asking for an ack waiting.
            raise ProtocolError(f"{_PACKET_NAMES[kind]} for namespace {shown(namespace)}, "
                                "which it has not joined")
        return parsed

    async def _handle_connect(self, eio_sid: str, namespace: str, data: Any) -> None:
        namespace = namespace or "/"
        if not (namespace in self.handlers or namespace in self.namespace_handlers
                or self.namespaces == "*" or namespace in self.namespaces):
            # The reference answers {"message": "Invalid namespace"}; python-socketio
            # sent the bare string "Unable to connect".
            self._report_unserved(eio_sid, namespace)
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.CONNECT_ERROR, data={"message": "Invalid namespace"},
                namespace=namespace))
            return
        # The reference sends the CONNECT acknowledgement before anything its
        # connection handler emits; python-socketio sends it after the handler.
        held = self._held.setdefault(eio_sid, _Held())
        held.depth += 1
        try:
            await super()._handle_connect(eio_sid, namespace, data)
        finally:
            held.depth -= 1
            if held.depth == 0 and self._held.get(eio_sid) is held:
                del self._held[eio_sid]
        if self.manager.sid_from_eio_sid(eio_sid, namespace) is not None:
            self.pending.settle(eio_sid)
            if (deadline := self._connect_deadlines.pop(eio_sid, None)) is not None:
                deadline.cancel()  # joined: not kept for the rest of connect_timeout
        if held.depth == 0 and self.manager.sid_from_eio_sid(eio_sid, namespace) is not None:
            for release in held.sends:  # a refused client gets nothing but its refusal
                await release()

    # -- packets out

    async def _send_packet(self, eio_sid: str, pkt: sio_packet.Packet) -> None:
        held = self._held.get(eio_sid)
        if held is not None and pkt.packet_type not in (sio_packet.CONNECT,
                                                        sio_packet.CONNECT_ERROR):
            held.sends.append(lambda: super(HubSocketIOServer, self)._send_packet(eio_sid, pkt))
            return
        await super()._send_packet(eio_sid, pkt)

    async def _send_eio_packet(self, eio_sid: str, eio_pkt: packet.Packet) -> None:
        held = self._held.get(eio_sid)
        if held is not None:
            held.sends.append(
                lambda: super(HubSocketIOServer, self)._send_eio_packet(eio_sid, eio_pkt))
            return
        await super()._send_eio_packet(eio_sid, eio_pkt)

    def send_frame_now(self, eio_sid: str, frame: bytes,
                       batch: FrameBatch | None = None) -> bool:
        """``_send_eio_packet`` for a packet prebuilt as the websocket ``frame``, done at
        once (or held for ``batch``) if the session's websocket takes it
        (``HubEngineSocket.send_now``); False: send it with ``_send_eio_packet``."""
        if eio_sid in self._held:
            return False
        socket = self.eio.sockets.get(eio_sid)
        return isinstance(socket, HubEngineSocket) and socket.send_now(frame, batch)
