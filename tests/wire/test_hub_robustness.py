"""Bad input gets a clear error and loses nothing: everyone else keeps being served and
the registry keeps matching the live clients."""

from __future__ import annotations

import asyncio
import random
import time
import types

import httpx
import pytest
import websockets
from engineio import packet
from helpers.clients import ConnectRefused, JsClient, PyClient
from helpers.raw_protocol import STRESS, Polling, WebSocket
from helpers.support import KINDS_AND_TRANSPORTS, hub_url, running_hub, wait_until

from server.wire.engine_socket import HubEngineSocket


async def assert_still_served(hub, kind: str = "py", transport: str = "websocket") -> None:
    """A fresh pair of clients can still talk through the hub."""
    url = hub_url(hub)
    a = (PyClient if kind == "py" else JsClient)(url, transport)
    b = PyClient(url, "polling")
    await a.connect()
    await b.connect()
    try:
        await a.emit("message", "still here")
        assert await b.next_event("message") == [{"from": a.sid, "data": "still here"}]
    finally:
        await a.close()
        await b.close()


@pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)
async def test_oversized_message_drops_only_the_sender(kind, transport):
    async with running_hub(max_http_buffer_size=64 * 1024) as hub:
        bystander = PyClient(hub_url(hub), "websocket")
        await bystander.connect()
        offender = (PyClient if kind == "py" else JsClient)(hub_url(hub), transport)
        await offender.connect()
        await wait_until(lambda: hub.manager.count() == 2)
        await offender.emit("message", "x" * 200_000)
        await asyncio.wait_for(offender.disconnected.wait(), 10)
        await wait_until(lambda: hub.manager.count() == 1, message="offender removed")
        assert bystander.sid in hub.manager
        assert not [e for e in bystander.received if e[0] == "message"]
        await assert_still_served(hub, kind, transport)
        await offender.close()
        await bystander.close()


@pytest.mark.parametrize("payload", [
    None, 0, "", True, [1, 2], "tab\there", {"room": None}, {"room": "r" * 10_000}, {"data": 1},
    {"room": "a", "data": {"deep": [[[[[]]]]]}}, "\u0000\ud7ff",
])
async def test_malformed_event_arguments_get_an_error_ack(hub, clients, payload):
    client = await clients("py", hub_url(hub), "websocket")
    for event in ("join", "leave", "room_message"):
        reply = await client.call(event, payload)
        assert reply["ok"] is False and reply["error"]
    assert hub.manager.get(client.sid).rooms == frozenset()
    await assert_still_served(hub)


async def test_hostile_auth_payloads_are_refused_cleanly(hub):
    url = hub_url(hub)
    # Socket.IO requires the CONNECT payload to be an object: anything else is a protocol
    # error that closes the session (see protocol.py), whatever message the client shows.
    for auth in (["not", "a", "dict"], "token"):
        client = PyClient(url, "websocket", auth)
        with pytest.raises(ConnectRefused):
            await client.connect()
        await client.close()
    for auth in ({"name": 12}, {"name": ["x"]}):
        client = PyClient(url, "websocket", auth)
        with pytest.raises(ConnectRefused, match="name must be a string"):
            await client.connect()
        await client.close()
    assert hub.manager.count() == 0
    long_name = PyClient(url, "polling", {"name": "\x1b[31m" + "n" * 5000 + "\n"})
    await long_name.connect()
    await wait_until(lambda: long_name.sid in hub.manager)
    name = hub.manager.get(long_name.sid).name
    assert len(name) == 64 and "\x1b" not in name and "\n" not in name
    await long_name.close()
    await wait_until(lambda: hub.manager.count() == 0)


async def test_raw_garbage_on_the_wire_is_refused_and_loses_nothing(hub):
    bystander = PyClient(hub_url(hub), "websocket")
    await bystander.connect()
    base = f"http://127.0.0.1:{hub.port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for params in ({"EIO": "4", "transport": "carrier-pigeon"}, {"EIO": "99"},
                       {"EIO": "4", "transport": "polling", "sid": "nope"}):
            response = await http.get("/socket.io/", params=params)
            assert response.status_code == 400
        response = await http.post("/socket.io/", params={"EIO": "4", "transport": "polling",
                                                          "sid": "x" * 5000},
                                   content=random.randbytes(10_000))
        assert response.status_code == 400
    async with websockets.connect(f"ws://127.0.0.1:{hub.port}/socket.io/?EIO=4"
                                  "&transport=websocket") as ws:
        await ws.recv()  # the Engine.IO open packet
        await ws.send("4" + "2[}{not json")
        await ws.send(b"\x00\xff" * 100)
    await wait_until(lambda: hub.manager.count() == 1)
    assert bystander.sid in hub.manager
    await assert_still_served(hub)
    await bystander.close()


