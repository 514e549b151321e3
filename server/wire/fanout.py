"""A client manager whose emits let the loop breathe while they fan out.

python-socketio's ``AsyncManager.emit`` creates one task per recipient in a single loop
step: a broadcast to 1,000 clients held the desktop's shared loop (and the GUI) for
about 70 ms.  ``FanOutManager`` sends to the recipients in turn and yields to the loop
after every ``chunk`` of them.

Ordering: a client receives the server's messages in the order they were emitted, as with
python-socketio.  Emits therefore take turns (a first-come, first-served lock): an emit
that starts while a broadcast is yielding waits for it, so it cannot overtake it at the
recipients that broadcast has not reached yet.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from engineio import packet as eio_packet
from socketio import packet

from .room_index import RoomIndexManager
from .websocket_frames import FrameBatch, server_frame

logger = logging.getLogger(__name__)

CHUNK = 100
"""Recipients served between two yields to the loop."""
HELD_BROADCASTS = 16
HELD_BYTES = 1024 * 1024
"""The most broadcasts, and bytes of their frames, held back to be written together
while more emits wait their turn (see ``FrameBatch``)."""


class FanOutManager(RoomIndexManager):
    """python-socketio's in-memory manager; ``emit`` yields every ``chunk`` recipients."""

    def __init__(self, chunk: int = CHUNK) -> None:
        super().__init__()
        self.chunk = chunk
        self._turns: asyncio.Lock | None = None
        self._turns_loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        """Emits waiting for their turn."""
        self._batch = FrameBatch()
        self._held_broadcasts = self._held_bytes = 0

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns_loop is not loop:  # a restart on a new loop
            self._turns, self._turns_loop = asyncio.Lock(), loop
        return self._turns

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):  # as python-socketio: a tuple is several arguments
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        turns = self._lock()
        self._waiting += 1
        try:
            await turns.acquire()
        finally:
            self._waiting -= 1
        try:
            # A list, not python-socketio's generator: rooms may change while we yield.
            recipients = [(sid, eio_sid)
                          for sid, eio_sid in self.get_participants(namespace, room)
                          if sid not in skip]
            if callback is None:
                await self._send_to_each(event, recipients,
                                         self._encoded(event, data, namespace))
                return
            for count, (sid, eio_sid) in enumerate(recipients, 1):
                try:  # each recipient needs its own ack id
                    await self.server._send_packet(eio_sid, self.server.packet_class(
                        packet.EVENT, namespace=namespace, data=[event, *data],
                        id=self._generate_ack_id(sid, callback)))
                except Exception:  # one recipient's failure must not starve the others
                    logger.exception("sending %r to %s failed", event, sid)
                await self._take_turn(count, len(recipients))
        finally:
            if self._held_broadcasts and (
                    not self._waiting or self._held_broadcasts >= HELD_BROADCASTS
                    or self._held_bytes >= HELD_BYTES):
                self._held_broadcasts = self._held_bytes = 0
                self._batch.release()
            turns.release()

    def _encoded(self, event: str, data: list[Any], namespace: str) -> list[_Shared]:
        """The emit's Engine.IO packets, each with its websocket frame: encoded once for
        every recipient, as python-socketio encodes once."""
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *data]).encode()
        return [_Shared(p) for p in (encoded if isinstance(encoded, list) else [encoded])]

    async def _send_to_each(self, event: str, recipients: list[tuple[str, str]],
                            packets: list[_Shared]) -> None:
        # The hub's server writes the prebuilt frame where it can (send_frame_now), held
        # for the batch while other emits wait; python-socketio's, and every other
        # recipient, take _send_eio_packet's way.
        send_now = getattr(self.server, "send_frame_now", None)
        held = False
        for start in range(0, len(recipients), self.chunk):
            if start:
                await asyncio.sleep(0)
            batch = self._batch if self._waiting else None
            held = held or batch is not None
            for sid, eio_sid in recipients[start:start + self.chunk]:
                try:
                    for shared in packets:
                        if send_now is None or not send_now(eio_sid, shared.frame, batch):
                            await self.server._send_eio_packet(eio_sid, shared.packet)
                except Exception:  # one recipient's failure must not starve the others
                    logger.exception("sending %r to %s failed", event, sid)
        if held:
            self._held_broadcasts += 1
            self._held_bytes += sum(len(p.frame) for p in packets) * len(recipients)

    async def _take_turn(self, count: int, total: int) -> None:
        if count % self.chunk == 0 and count < total:
            await asyncio.sleep(0)


class _Shared:
    """One Engine.IO packet of a broadcast and its websocket frame, built once."""

    __slots__ = ("frame", "packet")

    def __init__(self, encoded: str | bytes) -> None:
        self.packet = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        # From a packet of its own: a packet caches its first encoding, which for binary
        # data is the websocket's (raw), not polling's (base64).
        self.frame = server_frame(eio_packet.Packet(eio_packet.MESSAGE, encoded).encode())
