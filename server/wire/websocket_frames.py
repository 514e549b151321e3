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
from typing import Any, Protocol

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


def is_open(protocol: WebSocketsSansIOProtocol) -> bool:
    """Whether uvicorn's ``send`` would still write a frame to ``protocol``."""
    return not (protocol.close_sent or protocol.disconnected
                or protocol.conn.state is not State.OPEN or protocol.transport.is_closing())


def write_frame(protocol: WebSocketsSansIOProtocol, frame: bytes) -> bool:
    """Write ``frame`` now if uvicorn's ``send`` would, unwaited; False if not (the caller
    then sends through the ASGI channel, which waits or refuses as it must)."""
    if not protocol.writable.is_set() or not is_open(protocol):
        return False
    protocol.transport.write(frame)
    return True


class _Holder(Protocol):
    def release(self) -> None: ...


class FrameBatch:
    """Writers holding frames back while broadcasts queue up, until ``release``.

    Each write to a socket is a system call.  While several broadcasts wait their turn,
    their frames for one connection are written together, one call per connection
    instead of one per frame, as Node's streams gather the writes made while one is
    under way.
    """

    __slots__ = ("_holders",)

    def __init__(self) -> None:
        self._holders: list[_Holder] = []

    def hold(self, holder: _Holder) -> None:
        """``holder`` holds frames now: its ``release`` is called on ours."""
        self._holders.append(holder)

    def release(self) -> None:
        holders, self._holders = self._holders, []
        for holder in holders:
            holder.release()
