"""The Engine.IO session over a websocket: python-engineio's handler, leaner.

python-engineio reads each frame through ``asyncio.wait_for`` on a task of its own: a
task, a future and a timer made and thrown away for every packet a client sends, and one
of each held by every idle connection.  Here the session's reader awaits the websocket
directly.  The bound that ``wait_for`` set (``ping_interval + ping_timeout``) is the
heartbeat's: a client that stops answering pings is dropped by the session's pong
deadline, which closes the websocket and so ends the read.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from engineio import exceptions, packet

from .checked_websocket import CheckedWebSocket

if TYPE_CHECKING:
    from .engine_socket import HubEngineSocket

logger = logging.getLogger(__name__)


async def serve_websocket(socket: HubEngineSocket, ws: CheckedWebSocket) -> None:
    """Run the session over ``ws`` until either side ends it, then close the session."""
    if socket.connected:  # it began on polling: this is its upgrade
        if not await _upgrade(socket, ws):
            return
    else:
        socket.connected = True
        socket.upgraded = True
    writer = asyncio.ensure_future(_write(socket, ws))
    try:
        await _read(socket, ws)
    finally:
        socket.queue.put_nowait(None)  # ends the writer once it has sent what is queued
        await writer
    await socket.close(wait=False, abort=True, reason=socket.server.reason.TRANSPORT_CLOSE)


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


async def _write(socket: HubEngineSocket, ws: CheckedWebSocket) -> None:
    """Send what the session queues until it queues the closing ``None``, then close."""
    while True:
        try:
            packets = await socket.poll()
        except exceptions.QueueEmpty:
            break
        if not packets:
            break
        try:
            for pkt in packets:
                await ws.send(pkt.encode())
        except Exception:  # the websocket is gone; the reader sees it too
            break
    await ws.close()
