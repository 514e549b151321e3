"""The Engine.IO session over a websocket: python-engineio's handler, leaner.

python-engineio reads each frame through ``asyncio.wait_for`` on a task of its own: a
task, a future and a timer made and thrown away for every packet a client sends, and one
of each held by every idle connection, beside a writer task waiting on the queue.  Here
the reader awaits the websocket directly, and a writer task runs only while packets are
queued (``Flusher``): an idle connection holds neither.  The bound that ``wait_for``
set (``ping_interval + ping_timeout``) is the heartbeat's: a client that stops answering
pings is dropped by the session's pong deadline, which closes the websocket and so ends
the read.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from engineio import exceptions, packet

from .checked_websocket import CheckedWebSocket
from .websocket_frames import FrameBatch, direct_protocol, is_open, write_frame

if TYPE_CHECKING:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from .engine_socket import HubEngineSocket

logger = logging.getLogger(__name__)


async def serve_websocket(socket: HubEngineSocket, ws: Any) -> None:
    """Run the session over ``ws`` (python-engineio's websocket driver) until either side
    ends it, then close the session."""
    checked = CheckedWebSocket(ws, socket)
    socket._websocket = checked  # its close() says why (a message too big: 1009)
    try:
        if socket.connected:  # it began on polling: this is its upgrade
            if not await _upgrade(socket, checked):
                return
        else:
            socket.connected = True
            socket.upgraded = True
        flusher = Flusher(socket, checked, direct_protocol(ws.asgi_send))
        socket._writer = flusher
        try:
            await _read(socket, checked)
        finally:
            socket.queue.put_nowait(None)  # the flusher sends what is queued, then closes
            await flusher.finished()
        await socket.close(wait=False, abort=True,
                           reason=socket.server.reason.TRANSPORT_CLOSE)
    finally:
        socket._websocket = socket._writer = None
        socket.queue.on_first_item = None  # the flusher and the session: no cycle left


async def _upgrade(socket: HubEngineSocket, ws: CheckedWebSocket) -> bool:
    """The upgrade from polling, as python-engineio does it: a ``ping probe`` answered
    with ``pong probe`` (and the parked GET released), then the client's UPGRADE."""
    socket.upgrading = True  # holds the polling transport's sends meanwhile
    try:
        probe = await ws.receive()
        if probe is None or probe.packet_type != packet.PING or probe.data != "probe":
            logger.info("%s: failed websocket upgrade, no PING probe", socket.sid)
            return False
        await ws.send(packet.Packet(packet.PONG, data="probe").encode())
        socket.queue.put_nowait(packet.Packet(packet.NOOP))  # ends the parked GET
        upgrade = await ws.receive()
        if upgrade is None or upgrade.packet_type != packet.UPGRADE:
            logger.info("%s: failed websocket upgrade, no UPGRADE packet", socket.sid)
            return False
        socket.upgraded = True
        return True
    finally:
        socket.upgrading = False


async def _read(socket: HubEngineSocket, ws: CheckedWebSocket) -> None:
    while not socket.closed:
        pkt = await ws.receive()
        if pkt is None:
            return
        try:
            await socket.receive(pkt)
        except exceptions.SocketIsClosedError:
            return
        except Exception:  # as python-engineio: log it, keep the session
            logger.exception("%s: error handling a packet", socket.sid)


class Flusher:
    """Writes the session's queued packets to the websocket: a task started when a
    packet arrives in the empty queue, ended when the queue is empty again.

    Back-pressure is the websocket's: while the client does not read, the task waits in
    ``send`` and packets pile up in the queue, where the session's bounds count them.
    The closing ``None`` closes the websocket; nothing is written after it.
    """

    __slots__ = ("_closed", "_direct", "_held", "_socket", "_task", "_ws")

    def __init__(self, socket: HubEngineSocket, ws: CheckedWebSocket,
                 direct: WebSocketsSansIOProtocol | None) -> None:
        self._socket, self._ws, self._direct = socket, ws, direct
        self._task: asyncio.Future[None] | None = None
        self._closed = False
        self._held: list[bytes] | None = None
        """Frames accepted by ``write_now`` for a ``FrameBatch``, not written yet."""
        socket.queue.on_first_item = self._start
        if not socket.queue.empty():  # queued before the websocket was ours (the OPEN)
            self._start()

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._flush())

    def write_now(self, frame: bytes, batch: FrameBatch | None = None) -> bool:
        """Write a prebuilt ``frame`` at once (or hold it until ``batch`` is released),
        if nothing written before it is still on its way (queued, or in this writer's
        hands) and the websocket takes it now; False if not: the caller queues the
        packet instead."""
        # The task runs from the moment a packet is queued until the queue is empty.
        if self._task is not None or self._closed or self._direct is None:
            return False
        if self._held is not None:  # behind those held already
            self._held.append(frame)
            return True
        if batch is None:
            return write_frame(self._direct, frame)
        if not self._direct.writable.is_set() or not is_open(self._direct):
            return False
        self._held = [frame]
        batch.hold(self)
        return True

    def release(self) -> None:
        """Write the frames held for a batch, together (dropped if the websocket closed
        meanwhile, as uvicorn drops what is sent then)."""
        held, self._held = self._held, None
        if held and self._direct is not None and is_open(self._direct):
            self._direct.transport.write(b"".join(held))

    async def finished(self) -> None:
        """Wait until what is queued (up to the closing ``None``) is written."""
        while self._task is not None:
            await asyncio.shield(self._task)

    async def _flush(self) -> None:
        queue = self._socket.queue
        self.release()  # frames accepted before these packets were queued go first
        try:
            while not queue.empty():
                packets = self._socket.take_queued()
                if self._closed:
                    continue  # the websocket is closed: what comes after is dropped
                if packets is None:
                    self._closed = True
                    await self._ws.close()
                    continue
                for pkt in packets:
                    await self._ws.send(pkt.encode())
        except Exception:  # the websocket is gone; the reader sees it too
            self._closed = True
            await self._ws.close()
        finally:
            self._task = None
