"""The Engine.IO server: the request gate (HTTP level) and the session table."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import engineio
from engineio import async_socket, packet

from ..log_filters import once_per
from ..network import UNKNOWN_ADDRESS, IPNetwork, client_ip
from ..runtime.lean_primitives import LeanQueue
from .asgi_request import translate_request
from .checked_websocket import TOO_LARGE
from .engine_socket import HubEngineSocket

logger = logging.getLogger(__name__)

# The reference server's error codes, sent as the body of its 400 answers.
UNKNOWN_TRANSPORT = (0, "Transport unknown")
UNKNOWN_SID = (1, "Session ID unknown")
BAD_HANDSHAKE_METHOD = (2, "Bad handshake method")
BAD_REQUEST = (3, "Bad request")
FORBIDDEN = (4, "Forbidden")
UNSUPPORTED_PROTOCOL_VERSION = (5, "Unsupported protocol version")

CLOSE_COLLECTION_POLL_SECONDS = 0.01
"""How often a stop looks whether the polling clients have taken their close packets."""


OLD_ENGINEIO = ("Engine.IO version 3 is not supported: the client library is too old; use one "
                "speaking Engine.IO 4 / Socket.IO v5")
STALE_SESSION = ("unknown session: it was closed (dropped, timed out or never opened); "
                 "start a new one with a handshake")

Refusal = tuple[tuple[int, str], str]
"""A request refused before any session exists: the reference's error, and what the
device must change in plain words (logged, recorded, never sent)."""


def _quoted(values: list[str], limit: int) -> str:
    """A query parameter the client chose, as a refusal quotes it."""
    return repr(",".join(values)[:limit] or "(none)")


def _version_refusal(query: dict[str, list[str]]) -> Refusal:
    if query.get("EIO") == ["3"]:
        return UNSUPPORTED_PROTOCOL_VERSION, OLD_ENGINEIO
    return UNSUPPORTED_PROTOCOL_VERSION, (
        f"Engine.IO version {_quoted(query.get('EIO', []), 16)} is not supported: use a "
        "client library speaking Engine.IO 4 / Socket.IO v5")


def _bad_request_body(error: tuple[int, str]) -> bytes:
    return json.dumps({"code": error[0], "message": error[1]}).encode()


class _SessionTable(dict[str, async_socket.AsyncSocket]):
    """The server's sessions; each new one becomes a ``HubEngineSocket`` as it is stored.

    python-engineio creates its socket class directly, and sends the handshake before
    any hook runs; storing it is the first moment we can make it ours.
    """

    arriving: str = UNKNOWN_ADDRESS
    """The client's address in the handshake being served (``HubEngineServer.
    _handle_connect``): python-engineio stores the new session before it first awaits, so
    the session stored next is that request's, and keeps that address."""

    def __setitem__(self, sid: str, socket: async_socket.AsyncSocket) -> None:
        if type(socket) is async_socket.AsyncSocket:
            HubEngineSocket.adopt(socket, self.arriving)
            self.arriving = UNKNOWN_ADDRESS
        super().__setitem__(sid, socket)


