"""Where python-engineio and python-socketio depart from the Engine.IO v4 / Socket.IO v5
specifications and from the reference (Node) server, corrected by subclassing.

Every correction is a method override here with a comment saying what the reference
server does; nothing edits the installed packages.  A client that breaks the protocol
is dropped at once through ``HubEngineSocket.drop()``: the close reaches whatever it is
waiting on (a parked GET gets a close packet, a websocket is closed).

Sections: the request gate (HTTP level), the Engine.IO session, the Engine.IO server,
the Socket.IO packet checks, the Socket.IO server.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import engineio
import orjson
import socketio
from engineio import async_socket, exceptions, packet
from socketio import packet as sio_packet

logger = logging.getLogger(__name__)

_background: set[asyncio.Task[Any]] = set()


def _spawn(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run ``coroutine`` from a timer callback, keeping the task referenced until done."""
    task = asyncio.ensure_future(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


# ---------------------------------------------------------------- the request gate

# The reference server's error codes, sent as the body of its 400 answers.
UNKNOWN_TRANSPORT = (0, "Transport unknown")
UNKNOWN_SID = (1, "Session ID unknown")
BAD_HANDSHAKE_METHOD = (2, "Bad handshake method")
BAD_REQUEST = (3, "Bad request")
FORBIDDEN = (4, "Forbidden")
UNSUPPORTED_PROTOCOL_VERSION = (5, "Unsupported protocol version")


def _bad_request_body(error: tuple[int, str]) -> bytes:
    return json.dumps({"code": error[0], "message": error[1]}).encode()


# ---------------------------------------------------------------- Engine.IO session

_TEXT_TYPES = "0123456"


def decode_engineio_packet(encoded: str | bytes) -> packet.Packet:
    """One packet as the reference parser reads it; ``ValueError`` when it is malformed.

    python-engineio accepts any character ``int()`` takes as the type, JSON-decodes
    message data (``4null`` becomes None) and lets bad base64 raise deep inside.
    """
    if isinstance(encoded, bytes):
        return packet.Packet(packet.MESSAGE, encoded)
    if not encoded:
        raise ValueError("empty packet")
    if encoded[0] == "b":
        try:
            return packet.Packet(packet.MESSAGE, base64.b64decode(encoded[1:], validate=True))
        except binascii.Error:
            raise ValueError("bad base64 payload") from None
    if encoded[0] not in _TEXT_TYPES:
        raise ValueError("unknown packet type")
    return packet.Packet(int(encoded[0]), encoded[1:])


def decode_engineio_payload(body: bytes) -> list[packet.Packet]:
    """A polling POST body: packets separated by U+001E; ``ValueError`` when malformed.

    python-engineio refuses more than 16 packets in one body; the reference (and its
    JavaScript client, which batches its whole write buffer) has no such limit.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("payload is not UTF-8") from None
    return [decode_engineio_packet(part) for part in text.split("\x1e")]


class _CheckedWebSocket:
    """The websocket as python-engineio's handler sees it, each frame checked first.

    python-engineio decodes websocket frames outside any ``try``: a malformed frame
    raised out of the ASGI app (an ERROR log) and left the session open.  Here such a
    frame drops the session, and the handler sees a closed websocket.
    """

    def __init__(self, ws: Any, socket: HubEngineSocket) -> None:
        self._ws = ws
        self._socket = socket

    async def send(self, message: str | bytes) -> None:
        await self._ws.send(message)

    async def close(self) -> None:
        await self._ws.close()

    async def wait(self) -> str | bytes:
        frame = await self._ws.wait()
        if frame is None:
            return frame
        if len(frame) > self._socket.server.max_http_buffer_size:
            await self._socket.drop(self._socket.server.reason.TRANSPORT_ERROR)
            raise OSError("frame too large")
        try:
            decode_engineio_packet(frame)
        except ValueError:
            await self._socket.drop(self._socket.server.reason.TRANSPORT_ERROR)
            raise OSError("malformed packet") from None
        return frame


class HubEngineSocket(async_socket.AsyncSocket):
    """An Engine.IO session that keeps the reference server's rules."""

    _ping_timer: asyncio.TimerHandle | None = None
    _pong_deadline: asyncio.TimerHandle | None = None
    _wait_watchdog: asyncio.TimerHandle | None = None
    _waiter: asyncio.Task[Any] | None = None
    _waiting_since: float | None = None
    _expired_waiter: asyncio.Task[Any] | None = None
    _websocket: Any = None
    _get_pending = False
    _post_pending = False

    @classmethod
    def adopt(cls, socket: async_socket.AsyncSocket) -> None:
        """Make a freshly created python-engineio session one of ours."""
        upgraded = socket.__dict__.pop("upgraded", False)
        socket.__class__ = cls
        socket.__dict__["_upgraded"] = upgraded

    @property  # type: ignore[override]
    def upgraded(self) -> bool:
        return self.__dict__.get("_upgraded", False)

    @upgraded.setter
    def upgraded(self, value: bool) -> None:
        # Reported so the connection registry knows the transport.
        was = self.__dict__.get("_upgraded", False)
        self.__dict__["_upgraded"] = value
        if value and not was:
            server: HubEngineServer = self.server
            if server.on_upgrade is not None:
                server.on_upgrade(self.sid)

    async def drop(self, reason: str, farewell: int = packet.CLOSE) -> None:
        """End the session now: a parked GET gets ``farewell``, a websocket is closed.

        python-engineio's ``close()`` leaves a parked GET waiting up to
        ``ping_interval + ping_timeout`` and a websocket open until the client leaves.
        """
        if self.closing or self.closed:
            return
        if not self.upgraded:
            self.queue.put_nowait(packet.Packet(farewell))
        if self.server.sockets.get(self.sid) is self:
            del self.server.sockets[self.sid]  # any later request: 400
        await self.close(wait=False, abort=True, reason=reason)
        self.queue.put_nowait(None)  # ends a websocket writer, and any later poll
        if self._websocket is not None:
            await self._websocket.close()

    async def close(self, wait: bool = True, abort: bool = False,
                    reason: str | None = None) -> None:
        if self._ping_timer is not None:
            self._ping_timer.cancel()
            self._ping_timer = None
        if self._waiter is None:  # a wait still running keeps its bound
            self._stop_watchdog()
        self._cancel_pong_deadline()
        await super().close(wait=wait, abort=abort, reason=reason)

    # -- heartbeat

    def schedule_ping(self) -> None:
        """Called on connect and on every PONG: a pong clears the deadline.

        The next ping is a timer where python-engineio starts a task that sleeps for
        ``ping_interval``: one task per client per interval less, and nothing left
        pending once the session is closed."""
        self._cancel_pong_deadline()
        if self.last_ping:  # as python-engineio: once the previous cycle has completed
            self.last_ping = None
            self._ping_timer = asyncio.get_running_loop().call_later(
                self.server.ping_interval, self._ping)

    def _ping(self) -> None:
        # The reference server arms a timer with each ping and closes the session when
        # no pong came ``ping_timeout`` later.  python-engineio only checks when it
        # next sends or when its sweep comes round, and then never tells the client.
        self._ping_timer = None
        if self.closing or self.closed:
            return
        self.last_ping = time.time()
        self._pong_deadline = asyncio.get_running_loop().call_later(
            self.server.ping_timeout,
            lambda: _spawn(self.drop(self.server.reason.PING_TIMEOUT)))
        _spawn(self.send(packet.Packet(packet.PING)))

    def _cancel_pong_deadline(self) -> None:
        if self._pong_deadline is not None:
            self._pong_deadline.cancel()
            self._pong_deadline = None

    async def check_ping_timeout(self) -> bool:
        # The pong deadline enforces the heartbeat; this lazy check must not close.
        return not self.closed

    # -- sending

    async def send(self, pkt: packet.Packet) -> None:
        if pkt.packet_type == packet.OPEN:
            # python-engineio announces int(ping_interval) * 1000, so 0.3 s becomes 0:
            # the reference announces both values in milliseconds, fractions included.
            interval = self.server.ping_interval + self.server.ping_interval_grace_period
            pkt.data = {**pkt.data, "pingInterval": _ms(interval),
                        "pingTimeout": _ms(self.server.ping_timeout)}
        await super().send(pkt)

    async def poll(self) -> list[packet.Packet]:
        """The websocket writer's next packets (long-polling GETs use ``_long_poll``).

        python-engineio queues a noop on every upgrade to release the parked GET, even
        when none is parked; the websocket then carried it.  The reference sends that
        noop only on a parked GET, and nothing but its packets on the websocket.
        """
        while True:
            packets = await self._take()
            if not self.upgraded or not packets:
                return packets
            packets = [p for p in packets if p.packet_type != packet.NOOP]
            if packets:
                return packets

    async def _take(self) -> list[packet.Packet]:
        """python-engineio's ``AsyncSocket.poll`` without a task or a timer per wait.

        Same results: the packets queued so far, ``[]`` after the closing ``None``,
        ``QueueEmpty`` on timeout or cancellation.  A queue that already holds packets is
        not waited on at all.
        """
        queue = self.queue
        first = await self._next_packet() if queue.empty() else queue.get_nowait()
        queue.task_done()
        if first is None:
            return []
        packets = [first]
        while not queue.empty():
            pkt = queue.get_nowait()
            queue.task_done()
            if pkt is None:
                queue.put_nowait(None)
                break
            packets.append(pkt)
        return packets

    async def _next_packet(self) -> packet.Packet | None:
        """The next packet, given up after ``ping_interval + ping_timeout`` as
        python-engineio does (``QueueEmpty``, as on cancellation).

        python-engineio bounds each wait with ``asyncio.wait_for``: a task and a timer per
        outgoing batch of every client; ``asyncio.timeout`` still left a timer, made and
        cancelled, per wait, and the broadcast burst to 1,000 clients ran 44 % faster with
        no bound at all.  One watchdog timer per session instead, re-armed only when it
        finds a wait still running.  The bound is a safety net: the heartbeat queues a ping
        every ``ping_interval``, so a live session never reaches it.
        """
        loop = asyncio.get_running_loop()
        waiter = asyncio.current_task()
        self._waiter, self._waiting_since = waiter, loop.time()
        if self._wait_watchdog is None:
            self._wait_watchdog = loop.call_at(self._waiting_since + self._wait_limit,
                                               self._check_wait)
        try:
            return await self.queue.get()
        except asyncio.CancelledError:
            if waiter is not None and self._expired_waiter is waiter:
                self._expired_waiter = None
                waiter.uncancel()  # our cancellation, not the caller's: as asyncio.timeout
            raise exceptions.QueueEmpty() from None
        finally:
            if self._waiter is waiter:
                self._waiter = self._waiting_since = None
                if self.closing or self.closed:
                    self._stop_watchdog()

    @property
    def _wait_limit(self) -> float:
        return self.server.ping_interval + self.server.ping_timeout

    def _check_wait(self) -> None:
        """The watchdog: end a wait that reached the bound, or look again when it will."""
        self._wait_watchdog = None
        if self._waiter is None or self._waiting_since is None or not self.queue.empty():
            # Not waiting, or about to take a packet that came in time (due timers run
            # before the waiter's wake-up): the next wait arms the watchdog again.
            return
        deadline = self._waiting_since + self._wait_limit
        loop = asyncio.get_running_loop()
        if loop.time() < deadline:
            self._wait_watchdog = loop.call_at(deadline, self._check_wait)
        else:
            self._expired_waiter = self._waiter
            self._waiter.cancel()

    def _stop_watchdog(self) -> None:
        if self._wait_watchdog is not None:
            self._wait_watchdog.cancel()
            self._wait_watchdog = None

    # -- receiving

    async def receive(self, pkt: packet.Packet) -> None:
        if self.closing or self.closed:
            return
        kind = pkt.packet_type
        if kind in (packet.PONG, packet.MESSAGE):
            await super().receive(pkt)
        elif kind == packet.CLOSE:
            # The reference answers a parked GET with a noop and closes the transport;
            # python-engineio left the GET parked, and the client hung in close().
            await self.drop(self.server.reason.CLIENT_DISCONNECT, farewell=packet.NOOP)
        elif kind == packet.PING:
            # In Engine.IO v4 only the server pings ("invalid heartbeat direction").
            await self.drop(self.server.reason.TRANSPORT_ERROR)
        # OPEN, UPGRADE and NOOP from a client are ignored, as the reference does;
        # python-engineio answered an UPGRADE with a noop and raised on the others.

    async def handle_get_request(self, environ: dict[str, Any]) -> Any:
        if environ["asgi.scope"]["type"] == "websocket":
            return await super().handle_get_request(environ)
        return await self._long_poll()

    async def _long_poll(self) -> list[packet.Packet]:
        if self.upgrading or self.upgraded:
            return [packet.Packet(packet.NOOP)]
        if self._get_pending:
            # The reference answers a second concurrent GET 400 and closes the session,
            # the pending GET getting a close packet; python-engineio served both.
            await self.drop(self.server.reason.TRANSPORT_ERROR)
            raise exceptions.EngineIOError("overlapping GET")
        self._get_pending = True
        try:
            return await self._take()
        except exceptions.QueueEmpty:
            await self.drop(self.server.reason.TRANSPORT_ERROR)
            raise
        finally:
            self._get_pending = False

    async def handle_post_request(self, environ: dict[str, Any]) -> None:
        # python-engineio logged a malformed body as an ERROR, answered it 200 and kept
        # the session, and trusted Content-Length.  The reference answers "ok" too but
        # closes the session on a parse error (so the next GET gets 400).
        self._post_pending = True
        try:
            limit = self.server.max_http_buffer_size
            body = await environ["wsgi.input"].read(limit + 1)
            try:
                if len(body) > limit:
                    raise ValueError("payload too large")
                packets = decode_engineio_payload(body)
            except ValueError as exc:
                logger.info("%s: malformed payload (%s), closing", self.sid, exc)
                await self.drop(self.server.reason.TRANSPORT_ERROR)
                return
            for pkt in packets:
                await self.receive(pkt)
        finally:
            self._post_pending = False

    async def _websocket_handler(self, ws: Any) -> None:
        self._websocket = ws
        try:
            await super()._websocket_handler(_CheckedWebSocket(ws, self))
        finally:
            self._websocket = None


# ---------------------------------------------------------------- Engine.IO server

class _SessionTable(dict[str, async_socket.AsyncSocket]):
    """The server's sessions; each new one becomes a ``HubEngineSocket`` as it is stored.

    python-engineio creates its socket class directly, and sends the handshake before
    any hook runs; storing it is the first moment we can make it ours.
    """

    def __setitem__(self, sid: str, socket: async_socket.AsyncSocket) -> None:
        if type(socket) is async_socket.AsyncSocket:
            HubEngineSocket.adopt(socket)
        super().__setitem__(sid, socket)


class HubEngineServer(engineio.AsyncServer):
    """python-engineio's server with the hub's corrections."""

    on_upgrade: Callable[[str], None] | None = None
    """Called with the Engine.IO sid once a session runs on websocket."""
    accepting_sessions: bool = True
    """False while the hub stops: new handshakes are refused, open sessions still served
    (their close packets must get out)."""

    @property
    def sockets(self) -> _SessionTable:
        return self._sessions

    @sockets.setter
    def sockets(self, value: dict[str, async_socket.AsyncSocket]) -> None:
        self._sessions = _SessionTable(value)

    async def drop(self, sid: str, reason: str) -> None:
        """Drop session ``sid`` at once (see ``HubEngineSocket.drop``), if it is open."""
        socket = self.sockets.get(sid)
        if isinstance(socket, HubEngineSocket):
            await socket.drop(reason)

    def _refusal(self, scope: dict[str, Any]) -> tuple[int, str] | None:
        """Why the reference server would answer 400 before reading the request."""
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else scope.get("method", "GET")
        if method == "OPTIONS":
            return None  # a CORS preflight, answered by python-engineio
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        transport = query.get("transport", [])
        if len(transport) != 1 or transport[0] not in self.transports:
            return UNKNOWN_TRANSPORT  # python-engineio assumed polling when missing
        if query.get("EIO") != ["4"]:
            return UNSUPPORTED_PROTOCOL_VERSION  # python-engineio checked handshakes only
        if method not in ("GET", "POST"):
            return BAD_REQUEST  # python-engineio: 405
        if websocket != (transport[0] == "websocket"):
            return BAD_REQUEST
        sids = query.get("sid")
        if sids is None:
            if method == "POST":
                return BAD_HANDSHAKE_METHOD
            return None if self.accepting_sessions else FORBIDDEN
        socket = self.sockets.get(sids[0])
        if len(sids) != 1 or socket is None or socket.closed:
            return UNKNOWN_SID
        return None

    async def handle_request(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                             send: Callable[[dict[str, Any]], Awaitable[None]]) -> Any:
        refusal = self._refusal(scope)
        socket = self.sockets.get(self._query_sid(scope) or "")
        if refusal is None and isinstance(socket, HubEngineSocket):
            if scope["type"] == "websocket" and (socket.upgrading or socket.upgraded
                                                 or socket._websocket is not None):
                # The reference completes the handshake of a second websocket for an
                # upgraded session and closes it; python-engineio raised out of the app.
                await receive()
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close"})
                return None
            if scope.get("method") == "POST" and socket._post_pending:
                # The reference answers an overlapping POST 400 and closes the session.
                await socket.drop(self.reason.TRANSPORT_ERROR)
                refusal = BAD_REQUEST
        if refusal is not None:
            await self._refuse(scope, receive, send, refusal)
            return None
        return await super().handle_request(scope, receive, send)

    @staticmethod
    def _query_sid(scope: dict[str, Any]) -> str | None:
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return query.get("sid", [None])[0]

    async def _refuse(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                      send: Callable[[dict[str, Any]], Awaitable[None]],
                      error: tuple[int, str]) -> None:
        """Answer 400 with the reference's ``{"code", "message"}`` body, websocket or not."""
        # A refused request is the client's mistake: INFO, where python-engineio said ERROR.
        self.logger.info("Bad request: %s", error[1])
        environ = await self._async["translate_request"](scope, receive, send)
        body = _bad_request_body(error)
        if scope["type"] == "websocket":
            if "websocket.http.response" not in scope.get("extensions", {}):
                await send({"type": "websocket.close"})  # the server can only say 403
                return
            await send({"type": "websocket.http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "websocket.http.response.body", "body": body})
            return
        await self._make_response({"status": "400 BAD REQUEST",
                                   "headers": [("Content-Type", "application/json")],
                                   "response": body}, environ)

    def _ok(self, packets: list[packet.Packet] | None = None,
            headers: list[tuple[str, str]] | None = None,
            jsonp_index: int | None = None) -> dict[str, Any]:
        if packets is None:
            # The reference answers a successful POST "ok"; python-engineio said "OK".
            return {"status": "200 OK", "headers": [("Content-Type", "text/html")],
                    "response": b"ok"}
        return super()._ok(packets, headers, jsonp_index)

    def send_close_packets(self) -> list[async_socket.AsyncSocket]:
        """Queue every session's close packet and forget the sessions; they are returned
        for ``close_sessions``.

        A websocket writer sends the packet, then closes the websocket; a parked GET
        returns it.  Both are tasks of uvicorn's, which it waits for as it shuts down.
        python-engineio's ``disconnect()`` instead waits, without bound, for each queue
        to drain: never, when a polling client does not come back.
        """
        sockets = list(self.sockets.values())
        self.sockets = {}
        for socket in sockets:
            if not (socket.closing or socket.closed):
                socket.queue.put_nowait(packet.Packet(packet.CLOSE))
                if socket.upgraded:
                    socket.queue.put_nowait(None)  # ends the writer after the close packet
        return sockets

    async def close_sessions(self, sockets: list[async_socket.AsyncSocket]) -> None:
        """Close sessions whose close packets are queued: their disconnect handlers run."""
        for socket in sockets:
            await socket.close(wait=False, abort=True, reason=self.reason.SERVER_DISCONNECT)

    async def close_all_sessions(self) -> None:
        await self.close_sessions(self.send_close_packets())


# ---------------------------------------------------------------- Socket.IO packet checks

# Event names a client may not emit: the reference keeps them for itself, and
# python-socketio would call the server's own connect/disconnect handler with them.
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener"})
MAX_ACK_ID_DIGITS = 15  # beyond this a JavaScript peer cannot represent the id exactly


class ProtocolError(ValueError):
    """A Socket.IO packet the reference parser would reject."""


def _reject_constant(name: str) -> Any:
    raise ProtocolError(f"not JSON: {name}")


def parse_socketio_packet(encoded: str) -> tuple[int, int, str, int | None, Any]:
    """``(type, attachments, namespace, id, data)`` as the reference parser reads them.

    Raises ``ProtocolError`` where the reference decoder throws or its
    ``isPacketValid`` refuses; python-socketio's parser accepts a superset.
    """
    if not encoded or encoded[0] not in "0123456":
        raise ProtocolError("unknown packet type")
    kind, rest, attachments = int(encoded[0]), encoded[1:], 0
    if kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
        count, dash, rest = rest.partition("-")
        if not dash or not count.isascii() or not count.isdigit() or len(count) > 3:
            raise ProtocolError("illegal attachments")
        attachments = int(count)
    namespace = "/"
    if rest.startswith("/"):
        namespace, _, rest = rest.partition(",")
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if digits > MAX_ACK_ID_DIGITS:
        raise ProtocolError("malformed ack id")
    ack_id = int(rest[:digits]) if digits else None
    rest = rest[digits:]
    data = _loads(rest) if rest else None
    _check_payload(kind, attachments, ack_id, data)
    return kind, attachments, namespace, ack_id, data


def _loads(text: str) -> Any:
    """JSON as the reference reads it: orjson (python-socketio's parser here, through
    ``FastJson``), and where orjson refuses, the stdlib without NaN and Infinity."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError("invalid payload") from None


def _check_payload(kind: int, attachments: int, ack_id: int | None, data: Any) -> None:
    if kind == sio_packet.CONNECT:
        valid = data is None or isinstance(data, dict)
    elif kind == sio_packet.DISCONNECT:
        valid = data is None
    elif kind in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
        valid = (isinstance(data, list) and bool(data) and isinstance(data[0], str)
                 and data[0] not in RESERVED_EVENTS)
    elif kind in (sio_packet.ACK, sio_packet.BINARY_ACK):
        if ack_id is None:
            raise ProtocolError("malformed ack id")
        valid = isinstance(data, list)
    else:
        raise ProtocolError("a client may not send CONNECT_ERROR")
    if not valid:
        raise ProtocolError("invalid payload")
    if attachments or kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
        _check_placeholders(data, attachments)


def _check_placeholders(data: Any, attachments: int) -> None:
    """Every ``{"_placeholder": true, "num": n}`` must name an attachment that comes."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("_placeholder") is True:
                num = item.get("num")
                if type(num) is not int or not 0 <= num < attachments:
                    raise ProtocolError("illegal attachments")
            else:
                stack.extend(item.values())


# ---------------------------------------------------------------- Socket.IO server

class _Held:
    """Packets for one Engine.IO session held while its connect handlers run."""

    def __init__(self) -> None:
        self.depth = 0
        self.sends: list[Callable[[], Awaitable[None]]] = []


class HubSocketIOServer(socketio.AsyncServer):
    """python-socketio's server on the corrected Engine.IO server.

    ``connect_timeout`` (seconds): how long a session may go without joining any
    namespace; by default ``ping_interval + ping_timeout`` (45 s at the defaults,
    the reference server's own default).
    """

    def __init__(self, *args: Any, connect_timeout: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connect_timeout = (self.eio.ping_interval + self.eio.ping_timeout
                                if connect_timeout is None else connect_timeout)
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
        # python-socketio runs event handlers in fire-and-forget tasks: one that raises
        # surfaces only as "Task exception was never retrieved", whenever the garbage
        # collector gets to it.  Log it now; the client gets no ack, the hub serves on.
        # (connect keeps python-socketio's own handling: it turns errors into refusals.)
        if event == "connect":
            return await super()._trigger_event(event, namespace, *args)
        try:
            return await super()._trigger_event(event, namespace, *args)
        except Exception:
            self.logger.exception("handler for event %r in namespace %s raised", event,
                                  namespace)
            return None

    async def _drop(self, eio_sid: str, why: str) -> None:
        logger.info("%s: %s, closing the connection", eio_sid, why)
        await self.eio.drop(eio_sid, self.eio.reason.TRANSPORT_ERROR)

    # -- connect timeout

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> Any:
        # The reference closes a connection that joined no namespace within its
        # connectTimeout; python-socketio kept it as long as it answered pings.
        self._connect_deadlines[eio_sid] = asyncio.get_running_loop().call_later(
            self.connect_timeout, lambda: _spawn(self._connect_deadline(eio_sid)))
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
            return None
        if isinstance(data, bytes):
            raise ProtocolError("an attachment nobody announced")
        if not isinstance(data, str):  # python-engineio JSON-decoded a non-packet
            raise ProtocolError("unknown packet type")
        parsed = parse_socketio_packet(data)
        kind, _, namespace = parsed[:3]
        if kind == sio_packet.CONNECT:
            if self.manager.sid_from_eio_sid(eio_sid, namespace) is not None:
                raise ProtocolError(f"second CONNECT to {namespace}")
            self._greeted.add(eio_sid)
        elif eio_sid not in self._greeted:
            raise ProtocolError("first packet is not CONNECT")
        elif (kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK)
              and self.manager.sid_from_eio_sid(eio_sid, namespace) is None):
            raise ProtocolError(f"binary packet for {namespace}, which it has not joined")
        return parsed

    async def _handle_connect(self, eio_sid: str, namespace: str, data: Any) -> None:
        namespace = namespace or "/"
        if not (namespace in self.handlers or namespace in self.namespace_handlers
                or self.namespaces == "*" or namespace in self.namespaces):
            # The reference answers {"message": "Invalid namespace"}; python-socketio
            # sent the bare string "Unable to connect".
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