async def test_churn_leaves_exactly_the_live_clients():
    """Hundreds of connects and disconnects over both transports and both client kinds,
    with rooms, and many leaving without a goodbye: killed JavaScript clients, websocket
    devices whose TCP connection is aborted, and polling devices that stop polling."""
    rng = random.Random(7)
    # A heartbeat short enough that vanished long-polling clients are noticed within
    # seconds, and long enough that a loaded machine (this one loop runs the hub and 180
    # clients) never stalls past it: at 1 s + 1 s live clients were dropped under load.
    async with running_hub(ping_interval=3, ping_timeout=5) as hub:
        url = hub_url(hub)
        live: dict[str, PyClient | JsClient | WebSocket] = {}
        rooms: dict[str, set[str]] = {}
        for _ in range(6):
            batch: list[PyClient | JsClient] = [
                PyClient(url, rng.choice(["websocket", "polling"])) for _ in range(30)]
            batch += [JsClient(url, rng.choice(["websocket", "polling"])) for _ in range(3)]
            await asyncio.gather(*(c.connect() for c in batch))
            for client in batch:
                assert client.sid
                live[client.sid] = client
                rooms[client.sid] = set()
                if rng.random() < 0.5:
                    room = f"room-{rng.randrange(5)}"
                    assert (await client.call("join", room))["ok"]
                    rooms[client.sid].add(room)
            for _ in range(5):  # devices speaking raw Engine.IO over a websocket
                device = await WebSocket.open(hub)
                await device.handshake()
                live[(await device.connect())["sid"]] = device
            for _ in range(3):  # polling devices that connect, then are never heard again
                abandoned = Polling(hub, auto_pong=False)
                await abandoned.open()
                await abandoned.connect()
                await abandoned.http.aclose()

            leaving = rng.sample(sorted(live), len(live) // 2)
            await asyncio.gather(*(leave_abruptly_or_not(live.pop(sid)) for sid in leaving))

        await wait_until(lambda: {c.sid for c in hub.manager.all()} == set(live),
                         within=60, message="registry equal to the live clients")
        for sid in live:
            assert hub.manager.get(sid).rooms == rooms.get(sid, set()), sid
        await asyncio.gather(*(c.close() for c in live.values()))
        await wait_until(lambda: hub.manager.count() == 0, within=20)


async def leave_abruptly_or_not(client: PyClient | JsClient | WebSocket) -> None:
    if isinstance(client, JsClient):
        await client.kill()  # the process dies: the OS closes its sockets, no goodbye
    elif isinstance(client, WebSocket):
        client.ws.transport.abort()  # a device losing power: TCP reset, no close frame
        await client.wait_closed()
    else:
        await client.close()


async def test_a_session_whose_heartbeat_stopped_is_still_dropped():
    """A wait for packets ends after ``ping_interval + ping_timeout`` with none, as in
    python-engineio; the heartbeat normally ends it sooner.  Here the heartbeat is
    stopped: a GET parked later than the first wait still gets its whole bound, then
    400, and the session leaves the registry."""
    limit = STRESS["ping_interval"] + STRESS["ping_timeout"]
    async with running_hub(**STRESS) as hub:
        session = Polling(hub, auto_pong=False)
        try:
            await session.open()
            hub.sio.eio.sockets[session.sid]._ping_timer.cancel()  # no more pings
            parked = asyncio.create_task(session.get())  # a first, short wait
            await asyncio.sleep(0.05)
            assert (await session.post("40")).text == "ok"
            assert (await parked)[0].startswith("40")
            await asyncio.sleep(limit * 0.6)  # the bound of that wait falls in the next
            started = time.perf_counter()
            response = await asyncio.wait_for(session.get_response(), limit + 5)
            elapsed = time.perf_counter() - started
            assert response.status_code == 400
            assert elapsed > limit - 0.05  # its whole bound; after it, a hang guard
            await wait_until(lambda: hub.manager.count() == 0
                             and session.sid not in hub.sio.eio.sockets)
            await assert_still_served(hub)
        finally:
            await session.http.aclose()


async def test_a_packet_queued_within_the_bound_is_delivered_though_the_bound_runs_first():
    """The loop runs a due timer before a wake-up queued earlier: the watchdog must not
    end a wait whose packet came in time (it would drop a live session)."""
    server = types.SimpleNamespace(create_queue=asyncio.Queue, ping_interval=0.05,
                                   ping_timeout=0.0)
    socket = HubEngineSocket(server, "sid")
    writer = asyncio.create_task(socket._take())
    await asyncio.sleep(0)  # waiting, with the watchdog armed for 50 ms on

    def packet_then_a_long_callback() -> None:
        socket.queue.put_nowait(packet.Packet(packet.MESSAGE, "in time"))
        until = time.monotonic() + 0.08  # the bound passes before the writer wakes
        while time.monotonic() < until:
            pass

    asyncio.get_running_loop().call_soon(packet_then_a_long_callback)
    assert [p.data for p in await writer] == ["in time"]
    assert writer.cancelling() == 0
