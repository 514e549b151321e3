"""The Engine.IO session: python-engineio's socket with the reference server's rules.

A client that breaks the protocol is dropped at once through ``HubEngineSocket.drop()``:
the close reaches whatever it is waiting on (a parked GET gets a close packet, a
websocket is closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from engineio import async_socket, exceptions, packet
from engineio.payload import Payload

from ..log_filters import once_per
from .background import spawn
from .checked_websocket import OVERSIZED, TOO_LARGE, too_large
from .engineio_packets import decode_engineio_payload
from .websocket_frames import server_frame
from .websocket_transport import serve_websocket

if TYPE_CHECKING:
    from .engine_server import HubEngineServer
    from .websocket_frames import FrameBatch
    from .websocket_transport import Flusher

logger = logging.getLogger(__name__)


MAX_PACKETS_PER_POLL: int = Payload.max_decode_packets
"""The most packets one polling reply carries: python-engineio's client refuses a payload
of more ("Too many packets in payload") and drops the connection.  The rest wait for the
next GET, which the client sends at once."""


CLIENT_PING = "client ping: in Engine.IO 4 only the server pings (an Engine.IO 3 client?)"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _size(pkt: packet.Packet | None) -> int:
    """What a queued packet counts against ``max_queued_bytes``: its payload's length
    (O(1); one broadcast's packet is shared by all its recipients, never copied)."""
    data = None if pkt is None else pkt.data
    return len(data) if isinstance(data, (str, bytes)) else 0


class HubEngineSocket(async_socket.AsyncSocket):  # type: ignore[misc]  # untyped library
    """An Engine.IO session that keeps the reference server's rules."""

    _ping_timer: asyncio.TimerHandle | None = None
    _pong_deadline: asyncio.TimerHandle | None = None
    _wait_watchdog: asyncio.TimerHandle | None = None
    _waiter: asyncio.Task[Any] | None = None
    _waiting_since: float | None = None
    last_ping: float | None = None  # python-engineio's, set in its __init__
    _expired_waiter: asyncio.Task[Any] | None = None
    _websocket: Any = None
    _writer: Flusher | None = None
    """The websocket's writer, while the session runs on a websocket."""
    _get_pending = False
    _post_pending = False
    _queued_bytes = 0
    """The payload bytes of the packets in ``queue``: counted in ``send``, out in ``_take``."""
    _overflowed = False

    address = "unknown"
    """The client that opened the session (behind a trusted proxy, the one it forwarded
    for), for log lines."""

    @classmethod
    def adopt(cls, socket: async_socket.AsyncSocket, address: str) -> None:
        """Make a freshly created python-engineio session, opened from ``address``, one
        of ours."""
        upgraded = socket.__dict__.pop("upgraded", False)
        socket.__class__ = cls
        socket.__dict__["_upgraded"] = upgraded
        socket.address = address

    @property
    def upgraded(self) -> bool:
        return bool(self.__dict__.get("_upgraded", False))

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

    async def drop_for(self, why: str, reason: str | None = None) -> None:
        """``drop`` for input the hub refuses: logged at INFO (python-engineio said only
        "transport error"), and told to the server's ``on_drop``."""
        if self.closing or self.closed:
            return
        server: HubEngineServer = self.server
        sid = server.socketio_sid(self.sid) if server.socketio_sid is not None else None
        # Once per address and reason a window: a device can open and break sessions
        # in a loop.
        logger.info("%s from %s: %s, closing the connection", sid or "a session",
                    self.address, why, extra=once_per(self.address, why))
        if server.on_drop is not None:
            server.on_drop(self.sid, why)
        await self.drop(reason or server.reason.TRANSPORT_ERROR)

    async def close(self, wait: bool = True, abort: bool = False,
                    reason: str | None = None) -> None:
        if self._ping_timer is not None:
            self._ping_timer.cancel()
            self._ping_timer = None
        if self._waiter is None:  # a wait still running keeps its bound
            self._stop_watchdog()
        self._cancel_pong_deadline()
        await super().close(wait=wait, abort=abort, reason=reason)
        if self.closed and self.upgraded:
            # The websocket's writer sends what is queued (the close packet), then
            # closes the websocket, as the reference does.
            self.queue.put_nowait(None)
        if self.closed and self.server.sockets.get(self.sid) is self:
            del self.server.sockets[self.sid]  # python-engineio's sweep task did this

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
            lambda: spawn(self.drop(self.server.reason.PING_TIMEOUT)))
        spawn(self.send(packet.Packet(packet.PING)))

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
        elif ((pkt.packet_type == packet.MESSAGE and self._written_now(pkt))
              or not self._has_room_for(pkt)):
            return  # written already, or no room: the session is being dropped
        await super().send(pkt)

    def _written_now(self, pkt: packet.Packet) -> bool:
        """Whether a message was written straight to the websocket (``send_now``): a
        lone packet (an ack, an emit to one client) needs no writer task then."""
        return self._writer is not None and self.send_now(server_frame(pkt.encode()))

    def send_now(self, frame: bytes, batch: FrameBatch | None = None) -> bool:
        """Write a packet, prebuilt as the websocket ``frame``, straight to the session's
        websocket, or hold it for ``batch`` (see ``Flusher.write_now``); False where it
        must go through ``send``: not on a websocket, closing, or packets logged
        (python-engineio logs each in ``send``)."""
        writer = self._writer
        if (writer is None or self.closing or self.closed
                or self.server.logger.isEnabledFor(logging.INFO)):
            return False
        return writer.write_now(frame, batch)

    def _has_room_for(self, pkt: packet.Packet) -> bool:
        """Whether ``pkt`` fits the queue's bounds; past them the session is dropped.

        A client that stops reading (its websocket's buffers full, or no GET) would
        otherwise have every packet meant for it kept in memory for as long as it
        answers pings."""
        if self._overflowed:
            return False  # being dropped: what still comes is not kept
        size = _size(pkt)
        server: HubEngineServer = self.server
        if (self.queue.qsize() < server.max_queued_packets
                and self._queued_bytes + size <= server.max_queued_bytes):
            self._queued_bytes += size
            return True
        self._overflowed = True
        spawn(server.drop_offender(self.sid, f"not reading: {self._queued_bytes} bytes queued"))
        return False

    async def _take(self, limit: int | None = None) -> list[packet.Packet]:
        """python-engineio's ``AsyncSocket.poll`` without a task or a timer per wait.

        Same results: the packets queued so far (at most ``limit``), ``[]`` after the
        closing ``None``, ``QueueEmpty`` on timeout or cancellation.  A queue that already
        holds packets is not waited on at all.
        """
        queue = self.queue
        first = await self._next_packet() if queue.empty() else queue.get_nowait()
        queue.task_done()
        return self._with_queued(first, limit)

    def take_queued(self) -> list[packet.Packet] | None:
        """The websocket writer's next packets: all those queued (the queue must not be
        empty), None for the closing ``None``.

        python-engineio queues a noop on every upgrade to release the parked GET, even
        when none is parked; the websocket then carried it.  The reference sends that
        noop only on a parked GET, and nothing but its packets on the websocket.
        """
        first = self.queue.get_nowait()
        self.queue.task_done()
        if first is None:
            return None
        return [p for p in self._with_queued(first, None) if p.packet_type != packet.NOOP]

    def _with_queued(self, first: packet.Packet | None,
                     limit: int | None) -> list[packet.Packet]:
        """``first`` and the packets queued after it, up to ``limit`` or the closing
        ``None`` (left queued); ``[]`` if ``first`` is that ``None``."""
        if first is None:
            return []
        queue = self.queue
        packets = [first]
        while not queue.empty() and (limit is None or len(packets) < limit):
            pkt = queue.get_nowait()
            queue.task_done()
            if pkt is None:
                queue.put_nowait(None)
                break
            packets.append(pkt)
        for pkt in packets:
            self._queued_bytes -= _size(pkt)
        return packets

    async def _next_packet(self) -> packet.Packet | None:
        """A parked GET's next packet, given up after ``ping_interval + ping_timeout`` as
        python-engineio does (``QueueEmpty``, as on cancellation).  (The websocket's
        writer does not wait: see ``websocket_transport``.)

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
        return float(self.server.ping_interval + self.server.ping_timeout)

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
            # The reference: "invalid heartbeat direction".
            await self.drop_for(CLIENT_PING)
        # OPEN, UPGRADE and NOOP from a client are ignored, as the reference does;
        # python-engineio answered an UPGRADE with a noop and raised on the others.

    def handle_get_request(self, environ: dict[str, Any]) -> Awaitable[Any]:
        # Not a coroutine function: its frame would stay for a websocket's whole life.
        if environ["asgi.scope"]["type"] == "websocket":
            return super().handle_get_request(environ)  # type: ignore[no-any-return]
        return self._long_poll()

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
            return await self._take(MAX_PACKETS_PER_POLL)
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
            if len(body) > limit:
                size = environ.get("CONTENT_LENGTH") or f"over {limit}"
                environ[TOO_LARGE] = True  # answered 413, as the reference does
                await self.drop_for(too_large(size, limit), OVERSIZED)
                return
            try:
                packets = decode_engineio_payload(body)
            except ValueError as exc:
                await self.drop_for(f"malformed payload ({exc})")
                return
            for pkt in packets:
                await self.receive(pkt)
        finally:
            self._post_pending = False

    def _websocket_handler(self, ws: Any) -> Awaitable[None]:
        return serve_websocket(self, ws)
