"""Real Socket.IO clients for the tests: python-socketio's and the official JavaScript one.

Both offer the same small surface, so a test can be parametrised over kind and transport.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import socketio

JS_DIR = Path(__file__).parents[1] / "js"
TIMEOUT = 10.0


class ConnectRefused(Exception):
    """The server refused the connection; ``str()`` is its message."""


class Client(Protocol):
    sid: str | None
    received: list[tuple[str, list[Any]]]
    disconnected: asyncio.Event

    async def connect(self) -> None: ...
    async def emit(self, event: str, *args: Any) -> None: ...
    async def call(self, event: str, *args: Any) -> Any: ...
    async def next_event(self, event: str) -> list[Any]: ...
    async def close(self) -> None: ...


class _Inbox:
    """Events as they arrive, and a way to wait for the next one of a name."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[Any]]] = []
        self._read = 0
        self._arrived = asyncio.Condition()

    async def put(self, event: str, args: list[Any]) -> None:
        async with self._arrived:
            self.received.append((event, args))
            self._arrived.notify_all()

    async def next_event(self, event: str) -> list[Any]:
        """The args of the first ``event`` not yet returned; waits up to TIMEOUT."""
        async with self._arrived:
            def found() -> bool:
                return any(name == event for name, _ in self.received[self._read:])
            await asyncio.wait_for(self._arrived.wait_for(found), TIMEOUT)
            for index in range(self._read, len(self.received)):
                if self.received[index][0] == event:
                    args = self.received[index][1]
                    self.received.pop(index)
                    return args
        raise AssertionError("unreachable")


class _ClientBase:
    """What both kinds share: where they connect, their sid and what they received."""

    def __init__(self, url: str, transport: str, auth: Any = None) -> None:
        self.url, self.transport, self.auth = url, transport, auth
        self.sid: str | None = None
        self.disconnected = asyncio.Event()
        self._inbox = _Inbox()
        self.received = self._inbox.received

    async def next_event(self, event: str) -> list[Any]:
        return await self._inbox.next_event(event)


class PyClient(_ClientBase):
    """python-socketio's ``AsyncClient``."""

    def __init__(self, url: str, transport: str, auth: Any = None) -> None:
        super().__init__(url, transport, auth)
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.sio.on("*", self._on_any)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("connect_error", self._on_connect_error)
        self._refusal: str | None = None

    async def _on_any(self, event: str, *args: Any) -> None:
        await self._inbox.put(event, list(args))

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnected.set()

    async def _on_connect_error(self, data: Any = None) -> None:
        self._refusal = data.get("message") if isinstance(data, dict) else str(data)

    async def connect(self) -> None:
        try:
            await self.sio.connect(self.url, transports=[self.transport], auth=self.auth,
                                   wait_timeout=TIMEOUT)
        except socketio.exceptions.ConnectionError as exc:
            raise ConnectRefused(self._refusal or str(exc)) from None
        self.sid = self.sio.get_sid()

    async def emit(self, event: str, *args: Any) -> None:
        await self.sio.emit(event, args[0] if len(args) == 1 else args)

    async def call(self, event: str, *args: Any) -> Any:
        return await self.sio.call(event, args[0] if len(args) == 1 else args, timeout=TIMEOUT)

    async def close(self) -> None:
        await self.sio.disconnect()


class JsClient(_ClientBase):
    """The official ``socket.io-client`` in a Node process (tests/js/client.mjs)."""

    _ids = itertools.count()

    def __init__(self, url: str, transport: str, auth: Any = None) -> None:
        super().__init__(url, transport, auth)
        self._acks: dict[int, asyncio.Future[list[Any]]] = {}
        self._status: asyncio.Future[dict[str, Any]] | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        node = shutil.which("node")
        assert node, "node is needed for the JavaScript client tests"
        args = [node, str(JS_DIR / "client.mjs"), self.url, self.transport]
        if self.auth is not None:
            args.append(json.dumps(self.auth))
        self._status = asyncio.get_running_loop().create_future()
        self._process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read())
        status = await asyncio.wait_for(self._status, TIMEOUT)
        if status["type"] == "connect_error":
            raise ConnectRefused(status["message"])
        self.sid = status["sid"]

    async def _read(self) -> None:
        assert self._process and self._process.stdout
        async for line in self._process.stdout:
            message = json.loads(line)
            kind = message["type"]
            if kind in ("connect", "connect_error"):
                if self._status and not self._status.done():
                    self._status.set_result(message)
            elif kind == "event":
                await self._inbox.put(message["event"], message["args"])
            elif kind == "ack":
                self._acks.pop(message["id"]).set_result(message["args"])
            elif kind == "disconnect":
                self.disconnected.set()
        self.disconnected.set()
        if self._status and not self._status.done():
            self._status.set_result({"type": "connect_error", "message": "client exited"})

    async def _send(self, command: dict[str, Any]) -> None:
        assert self._process and self._process.stdin
        self._process.stdin.write(json.dumps(command).encode() + b"\n")
        await self._process.stdin.drain()

    async def emit(self, event: str, *args: Any) -> None:
        await self._send({"op": "emit", "event": event, "args": list(args)})

    async def call(self, event: str, *args: Any) -> Any:
        ack_id = next(self._ids)
        self._acks[ack_id] = asyncio.get_running_loop().create_future()
        await self._send({"op": "emit", "event": event, "args": list(args), "id": ack_id})
        result = await asyncio.wait_for(self._acks[ack_id], TIMEOUT)
        return result[0] if len(result) == 1 else result

    async def close(self) -> None:
        if self._process is None:
            return
        if self._process.returncode is None:
            try:
                await self._send({"op": "close"})
                await asyncio.wait_for(self._process.wait(), TIMEOUT)
            except (ConnectionError, TimeoutError):
                self._process.kill()
                await self._process.wait()
        if self._reader:
            await self._reader
        self._process = None

    async def kill(self) -> None:
        """End the client abruptly, without a goodbye to the server."""
        assert self._process
        self._process.kill()
        await self._process.wait()


ConnectClient = Callable[..., Coroutine[Any, Any, Client]]


@asynccontextmanager
async def real_clients() -> AsyncIterator[ConnectClient]:
    """``await connect(kind, url, transport, auth=None)`` with kind "py" or "js": a
    connected client; every client made is closed at the end."""
    made: list[Client] = []

    async def connect(kind: str, url: str, transport: str, auth: Any = None) -> Client:
        client: Client = (PyClient if kind == "py" else JsClient)(url, transport, auth)
        made.append(client)
        await client.connect()
        return client

    try:
        yield connect
    finally:
        for client in made:
            await client.close()
