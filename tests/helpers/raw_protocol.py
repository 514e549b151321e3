"""Engine.IO and Socket.IO spoken by hand: httpx for long-polling, ``websockets`` for
websocket.  No Socket.IO client library stands between a test and the wire.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.runtime.runner import HubServer

PATH = "/socket.io/"
WAIT = 20.0
"""Upper bound for any single wait on the server; a failing test fails within it.  A hang
guard for a loaded machine, kept under the default heartbeat (25 s), so that a close
that should come at once is never the heartbeat's."""

SEP = "\x1e"
STRESS = {"ping_interval": 0.3, "ping_timeout": 0.2}
"""The issue's stress setting."""


def decode_packet(encoded: str) -> str | bytes:
    """A polling packet as a websocket frame would carry it (``b...`` is binary)."""
    return base64.b64decode(encoded[1:]) if encoded.startswith("b") else encoded


def handshake_of(packet: str | bytes) -> dict[str, Any]:
    assert isinstance(packet, str) and packet.startswith("0"), packet
    return json.loads(packet[1:])


class Polling:
    """One Engine.IO session over HTTP long-polling; pings are answered unless told not.

    ``get()`` parks a GET and returns its packets; ``post()`` sends a payload.
    """

    def __init__(self, hub: HubServer, auto_pong: bool = True,
                 source: str | None = None) -> None:
        self.base = f"http://127.0.0.1:{hub.port}"
        # ``source``: another loopback address (127.0.0.2, ...) to come from.
        transport = httpx.AsyncHTTPTransport(local_address=source) if source else None
        self.http = httpx.AsyncClient(base_url=self.base, timeout=60, transport=transport)
        self.auto_pong = auto_pong
        self.sid = ""
        self.handshake: dict[str, Any] = {}
        self.quiet_since = 0.0
        """When the last heartbeat ended (handshake or pong): no ping for an interval."""
        self.pings = 0
        """How many pings ``get()`` has answered."""

    def query(self, **extra: str) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid, **extra}

    async def open(self) -> dict[str, Any]:
        response = await self.http.get(PATH, params={"EIO": "4", "transport": "polling"})
        assert response.status_code == 200, response.text
        self.handshake = handshake_of(response.text)
        self.sid = self.handshake["sid"]
        self.quiet_since = time.perf_counter()
        return self.handshake

    async def get_response(self) -> httpx.Response:
        return await self.http.get(PATH, params=self.query())

    async def get(self) -> list[str | bytes]:
        """The next packets other than pings (answered with a pong if ``auto_pong``)."""
        while True:
            response = await self.get_response()
            assert response.status_code == 200, (response.status_code, response.text)
            packets = [decode_packet(p) for p in response.text.split(SEP)]
            if self.auto_pong and "2" in packets:
                self.pings += 1
                await self.pong()
                packets = [p for p in packets if p != "2"]
                if not packets:
                    continue
            return packets

    async def post(self, body: str | bytes) -> httpx.Response:
        return await self.http.post(PATH, params=self.query(), content=body)

    async def connect(self, namespace: str = "/") -> dict[str, Any]:
        """Socket.IO CONNECT; returns the acknowledgement's payload."""
        prefix = "" if namespace == "/" else f"{namespace},"
        assert (await self.post(f"40{prefix}")).text == "ok"
        packets = await self.get()
        assert packets[0].startswith(f"40{prefix}"), packets
        return json.loads(packets[0][2 + len(prefix):])

    async def pong(self) -> None:
        assert (await self.post("3")).text == "ok"
        self.quiet_since = time.perf_counter()

    async def quiet(self, needed: float) -> None:
        """Make sure no ping comes for ``needed`` s, answering one first if it might."""
        interval = self.handshake["pingInterval"] / 1000
        while time.perf_counter() - self.quiet_since > interval - needed:
            response = await self.get_response()
            if "2" in response.text.split(SEP):
                await self.pong()

    async def idle(self, seconds: float) -> None:
        """Stay connected ``seconds`` s, answering pings, with no GET left parked."""
        until = time.perf_counter() + seconds
        while True:
            response = await self.get_response()  # returns with the next ping
            if "2" in response.text.split(SEP):
                await self.pong()
            if time.perf_counter() >= until:
                return

    async def close(self) -> None:
        """Leave as a client does (a close packet), unless the session is gone already."""
        if self.sid:
            await self.post("1")
        await self.http.aclose()


async def open_websocket(hub: HubServer, sid: str | None = None,
                         source: str | None = None) -> ClientConnection:
    """``source``: another loopback address (127.0.0.2, ...) to come from."""
    query = f"EIO=4&transport=websocket{f'&sid={sid}' if sid else ''}"
    extra: dict[str, Any] = {"local_addr": (source, 0)} if source else {}
    return await connect(f"ws://127.0.0.1:{hub.port}{PATH}?{query}",
                         compression=None, open_timeout=WAIT, close_timeout=1, **extra)


class WebSocket:
    """One Engine.IO session over a websocket, frames read by a background task.

    Pings are answered unless ``auto_pong`` is false; ``closed`` is set, with
    ``closed_at`` (``time.perf_counter()``), once the server has closed the socket.
    """

    def __init__(self, ws: ClientConnection, auto_pong: bool = True) -> None:
        self.ws = ws
        self.auto_pong = auto_pong
        self.frames: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.pings = 0
        self.closed = asyncio.Event()
        self.closed_at = 0.0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, hub: HubServer, sid: str | None = None,
                   auto_pong: bool = True, source: str | None = None) -> WebSocket:
        return cls(await open_websocket(hub, sid, source), auto_pong)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame == "2":
                    self.pings += 1
                    if self.auto_pong:
                        await self.ws.send("3")
                        continue
                await self.frames.put(frame)
        except ConnectionClosed:
            pass
        finally:
            self.closed_at = time.perf_counter()
            self.closed.set()

    async def recv(self) -> str | bytes:
        return await asyncio.wait_for(self.frames.get(), WAIT)

    async def send(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def handshake(self) -> dict[str, Any]:
        return handshake_of(await self.recv())

    async def connect(self, namespace: str = "/") -> dict[str, Any]:
        """Engine.IO handshake (for a fresh socket) is read first by the caller."""
        prefix = "" if namespace == "/" else f"{namespace},"
        await self.send(f"40{prefix}")
        frame = await self.recv()
        assert isinstance(frame, str) and frame.startswith(f"40{prefix}"), frame
        return json.loads(frame[2 + len(prefix):])

    async def wait_closed(self, within: float = WAIT) -> float:
        """Wait for the server to close; the moment it did (``perf_counter``)."""
        await asyncio.wait_for(self.closed.wait(), within)
        return self.closed_at

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


async def send_packets(session: Polling | WebSocket, *packets: str | bytes) -> None:
    if isinstance(session, Polling):
        encoded = [("4" + p) if isinstance(p, str) else "b" + base64.b64encode(p).decode()
                   for p in packets]
        assert (await session.post(SEP.join(encoded))).text == "ok"
    else:
        for packet in packets:
            await session.send(("4" + packet) if isinstance(packet, str) else packet)
