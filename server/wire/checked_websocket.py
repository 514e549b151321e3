"""The websocket as the Engine.IO session reads it: each frame checked and decoded once."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from engineio import packet

from .engineio_packets import decode_engineio_packet

if TYPE_CHECKING:
    from .engine_socket import HubEngineSocket


OVERSIZED = "oversized message"
"""The disconnect reason of a session dropped for a message over ``max_http_buffer_size``."""
TOO_LARGE = "socketio_tray.too_large"
"""Set in the environ of a POST whose body was over ``max_http_buffer_size``: the Engine.IO
server answers it 413, as the reference does (python-engineio said "ok")."""
MESSAGE_TOO_BIG = 1009
"""The close code of a websocket dropped for a message over ``max_http_buffer_size``: the
reference's (its ``ws`` library's ``maxPayload``); python-engineio closed with 1000."""


def too_large(size: int | str, limit: int) -> str:
    return f"message too large ({size} bytes, limit {limit})"


class CheckedWebSocket:
    """python-engineio's websocket driver, each frame checked and decoded by the
    reference's rules.

    python-engineio decodes websocket frames outside any ``try``: a malformed frame
    raised out of the ASGI app (an ERROR log) and left the session open.  Here such a
    frame drops the session, and the reader sees a closed websocket.
    """

    __slots__ = ("_close_code", "_receive", "_send", "_socket", "_ws")

    def __init__(self, ws: Any, socket: HubEngineSocket) -> None:
        self._ws = ws
        self._socket = socket
        # The ASGI channel itself: python-engineio's driver wraps each call in one more.
        self._receive = ws.asgi_receive
        self._send = ws.asgi_send
        self._close_code = 1000

    async def send(self, message: str | bytes) -> None:
        if isinstance(message, str):
            await self._send({"type": "websocket.send", "text": message})
        else:
            await self._send({"type": "websocket.send", "bytes": message})

    async def close(self) -> None:
        with suppress(Exception):  # closed already: as python-engineio's close()
            await self._send({"type": "websocket.close", "code": self._close_code})

    async def receive(self) -> packet.Packet | None:
        """The next packet; None once the websocket is gone or the session dropped.

        Never an exception: one kept by the task that waited held that task's frames and
        through them the whole session in a reference cycle, left to the cyclic garbage
        collector.
        """
        event = await self._receive()
        if event["type"] != "websocket.receive":  # the client went away
            return None
        frame: str | bytes | None = event.get("text")
        if frame is None:
            frame = event.get("bytes")
        if frame is None:
            return None
        limit = self._socket.server.max_http_buffer_size
        if len(frame) > limit:
            self._close_code = MESSAGE_TOO_BIG
            await self._socket.drop_for(too_large(len(frame), limit), OVERSIZED)
            return None
        try:
            return decode_engineio_packet(frame)
        except ValueError as exc:
            await self._socket.drop_for(f"malformed packet ({exc})")
            return None
