"""Issue 13, items 4 and 6: nothing of a closed session outlives it while the hub serves on.

A timer or task still holding a closed session (its next ping, its pong deadline, its
wait watchdog) keeps it alive until it fires; a reference cycle keeps it until the cyclic
garbage collector runs, and a collector tuned to run rarely let such sessions pile up by
the thousand.  Here the collector is off: a session must be freed by reference counting
alone, as soon as it is closed, however it was closed.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Awaitable, Callable, Iterator

import pytest
import socketio
from helpers.raw_protocol import WAIT, Polling, WebSocket, send_packets
from helpers.support import hub_url, running_hub, wait_until

from server.runtime.runner import HubServer

Opened = tuple[str, Callable[[], Awaitable[None]]]
"""A session's Engine.IO sid, and how to close it."""


@pytest.fixture
def no_cyclic_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def python_client(hub: HubServer, transport: str) -> Opened:
    client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await client.connect(hub_url(hub), transports=[transport])
    return client.eio.sid, client.disconnect


async def raw_websocket(hub: HubServer) -> Opened:
    """A websocket whose TCP connection is dropped without a close frame."""
    session = await WebSocket.open(hub)
    sid = (await session.handshake())["sid"]
    await session.connect()

    async def drop() -> None:
        session.ws.transport.abort()
        await session.wait_closed()

    return sid, drop


async def raw_polling_refused(hub: HubServer) -> Opened:
    """A polling session closed by the server for an invalid packet."""
    session = Polling(hub)
    await session.open()
    await session.connect()

    async def misbehave() -> None:
        await send_packets(session, "9")
        await session.http.aclose()

    return session.sid, misbehave


OPENERS = {
    "python websocket": lambda hub: python_client(hub, "websocket"),
    "python polling": lambda hub: python_client(hub, "polling"),
    "websocket dropped": raw_websocket,
    "polling refused": raw_polling_refused,
}


@pytest.mark.parametrize("how", list(OPENERS))
async def test_a_closed_session_is_freed_at_once(how, no_cyclic_collection):
    async with running_hub(ping_interval=25, ping_timeout=20) as hub:
        sid, close = await OPENERS[how](hub)
        session = weakref.ref(hub.sio.eio.sockets[sid])
        await close()
        await wait_until(lambda: sid not in hub.sio.eio.sockets, WAIT, "the session closed")
        await wait_until(lambda: hub.manager.count() == 0, WAIT, "unregistered")
        await wait_until(lambda: session() is None, WAIT, "the session freed at once")
        assert hub.is_running


async def test_requests_leave_no_cycles_behind(no_cyclic_collection):
    """python-engineio's request translation defined a class per request: a cycle that
    held uvicorn's request cycle, its transport and its socket until a collection."""
    async with running_hub(ping_interval=25, ping_timeout=20) as hub:
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            for _ in range(5):
                for _, close in [await raw_polling_refused(hub), await raw_websocket(hub)]:
                    await close()
            await wait_until(lambda: hub.manager.count() == 0, WAIT, "all gone")
            gc.collect()
            ours = [o for o in gc.garbage if ours_or_a_class_of_ours(o)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert ours == []


def ours_or_a_class_of_ours(thing: object) -> bool:
    """Whether ``thing`` is an object or a class of the hub or of python-engineio/socketio."""
    kind = type(thing)  # never ``thing.__class__``: a weak proxy in the garbage may be dead
    if issubclass(kind, type):
        kind = thing  # type: ignore[assignment]  # a class: where was it defined?
    return kind.__module__.split(".")[0] in ("engineio", "socketio", "server")


async def test_a_client_that_joined_holds_no_connect_deadline():
    """The connect deadline (connect_timeout, 45 s by default) is moot once the client
    joined a namespace: its timer is not held for the rest of the 45 s."""
    async with running_hub() as hub:
        sid, close = await python_client(hub, "websocket")
        try:
            assert sid not in hub.sio._connect_deadlines
        finally:
            await close()
