"""Stopping and misbehaving handlers: the registry stays equal to the live clients, the
server keeps serving, and nothing holds a stop."""

from __future__ import annotations

import asyncio
import logging

import httpx
from helpers.clients import PyClient
from helpers.raw_protocol import Polling, WebSocket
from helpers.support import HANG_GUARD, hub_url, running_hub, wait_until
from websockets.frames import Close, Frame, Opcode

from server.logging_config import LOGGER_NAME
from server.runtime.bounded_protocols import BoundedWebSocketProtocol


async def test_a_handler_that_raises_is_logged_and_the_hub_serves_on(hub, caplog):
    @hub.sio.on("boom")
    async def boom(sid: str, data: object = None) -> None:
        raise RuntimeError("handler bug")

    sender = PyClient(hub_url(hub), "websocket")
    receiver = PyClient(hub_url(hub), "polling")
    await sender.connect()
    await receiver.connect()
    with caplog.at_level(logging.ERROR, logger=LOGGER_NAME):
        await sender.emit("boom", 1)
        await wait_until(lambda: "handler bug" in caplog.text, message="the error logged")
    assert "'boom'" in caplog.text
    await sender.emit("message", "after")
    assert await receiver.next_event("message") == [{"from": sender.sid, "data": "after"}]
    assert hub.manager.count() == 2
    await sender.close()
    await receiver.close()


async def test_an_event_nobody_handles_is_refused_at_once_and_the_next_one_answered(hub):
    """An ack asked for an unknown event comes at once, as an error, and before the next
    event's (python-socketio's namespaces would acknowledge it empty; the reference server
    would leave the client waiting out its timeout)."""
    session = await WebSocket.open(hub)
    await session.handshake()
    await session.connect()
    await session.send('421["no-such-event",1]')
    await session.send('422["join","lab"]')
    assert await session.recv() == '431[{"ok":false,"error":"unknown event \'no-such-event\'"}]'
    assert await session.recv() == '432[{"ok":true,"rooms":["lab"]}]'
    await session.close()


async def test_clients_connecting_during_a_stop_leave_no_ghosts():
    """Handshakes racing a stop are refused or closed; none stays in the registry."""
    async with running_hub() as hub:
        url = hub_url(hub)
        stopping = asyncio.Event()

        async def keep_connecting() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=5) as http:
                for _ in range(200):
                    try:
                        await http.get("/socket.io/", params={"EIO": "4",
                                                              "transport": "polling"})
                    except httpx.HTTPError:
                        return
                    if stopping.is_set():
                        return

        async def keep_joining() -> None:
            for _ in range(50):
                client = PyClient(url, "polling")
                try:
                    await client.connect()
                except Exception:  # refused while stopping: what we want
                    return
                if stopping.is_set():
                    return

        racers = [asyncio.create_task(keep_joining()) for _ in range(3)]
        racers.append(asyncio.create_task(keep_connecting()))
        await wait_until(lambda: hub.manager.count() >= 3, message="clients arriving")
        stopping.set()
        await hub.stop()
        assert hub.manager.count() == 0
        await asyncio.gather(*racers, return_exceptions=True)
        await asyncio.sleep(0.2)
        assert hub.manager.count() == 0


