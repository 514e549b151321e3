"""Broadcasts written as one prebuilt websocket frame: every transport gets them whole and
in order, and a connection that negotiated per-message deflate gets them compressed."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import uvicorn
from engineio import packet as eio_packet
from helpers.raw_protocol import PATH, WAIT, Polling, WebSocket, open_websocket
from helpers.support import loopback_settings, running_hub
from websockets.frames import Frame, Opcode

from server.app import build_hub
from server.connections import ConnectionManager

ASK = '451-1["ask",{"_placeholder":true,"num":0}]'
"""``ask`` with one attachment and ack id 1, as the hub's first emit with a callback."""


def _relayed(frame: str | bytes) -> Any:
    """The data of a relayed ``message`` event (``42["message", {"from", "data"}]``)."""
    assert isinstance(frame, str) and frame.startswith("42"), frame
    event, payload = json.loads(frame[2:])
    assert event == "message", frame
    return payload["data"]


async def _joined(port: int) -> WebSocket:
    """A raw websocket client that joined the hub at ``port``."""
    client = await WebSocket.open(SimpleNamespace(port=port))  # all it reads of a hub
    await client.handshake()
    await client.connect()
    return client


async def _until_news(client: WebSocket, count: int) -> list[str | bytes]:
    """The frames ``client`` receives up to its ``count``-th ``news`` event."""
    frames: list[str | bytes] = []
    while sum(str(frame).startswith('42["news"') for frame in frames) < count:
        frames.append(await client.recv())
    return frames


async def test_a_broadcast_reaches_websocket_and_polling_clients_alike():
    async with running_hub() as hub:
        on_websocket = await _joined(hub.port)
        on_polling = Polling(hub)
        await on_polling.open()
        await on_polling.connect()
        sender = await _joined(hub.port)
        try:
            for n in range(3):
                await sender.send(f'42["message",{{"n":{n},"text":"héllo"}}]')
            received = [_relayed(await on_websocket.recv()) for _ in range(3)]
            polled: list[Any] = []
            while len(polled) < 3:
                polled += [_relayed(p) for p in await on_polling.get()]
            expected = [{"n": n, "text": "héllo"} for n in range(3)]
            assert received == expected
            assert polled == expected
        finally:
            await sender.close()
            await on_websocket.close()
            await on_polling.close()


async def test_a_client_that_stops_reading_gets_every_broadcast_in_order_later():
    # Its socket's buffers fill and uvicorn pauses writing: broadcasts queue behind the
    # writer, and none may overtake those still queued once the client reads again.
    count, size = 120, 60_000
    async with running_hub() as hub:
        slow = await open_websocket(hub)  # read by hand, only once everything is sent
        await slow.recv()
        await slow.send("40")
        assert str(await slow.recv()).startswith("40")
        sender = await _joined(hub.port)
        try:
            for n in range(count):
                await sender.send(f'42["message",{{"n":{n},"pad":"{"x" * size}"}}]')
            seen = []
            while len(seen) < count:
                frame = await asyncio.wait_for(slow.recv(), WAIT)
                if frame != "2":  # a ping, should the heartbeat come round meanwhile
                    seen.append(_relayed(frame)["n"])
            assert seen == list(range(count))
        finally:
            await sender.close()
            await slow.close()



async def test_a_message_for_one_client_does_not_overtake_a_packet_queued_before_it():
    # A message (an ack, an emit) is written at once only while nothing is queued for its
    # client: a ping queued for the writer, which runs at the next turn, goes first.
    async with running_hub() as hub:
        client = await WebSocket.open(hub, auto_pong=False)  # the ping is read, not answered
        await client.handshake()
        await client.connect()
        try:
            eio_sid = next(iter(hub.sio.eio.sockets))
            await hub.sio.eio.sockets[eio_sid].send(eio_packet.Packet(eio_packet.PING))
            await hub.sio.eio.send(eio_sid, '2["news",1]')
            assert [await client.recv() for _ in range(2)] == ["2", '42["news",1]']
            await hub.sio.eio.send(eio_sid, '2["news",2]')  # nothing queued now
            assert await client.recv() == '42["news",2]'
        finally:
            await client.close()