class HubEngineServer(engineio.AsyncServer):  # type: ignore[misc]  # untyped library
    """python-engineio's server with the hub's corrections."""

    on_upgrade: Callable[[str], None] | None = None
    """Called with the Engine.IO sid once a session runs on websocket."""
    on_refusal: Callable[[dict[str, Any], str], bool] | None = None
    """Told of a request refused before any session exists (the scope, the refusal in
    words); returns whether to log it (False: that address had it moments ago)."""
    on_drop: Callable[[str, str], None] | None = None
    """Told of a session dropped for its input: the Engine.IO sid and why."""
    trusted_proxies: Sequence[IPNetwork] = ()
    """Whose ``X-Forwarded-For`` names the client in log lines (``server.network``)."""
    socketio_sid: Callable[[str], str | None] | None = None
    """The Socket.IO sid of an Engine.IO session that joined ``/``, if it did: log lines
    name a session as the connect line and the journal do (the Engine.IO sid is shown
    nowhere)."""
    _async: dict[str, Any]
    """python-engineio's table of its async driver's functions."""
    accepting_sessions: bool = True
    """False while the hub stops: new handshakes are refused, open sessions still served
    (their close packets must get out)."""
    on_offence: Callable[[str, str], Awaitable[None]] | None = None
    """Called with the sid and the reason to drop a session that broke a bound (the
    Socket.IO layer logs and drops it); without it the session is dropped here."""
    max_queued_packets: int = 10_000
    max_queued_bytes: int = 16 * 1024 * 1024
    """Bounds on the packets and bytes waiting to be sent to one session (see
    ``HubEngineSocket.send``)."""

    def __init__(self, *args: Any, max_queued_packets: int = max_queued_packets,
                 max_queued_bytes: int = max_queued_bytes, **kwargs: Any) -> None:
        self.max_queued_packets = max_queued_packets
        self.max_queued_bytes = max_queued_bytes
        # No sweep task: each session's own timers enforce the heartbeat (see
        # HubEngineSocket), and a closed session leaves the table as it closes.  The sweep
        # checked nothing here, and its copy of the table kept every closed session alive
        # for up to ``ping_timeout``.
        super().__init__(*args, **{**kwargs, "monitor_clients": False})
        # This server's own copy of the driver table: see asgi_request.
        self._async = {**self._async, "translate_request": translate_request}

    def create_queue(self, *args: Any, **kwargs: Any) -> LeanQueue[Any]:
        """Each session's send queue: an unbounded one that costs less while idle (the
        bounds are ``HubEngineSocket``'s own)."""
        return LeanQueue()

    @property
    def sockets(self) -> _SessionTable:
        return self._sessions

    @sockets.setter
    def sockets(self, value: dict[str, async_socket.AsyncSocket]) -> None:
        self._sessions = _SessionTable(value)

    async def drop(self, sid: str, reason: str, why: str | None = None) -> None:
        """Drop session ``sid`` at once (see ``HubEngineSocket.drop``), if it is open;
        ``why``: the input it was dropped for (logged and reported)."""
        socket = self.sockets.get(sid)
        if isinstance(socket, HubEngineSocket):
            await (socket.drop(reason) if why is None else socket.drop_for(why, reason))

    async def drop_offender(self, sid: str, why: str) -> None:
        """Drop session ``sid``, which broke a bound, saying ``why``."""
        if self.on_offence is not None:
            await self.on_offence(sid, why)
        else:
            await self.drop(sid, self.reason.TRANSPORT_ERROR, why)

    async def _handle_connect(self, environ: dict[str, Any], transport: str,
                              jsonp_index: int | None = None) -> Any:
        self.sockets.arriving = client_ip(environ.get("asgi.scope", {}),
                                          self.trusted_proxies)  # see _SessionTable
        return await super()._handle_connect(environ, transport, jsonp_index)

    def _refusal(self, scope: dict[str, Any]) -> Refusal | None:
        """Why the reference server would answer 400 before reading the request."""
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else scope.get("method", "GET")
        if method == "OPTIONS":
            return None  # a CORS preflight, answered by python-engineio
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        transport = query.get("transport", [])
        if len(transport) != 1 or transport[0] not in self.transports:
            # python-engineio assumed polling when missing
            return UNKNOWN_TRANSPORT, (f"unknown transport {_quoted(transport, 32)}: use "
                                       "'polling' or 'websocket'")
        if query.get("EIO") != ["4"]:
            return _version_refusal(query)  # python-engineio checked handshakes only
        if "j" in query:
            # JSONP, which python-engineio served: gone in Engine.IO v4
            return BAD_REQUEST, "JSONP polling (the 'j' parameter) is gone in Engine.IO 4"
        if method not in ("GET", "POST"):
            # python-engineio: 405
            return BAD_REQUEST, f"method {method[:16]!r} is not allowed: use GET or POST"
        if websocket != (transport[0] == "websocket"):
            return BAD_REQUEST, (f"transport {transport[0]!r} does not match the request "
                                 f"({'a' if websocket else 'no'} websocket upgrade)")
        sids = query.get("sid")
        if sids is None:
            if method == "POST":
                return BAD_HANDSHAKE_METHOD, "a handshake must be a GET (a POST needs a sid)"
            return None if self.accepting_sessions else (FORBIDDEN, "the hub is stopping")
        socket = self.sockets.get(sids[0])
        if len(sids) != 1 or socket is None or socket.closed:
            return UNKNOWN_SID, STALE_SESSION
        return None

    def handle_request(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> Awaitable[Any]:
        # Not a coroutine function: its frame would stay for a websocket's whole life.
        refusal = self._refusal(scope)
        socket = self.sockets.get(self._query_sid(scope) or "")
        if refusal is None and isinstance(socket, HubEngineSocket):
            if scope["type"] == "websocket" and (socket.upgrading or socket.upgraded
                                                 or socket._websocket is not None):
                return self._close_second_websocket(receive, send)
            if scope.get("method") == "POST" and socket._post_pending:
                return self._refuse_overlapping_post(socket, scope, receive, send)
        if refusal is not None:
            return self._refuse(scope, receive, send, refusal)
        return super().handle_request(scope, receive, send)  # type: ignore[no-any-return]

    @staticmethod
    async def _close_second_websocket(receive: Callable[[], Awaitable[Any]],
                                      send: Callable[[dict[str, Any]], Awaitable[None]]
                                      ) -> None:
        # The reference completes the handshake of a second websocket for an upgraded
        # session and closes it; python-engineio raised out of the app.
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close"})

    async def _refuse_overlapping_post(self, socket: HubEngineSocket, scope: dict[str, Any],
                                       receive: Callable[[], Awaitable[Any]],
                                       send: Callable[[dict[str, Any]], Awaitable[None]]
                                       ) -> None:
        # The reference answers an overlapping POST 400 and closes the session.
        await socket.drop_for("a second POST while one is pending")
        await self._answer_400(scope, receive, send, BAD_REQUEST)

    @staticmethod
    def _query_sid(scope: dict[str, Any]) -> str | None:
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        sids = query.get("sid")
        return sids[0] if sids else None

    async def _refuse(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                      send: Callable[[dict[str, Any]], Awaitable[None]],
                      refusal: Refusal) -> None:
        """Answer a refused request, saying why in the log once per address and reason
        within the refusal window: a device retrying in a loop (a dead sid polled
        hundreds of times a second) writes one line, not one a request."""
        # A refused request is the client's mistake: INFO, where python-engineio said ERROR.
        error, words = refusal
        peer = client_ip(scope, self.trusted_proxies)
        if self.on_refusal is None:  # no journal keeps the window: the log's filter does
            logger.info("refused a request from %s: %s", peer, words,
                        extra=once_per(peer, words))
        elif self.on_refusal(scope, words):
            logger.info("refused a request from %s: %s", peer, words)
        await self._answer_400(scope, receive, send, error)

    async def _answer_400(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                          send: Callable[[dict[str, Any]], Awaitable[None]],
                          error: tuple[int, str]) -> None:
        """Answer 400 with the reference's ``{"code", "message"}`` body, websocket or not."""
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

    async def _make_response(self, response_dict: dict[str, Any],
                             environ: dict[str, Any]) -> Any:
        if environ.get(TOO_LARGE):
            # The reference answers a POST over maxHttpBufferSize 413 with no body
            # (polling.js); python-engineio answered it "ok", as if it had been taken.
            response_dict = {"status": "413 PAYLOAD TOO LARGE", "headers": [],
                             "response": b""}
        return await super()._make_response(response_dict, environ)

    def _ok(self, packets: list[packet.Packet] | None = None,
            headers: list[tuple[str, str]] | None = None,
            jsonp_index: int | None = None) -> dict[str, Any]:
        if packets is None:
            # The reference answers a successful POST "ok"; python-engineio said "OK".
            return {"status": "200 OK", "headers": [("Content-Type", "text/html")],
                    "response": b"ok"}
        response: dict[str, Any] = super()._ok(packets, headers, jsonp_index)
        return response

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
        self.queue_close_packets(sockets)
        return sockets

    @staticmethod
    def queue_close_packets(sockets: list[async_socket.AsyncSocket]) -> None:
        for socket in sockets:
            if not (socket.closing or socket.closed):
                socket.queue.put_nowait(packet.Packet(packet.CLOSE))
                if socket.upgraded:
                    socket.queue.put_nowait(None)  # ends the writer after the close packet

    async def hand_out_close_packets(self, within: float) -> list[async_socket.AsyncSocket]:
        """``send_close_packets``, giving each polling client up to ``within`` s to come
        for its close packet first.

        A client between two polls (its reply just sent, its next GET not yet here)
        would otherwise find no session (400) or, once uvicorn stops listening, no server:
        told of the stop only as a transport error, if its next request fails at all.
        The reference server keeps such a session until its next GET takes the packet.
        """
        sockets = list(self.sockets.values())
        self.queue_close_packets(sockets)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        # A queue tells no one when it is taken from: a bounded look, during a stop only.
        while loop.time() < deadline and any(  # noqa: ASYNC110
                not (s.upgraded or s.closed) and not s.queue.empty() for s in sockets):
            await asyncio.sleep(CLOSE_COLLECTION_POLL_SECONDS)
        self.sockets = {}
        return sockets

    async def close_sessions(self, sockets: list[async_socket.AsyncSocket]) -> None:
        """Close sessions whose close packets are queued: their disconnect handlers run."""
        for socket in sockets:
            await socket.close(wait=False, abort=True, reason=self.reason.SERVER_DISCONNECT)

    async def close_all_sessions(self) -> None:
        await self.close_sessions(self.send_close_packets())
