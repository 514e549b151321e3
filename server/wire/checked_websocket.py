"""The websocket as the Engine.IO session's handler reads it: each frame checked first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engineio_packets import decode_engineio_packet

if TYPE_CHECKING:
    from .engine_socket import HubEngineSocket


OVERSIZED = "oversized message"
"""The disconnect reason of a session dropped for a message over ``max_http_buffer_size``."""


def too_large(size: int | str, limit: int) -> str:
    return f"message too large ({size} bytes, limit {limit})"


class CheckedWebSocket:
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

    async def wait(self) -> str | bytes | None:
        """The next frame; None once the websocket is gone or the session dropped."""
        try:
            frame: str | bytes | None = await self._ws.wait()
        except OSError:  # python-engineio's driver: the client went away
            return self._gone()
        if frame is None:
            return frame
        limit = self._socket.server.max_http_buffer_size
        if len(frame) > limit:
            await self._socket.drop_for(too_large(len(frame), limit), OVERSIZED)
            return self._gone()
        try:
            decode_engineio_packet(frame)
        except ValueError as exc:
            await self._socket.drop_for(f"malformed packet ({exc})")
            return self._gone()
        return frame

    def _gone(self) -> str | bytes | None:
        """No more frames: None, python-engineio's "closed by the client", once upgraded.

        python-engineio's driver raises ``OSError``; the exception, kept by the task that
        waited, held that task's frames and through them the whole session in a reference
        cycle, so every closed websocket session was left to the cyclic garbage collector.
        During an upgrade python-engineio expects the exception (and rarely gets it).
        """
        if not self._socket.upgraded:
            raise OSError("websocket closed")
        return None