async def test_a_broadcast_does_not_overtake_a_packet_sent_before_it():
    # An emit with an attachment is two packets, each written at once or queued for the
    # client's writer; the broadcast made right after must reach the client after both.
    async with running_hub() as hub:
        client = await _joined(hub.port)
        try:
            sid = next(iter(hub.sio.manager.rooms["/"][None]))
            await hub.sio.emit("ask", b"\x01\x02", to=sid, callback=lambda *_: None)
            await hub.sio.emit("news", 2)
            frames = [await client.recv() for _ in range(3)]
            assert frames == [ASK, b"\x01\x02", '42["news",2]']
        finally:
            await client.close()


async def test_broadcasts_that_queue_up_arrive_whole_and_in_emit_order():
    # With a turn per recipient, each broadcast waits for the one before it: their frames
    # are held and written together, and an emit with an attachment (queued for the
    # client's writer) in their midst keeps its place.
    async with running_hub() as hub:
        clients = [await _joined(hub.port) for _ in range(3)]
        try:
            hub.sio.manager.chunk = 1
            first = sorted(hub.sio.manager.rooms["/"][None])[0]
            emits = [hub.sio.emit("news", n) for n in range(40)]
            emits.insert(20, hub.sio.emit("ask", b"\x01\x02", to=first,
                                          callback=lambda *_: None))
            await asyncio.gather(*emits)
            received = [await _until_news(client, 40) for client in clients]
            asked = [frames for frames in received if len(frames) == 42]
            assert len(asked) == 1
            assert [asked[0].pop(20), asked[0].pop(20)] == [ASK, b"\x01\x02"]
            assert received == [[f'42["news",{n}]' for n in range(40)]] * 3
        finally:
            for client in clients:
                await client.close()

# -- per-message deflate, negotiated where the server offers it

@asynccontextmanager
async def _deflating_hub() -> AsyncIterator[int]:
    """The hub's app under a uvicorn with per-message deflate on (the hub's own runner
    turns it off); yields the port."""
    app = build_hub(loopback_settings(), ConnectionManager()).app
    config = uvicorn.Config(app, ws="websockets-sansio", ws_per_message_deflate=True,
                            lifespan="off", log_config=None, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started:  # uvicorn offers a flag, no event
            assert not task.done()
            await asyncio.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


class _DeflateClient:
    """A websocket that negotiated permessage-deflate, its frames read off the wire: each
    frame's RSV1 bit says whether the server compressed it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)

    @classmethod
    async def open(cls, port: int) -> _DeflateClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {PATH}?EIO=4&transport=websocket HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        assert b" 101 " in head and b"permessage-deflate" in head.lower(), head
        return cls(reader, writer)

    async def recv(self) -> tuple[bool, str]:
        """The next text frame: whether it came compressed, and its text."""
        head = await asyncio.wait_for(self.reader.readexactly(2), WAIT)
        length = head[1] & 0x7F
        if length >= 126:
            size = 2 if length == 126 else 8
            length = int.from_bytes(await self.reader.readexactly(size), "big")
        payload = await self.reader.readexactly(length)
        compressed = bool(head[0] & 0x40)
        if compressed:
            payload = self._inflate.decompress(payload + b"\x00\x00\xff\xff")
        return compressed, payload.decode()

    def send(self, text: str) -> None:
        self.writer.write(Frame(Opcode.TEXT, text.encode()).serialize(mask=True))

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def test_a_deflate_connection_gets_broadcasts_compressed_a_plain_one_as_is():
    async with _deflating_hub() as port:
        deflating = await _DeflateClient.open(port)
        await deflating.recv()  # the Engine.IO handshake
        deflating.send("40")
        assert (await deflating.recv())[1].startswith("40")
        plain = await _joined(port)
        sender = await _joined(port)
        try:
            for n in range(3):
                await sender.send(f'42["message",{{"n":{n}}}]')
            received = [await deflating.recv() for _ in range(3)]
            assert [compressed for compressed, _ in received] == [True] * 3
            assert [_relayed(text) for _, text in received] == [{"n": n} for n in range(3)]
            assert [_relayed(await plain.recv()) for _ in range(3)] == [
                {"n": n} for n in range(3)]
        finally:
            await sender.close()
            await plain.close()
            await deflating.close()