async def test_an_open_dashboard_feed_does_not_hold_the_stop(caplog):
    """Without the feed ending first, uvicorn waits out its graceful time, then cancels
    the feed with ERROR lines ("timeout graceful shutdown exceeded")."""
    async with running_hub() as hub, \
            httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http, \
            http.stream("GET", "/api/feed") as feed:
        assert feed.status_code == 200
        with caplog.at_level(logging.INFO):
            await hub.stop()
    assert "server stopped" in caplog.text
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_stop_leaves_no_task_behind():
    """Nothing of the hub outlives its stop, whoever closed the sessions.  Before, each
    closed session's next ping slept on for ``ping_interval`` (25 s by default), then
    "Task was destroyed but it is pending!" when the loop closed."""
    before = asyncio.all_tasks()
    async with running_hub(ping_interval=25, ping_timeout=20) as hub:
        leaving: list[Polling | WebSocket] = []
        staying: list[Polling | WebSocket] = []
        for group in (leaving, staying):
            polling = Polling(hub)
            await polling.open()
            await polling.connect()
            websocket = await WebSocket.open(hub)
            await websocket.handshake()
            await websocket.connect()
            group += [polling, websocket]
        for session in leaving:
            await session.close()
        await wait_until(lambda: hub.manager.count() == len(staying), message="two left")
    for session in staying:  # closed by the stop
        if isinstance(session, Polling):
            await session.http.aclose()
        else:
            await session.close()
    others = asyncio.all_tasks() - before - {asyncio.current_task()}
    if others:  # a hang guard shorter than the 25 s a leftover ping would sleep
        await asyncio.wait(others, timeout=HANG_GUARD - 5)
    assert [task for task in others if not task.done()] == []


async def test_a_polling_client_between_two_polls_gets_its_close_packet_from_the_next():
    """A stop that comes while a polling client has no GET parked: its next GET, however
    late within the stop's grace, carries the close packet.  Before, that GET found no
    session (400) or no server, and the client learnt of the stop as a transport error."""
    async with running_hub() as hub:
        polling = Polling(hub)
        await polling.open()
        await polling.connect()
        session = hub.sio.eio.sockets[polling.sid]
        stopping = asyncio.create_task(hub.stop())
        await wait_until(lambda: not session.queue.empty(), message="the close packet queued")
        assert await polling.get() == ["1"]
        await stopping
        assert hub.manager.count() == 0
        await polling.http.aclose()


async def test_a_stop_sends_each_client_its_close_packet():
    """Over the websocket before it closes, and to a parked poll.  uvicorn's own shutdown
    would close a websocket with code 1012 and no packet: the writers must go first."""
    async with running_hub() as hub:
        websockets = []
        for _ in range(20):
            websocket = await WebSocket.open(hub)
            await websocket.handshake()
            await websocket.connect()
            websockets.append(websocket)
        polling = Polling(hub)
        await polling.open()
        await polling.connect()
        parked = asyncio.create_task(polling.get())
        await wait_until(lambda: hub.sio.eio.sockets[polling.sid]._get_pending,
                         message="the GET parked in the server")
        await hub.stop()
        assert await parked == ["1"]
        for websocket in websockets:
            await websocket.wait_closed()
            assert websocket.frames.get_nowait() == "1"
        await polling.http.aclose()


async def test_a_stop_as_a_client_closes_its_websocket_stops_every_connection(caplog):
    """The client's close frame arrives in the same turn of the loop as the stop: the
    connection is closing, not yet gone.  uvicorn's shutdown sent a close of its own,
    websockets refused it (InvalidState), and the error ended the shutdown of the other
    connections ("uvicorn failed while stopping")."""
    async with running_hub() as hub:
        closing, other = await WebSocket.open(hub), await WebSocket.open(hub)
        for websocket in (closing, other):
            await websocket.handshake()
            await websocket.connect()
        server_state = hub._uvicorn.server_state  # type: ignore[union-attr]
        protocols = [p for p in server_state.connections
                     if isinstance(p, BoundedWebSocketProtocol)]
        assert len(protocols) == 2
        close = Frame(Opcode.CLOSE, Close(1000, "bye").serialize())
        protocols[0].data_received(close.serialize(mask=True, extensions=[]))
        with caplog.at_level(logging.ERROR):
            for protocol in protocols:  # what uvicorn's shutdown does first
                protocol.shutdown()
            await hub.stop()
        assert "failed while stopping" not in caplog.text
        for websocket in (closing, other):
            await websocket.wait_closed()
        assert hub.manager.count() == 0
