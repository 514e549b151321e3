"""A websocket frame built once, written straight to the connection's transport.

Every frame a server sends is unmasked, so with no extension negotiated a broadcast's
frame is the same bytes for every recipient.  uvicorn's ``send`` would rebuild it per
recipient (an ASGI message, websockets' ``Frame``, its serialisation, a join) and make
each recipient's writer a task.  ``write_frame`` writes the prebuilt bytes instead,
only where uvicorn's own ``send`` would have written them at once, unchanged: its
websockets-sansio protocol, open, not paused, no extension (per-message deflate
compresses each frame for its connection, so those connections keep the ASGI path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State


def server_frame(message: str | bytes) -> bytes:
    """The frame a server sends for ``message`` (text for ``str``), with no extension."""
    if isinstance(message, str):
        return Frame(Opcode.TEXT, message.encode()).serialize(mask=False)
    return Frame(Opcode.BINARY, message).serialize(mask=False)


def direct_protocol(asgi_send: Callable[..., Any]) -> WebSocketsSansIOProtocol | None:
    """The protocol to ``write_frame`` to, for the ASGI ``send`` of uvicorn's
    websockets-sansio protocol itself (no middleware wraps it) on a connection without
    extensions; None otherwise."""
    protocol = getattr(asgi_send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol) or protocol.conn.extensions:
        return None
    return protocol


def write_frame(protocol: WebSocketsSansIOProtocol, frame: bytes) -> bool:
    """Write ``frame`` now if uvicorn's ``send`` would, unwaited; False if not (the caller
    then sends through the ASGI channel, which waits or refuses as it must)."""
    if (protocol.close_sent or protocol.disconnected or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN or protocol.transport.is_closing()):
        return False
    protocol.transport.write(frame)
    return True
