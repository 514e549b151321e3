"""uvicorn's HTTP and websocket protocols, bounded: connection caps and a header deadline.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but waits forever
for a request's headers, so a client trickling them holds a descriptor as long as it
likes.  These subclasses refuse a connection over the caps as it arrives, before any
parsing, and close one that has not sent a whole request head within the deadline.
A websocket handshake the hub refuses is, for uvicorn, answered: no error, no lines of its
own per attempt (the hub says why, once per address and reason).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from .connection_limits import ConnectionLimiter
from .lean_primitives import LeanEvent, LeanQueue

logger = logging.getLogger(__name__)

REFUSED = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
HEADERS_TOO_SLOW = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


class BoundedConfig(uvicorn.Config):
    """uvicorn's ``Config`` with the bounded protocols and what they need to know."""

    def __init__(self, app: Any, *, limiter: ConnectionLimiter, header_timeout: float,
                 **kwargs: Any) -> None:
        super().__init__(app, http=BoundedH11Protocol, ws=BoundedWebSocketProtocol, **kwargs)
        self.limiter = limiter
        self.header_timeout = header_timeout


def _peer_host(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


class BoundedH11Protocol(H11Protocol):
    """h11 with a cap on open connections and a deadline for each request's headers."""

    def __init__(self, config: uvicorn.Config, server_state: ServerState,
                 app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None,
                 ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        assert isinstance(config, BoundedConfig)
        self._limiter = config.limiter
        self._header_timeout = config.header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._admitted = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn narrows it too
        peer = _peer_host(transport)
        refusal = self._limiter.admit(transport, peer)
        if refusal is not None:
            logger.warning("refused a connection from %s: %s", peer, refusal)
            transport.write(REFUSED)
            transport.close()
            return
        self._admitted = True
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._admitted:
            return
        self._stop_waiting_for_headers()
        self._limiter.release(self.transport)
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_headers()  # the next request on this keep-alive connection

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._stop_waiting_for_headers()
        super().handle_websocket_upgrade(event)

    def _await_headers(self) -> None:
        self._stop_waiting_for_headers()
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_overdue)

    def _stop_waiting_for_headers(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        # IDLE: no complete request head yet.  A request being served (a long poll) is
        # past that and keeps its connection.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            logger.warning("closed a connection from %s: no request headers within %g s "
                           "(http_header_timeout)", _peer_host(self.transport),
                           self._header_timeout)
            self.transport.write(HEADERS_TOO_SLOW)
            self.transport.close()


class _RefusalsAtDebug(logging.LoggerAdapter[logging.Logger]):
    """uvicorn's logger for websockets, the two lines it writes for every refused
    handshake (``"WebSocket /socket.io/?EIO=3..." 400`` and websockets' ``connection
    rejected (400 Bad Request)``) at DEBUG.  The hub logs why it refused, once per address
    and reason; a device retrying every half second added two lines an attempt."""

    REFUSALS = frozenset({'%s - "WebSocket %s" %d', "connection rejected (%d %s)"})
    """The templates of those lines (uvicorn's and websockets').  uvicorn's line for a
    handshake closed before it was accepted (``... 403``: the Host allow-list) stays: no
    line of the hub's says that."""

    @property
    def level(self) -> int:
        """The logger's own level, which uvicorn reads for its TRACE lines."""
        return self.logger.level

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        level = logging.DEBUG if msg in self.REFUSALS else logging.INFO
        self.log(level, msg, *args, **kwargs)


_WEBSOCKET_LOG = _RefusalsAtDebug(logging.getLogger("uvicorn.error"))


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """The websocket protocol that takes over an upgraded connection; it counts the
    connection out when it ends.

    Built on websockets-sansio: measured in tests/benchmarks it gave about 30 % more echo
    round trips and 15 % less memory per connection than "websockets" (deprecated).
    """

    _handshake_complete = False

    def __init__(self, config: uvicorn.Config, server_state: ServerState,
                 app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None,
                 ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.logger = _WEBSOCKET_LOG  # type: ignore[assignment]  # a Logger's subset uvicorn uses
        self.conn.logger = _WEBSOCKET_LOG
        # The same, for less memory per connection (see lean_primitives).
        self.queue = LeanQueue()  # type: ignore[assignment]  # asyncio.Queue's subset uvicorn uses
        self.writable = LeanEvent()  # type: ignore[assignment]  # likewise asyncio.Event's
        self.writable.set()

    @property
    def handshake_complete(self) -> bool:
        """uvicorn's flag, also true once the handshake was answered with an HTTP response
        (the hub refusing it: 400 with the reference's body), which closes the connection
        (``close_sent``).  uvicorn never set it then, and logged every refusal as the
        ERROR "ASGI callable returned without completing handshake."."""
        return self._handshake_complete or self.close_sent

    @handshake_complete.setter
    def handshake_complete(self, value: bool) -> None:
        self._handshake_complete = value

    def start_keepalive(self) -> None:
        """Called once the handshake's response is sent: from then on nobody reads the
        request and response again, and they held their headers for the connection's
        whole life (websockets' parser keeps the request too: its headers are emptied)."""
        self.request.headers.clear()
        del self.request, self.response
        super().start_keepalive()

    def shutdown(self) -> None:
        """uvicorn's, but a connection already closing by the client's doing only stops its
        keepalive: the client's close frame was answered and the connection ends on the loop's next
        turn.  uvicorn would send a close of its own, which websockets refuses
        (``InvalidState``), and that error ended uvicorn's shutdown of every other
        connection with it (clients that close just as the hub stops: the benchmark's
        end)."""
        if not self.close_sent and self.transport.is_closing():
            self.stop_keepalive()
            return
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        config = self.config
        assert isinstance(config, BoundedConfig)
        config.limiter.release(self.transport)
