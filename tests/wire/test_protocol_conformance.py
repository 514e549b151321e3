"""Issue 7: the server behaves like the reference Socket.IO server on the wire.

One test (or test group) per numbered behaviour of the issue, spoken by hand over
long-polling (httpx) and websocket (``websockets``), each at the stress setting
(ping_interval 0.3 s, ping_timeout 0.2 s) and at the defaults; then the real clients.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import socketio
from helpers.clients import JsClient, PyClient
from helpers.raw_protocol import (
    PATH,
    SEP,
    STRESS,
    WAIT,
    Polling,
    WebSocket,
    open_websocket,
    send_packets,
)
from helpers.support import hub_url, running_hub, wait_until
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.runtime.runner import HubServer
from server.wire.engine_socket import HubEngineSocket

SETTINGS = {"stress": {**STRESS, "ping_timeout": 1.0, "connect_timeout": 1.2},
            "defaults": {}}
"""At the stress setting, pings every 300 ms interleave with every exchange; the pong
deadline is 1 s rather than the official suite's 200 ms, because a raw session answers a
ping only when the test next reads it and a loaded machine can take longer than 200 ms
between two steps (a stress-polling test was dropped so).  The 200 ms deadline itself is
tested with ``STRESS`` as is.  The connect timeout (four heartbeats) is short enough to
wait out."""


@pytest.fixture(params=list(SETTINGS))
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[HubServer]:
    """This module's hub: once at the stress setting, once at the defaults."""
    async with running_hub(**SETTINGS[request.param]) as server:
        yield server


def stressed(hub: HubServer) -> bool:
    return hub.settings.ping_interval < 1


class Raw:
    """Raw sessions on ``hub``, closed when the test ends."""

    def __init__(self, hub: HubServer) -> None:
        self.hub = hub
        self.made: list[Polling | WebSocket] = []

    async def polling(self, connect: bool = True, auto_pong: bool = True) -> Polling:
        session = Polling(self.hub, auto_pong)
        self.made.append(session)
        await session.open()
        if connect:
            await session.connect()
        return session

    async def websocket(self, connect: bool = True, auto_pong: bool = True) -> WebSocket:
        session = await WebSocket.open(self.hub, auto_pong=auto_pong)
        self.made.append(session)
        session.handshake_data = await session.handshake()
        if connect:
            await session.connect()
        return session

    async def session(self, transport: str, **options: Any) -> Polling | WebSocket:
        make = self.polling if transport == "polling" else self.websocket
        return await make(**options)

    async def quiet(self, session: Polling) -> None:
        """At the stress setting, make sure no ping comes in the next 0.15 s."""
        if stressed(self.hub):
            await session.quiet(0.15)


@pytest.fixture
async def raw(hub: HubServer) -> AsyncIterator[Raw]:
    factory = Raw(hub)
    yield factory
    for session in factory.made:
        await session.close()


def engine_session(hub: HubServer, sid: str) -> HubEngineSocket:
    return hub.sio.eio.sockets[sid]


async def parked_get(hub: HubServer, session: Polling) -> asyncio.Task[Any]:
    """A GET that is waiting inside the server (so that what follows must release it)."""
    task = asyncio.create_task(session.get_response())
    await wait_until(lambda: engine_session(hub, session.sid)._get_pending, WAIT, "parked GET")
    return task


async def released(task: asyncio.Task[Any]) -> list[str]:
    response = await asyncio.wait_for(task, WAIT)
    assert response.status_code == 200, response.text
    return response.text.split(SEP)


async def assert_polling_closed(session: Polling) -> None:
    response = await session.get_response()
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == 1  # Session ID unknown


# ---------------------------------------------------------------- 1. handshake

async def test_1_handshake_announces_the_settings_in_milliseconds(hub, raw):
    expected = {
        "pingInterval": round(hub.settings.ping_interval * 1000),
        "pingTimeout": round(hub.settings.ping_timeout * 1000),
        "maxPayload": hub.settings.max_http_buffer_size,
    }
    polling = await raw.polling(connect=False)
    websocket = await raw.websocket(connect=False)
    for handshake, upgrades in ((polling.handshake, ["websocket"]),
                                (websocket.handshake_data, [])):
        assert set(handshake) == {"sid", "upgrades", *expected}
        assert isinstance(handshake["sid"], str) and handshake["sid"]
        assert handshake["upgrades"] == upgrades
        assert {key: handshake[key] for key in expected} == expected


# ---------------------------------------------------------------- 2. 400 answers

BAD_REQUESTS = [
    ("GET", {"transport": "polling"}, 5),
    ("GET", {"EIO": "3", "transport": "polling"}, 5),
    ("GET", {"EIO": "x", "transport": "polling"}, 5),
    ("GET", {"EIO": "4"}, 0),
    ("GET", {"EIO": "4", "transport": "flashsocket"}, 0),
    ("GET", {"EIO": "4", "transport": "websocket"}, 3),  # not an upgrade request
    ("PUT", {"EIO": "4", "transport": "polling"}, 3),
    ("DELETE", {"EIO": "4", "transport": "polling"}, 3),
    ("PATCH", {"EIO": "4", "transport": "polling"}, 3),
    ("POST", {"EIO": "4", "transport": "polling"}, 2),
    ("GET", {"EIO": "4", "transport": "polling", "sid": "unknown"}, 1),
    ("POST", {"EIO": "4", "transport": "polling", "sid": "unknown"}, 1),
]


async def test_2_bad_requests_get_400(hub):
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        for method, query, code in BAD_REQUESTS:
            response = await http.request(method, PATH, params=query, content=b"40")
            assert response.status_code == 400, (method, query)
            assert json.loads(response.content)["code"] == code, (method, query)


async def test_2_requests_for_a_real_session_get_400_when_wrong_or_closed(hub, raw):
    session = await raw.polling()
    for query, method in (({"EIO": "3"}, "GET"), ({"EIO": "3"}, "POST"), ({}, "PUT"),
                          ({"transport": "websocket"}, "POST")):
        response = await session.http.request(method, PATH, params=session.query(**query),
                                              content=b"3")
        assert response.status_code == 400, (query, method)
    assert (await session.post("1")).text == "ok"
    await assert_polling_closed(session)
    assert (await session.post("3")).status_code == 400


async def test_2_bad_websocket_requests_get_400(hub):
    for query in ("EIO=4&transport=websocket&sid=unknown", "EIO=3&transport=websocket",
                  "transport=websocket", "EIO=4&transport=polling"):
        with pytest.raises(InvalidStatus) as refused:
            await connect(f"ws://127.0.0.1:{hub.port}{PATH}?{query}", open_timeout=WAIT)
        assert refused.value.response.status_code == 400, query


# ---------------------------------------------------------------- 3. POST answered ok

async def test_3_a_successful_post_is_answered_200_ok(hub, raw):
    session = await raw.polling(connect=False)
    response = await session.post("40")
    assert (response.status_code, response.text) == (200, "ok")
    assert (await session.get())[0].startswith("40{")


# ---------------------------------------------------------------- 4. malformed packets

MALFORMED_ENGINEIO = ["", "x", "9", "42\x1e", "bnot base64!", "\x1e40", "b===="]


async def polling_close(hub: HubServer, raw: Raw, connect: bool,
                        *packets: str | bytes, engineio: bool = False) -> None:
    """Send ``packets``: the parked GET carries the close packet, the session is gone.

    "At once": at the defaults no timer of the hub's runs out within ``WAIT`` (the
    heartbeat takes 25 s), and the sessions answer pings."""
    session = await raw.polling(connect=connect)
    await raw.quiet(session)
    get = await parked_get(hub, session)
    if engineio:
        await session.post(SEP.join(p for p in packets if isinstance(p, str)).encode())
    else:
        await send_packets(session, *packets)
    received = await released(get)
    # At the stress setting a ping may take the GET first, on a loaded machine; the
    # session is closed all the same (the next request is refused).
    assert received in (["1"], ["2", "1"]) or (received == ["2"] and stressed(hub)), (
        packets, received)
    await assert_polling_closed(session)


async def websocket_close(raw: Raw, connect: bool, *packets: str | bytes,
                          engineio: bool = False) -> None:
    """Send ``packets``: the server closes the websocket (see ``polling_close``)."""
    session = await raw.websocket(connect=connect)
    if engineio:
        for packet in packets:
            await session.send(packet)
    else:
        await send_packets(session, *packets)
    await session.wait_closed()


async def test_4_a_malformed_polling_payload_closes_the_session_at_once(hub, raw):
    for body in MALFORMED_ENGINEIO:
        await polling_close(hub, raw, True, body, engineio=True)


async def test_4_a_malformed_websocket_frame_closes_the_socket_at_once(hub, raw):
    """``2``: in Engine.IO v4 a client never pings (the reference: heartbeat direction)."""
    for frame in ("", "x", "9", "bnot base64!", "b====", "2"):
        await websocket_close(raw, True, frame, engineio=True)


async def test_4_a_second_concurrent_get_closes_the_session(hub, raw):
    session = await raw.polling()
    await raw.quiet(session)
    first = await parked_get(hub, session)
    second = await session.get_response()
    assert second.status_code == 400
    assert await released(first) == ["1"]
    await assert_polling_closed(session)


# ---------------------------------------------------------------- 5. heartbeat timer

async def test_5_heartbeat_timeout_closes_the_session_on_a_timer(hub, raw):
    """At the defaults a timeout takes 45 s: there the announced values and the armed
    timers are checked instead of waiting."""
    polling = await raw.polling(auto_pong=False)
    websocket = await raw.websocket(auto_pong=False)
    if not stressed(hub):
        assert (polling.handshake["pingInterval"], polling.handshake["pingTimeout"]) == (
            25000, 20000)
        for sid in (polling.sid, websocket.handshake_data["sid"]):
            socket = engine_session(hub, sid)
            assert isinstance(socket, HubEngineSocket) and not socket.closed
            assert socket.server.ping_interval == 25 and socket.server.ping_timeout == 20
        return
    timeout = hub.settings.ping_timeout

    async def over_polling() -> float:
        assert await polling.get() == ["2"]  # the GET brings the ping ...
        pinged_at = time.perf_counter()
        assert await polling.get() == ["1"]  # ... the next one the close
        await assert_polling_closed(polling)
        return time.perf_counter() - pinged_at

    async def over_websocket() -> float:
        assert await websocket.recv() == "2"
        pinged_at = time.perf_counter()
        return await websocket.wait_closed() - pinged_at

    for elapsed in await asyncio.gather(over_polling(), over_websocket()):
        assert elapsed > timeout - 0.05  # not before the timeout; after it, a hang guard


async def test_5_answered_pings_keep_the_session(hub, raw):
    if not stressed(hub):
        pytest.skip("at the defaults one heartbeat takes 25 s; covered at the stress setting")
    websocket = await raw.websocket()
    polling = await raw.polling()
    poller = asyncio.create_task(polling.get())  # answers pings until a real packet
    # Two heartbeats answered on each (or a session ended: the assertions then say which).
    await wait_until(lambda: (websocket.pings >= 2 or websocket.closed.is_set())
                     and (polling.pings >= 2 or poller.done()), WAIT, "two pings each")
    assert websocket.pings >= 2 and not websocket.closed.is_set()
    assert polling.pings >= 2 and not poller.done()
    await hub.sio.emit("hello", 1)
    assert (await asyncio.wait_for(poller, WAIT)) == ['42["hello",1]']


# ---------------------------------------------------------------- 6. close by POST

async def test_6_close_by_post_releases_the_get_with_a_noop(hub, raw):
    session = await raw.polling()
    await raw.quiet(session)
    get = await parked_get(hub, session)
    assert (await session.post("1")).text == "ok"
    assert await released(get) == ["6"]
    await assert_polling_closed(session)
    await wait_until(lambda: hub.manager.count() == 0, WAIT, "unregistered")


async def test_6_close_by_websocket_closes_the_socket(hub, raw):
    session = await raw.websocket()
    await session.send("1")
    await session.wait_closed()
    await wait_until(lambda: hub.manager.count() == 0, WAIT, "unregistered")


# ---------------------------------------------------------------- 7. upgrade

@pytest.mark.parametrize("get_parked", [True, False])
async def test_7_upgrade_to_websocket(hub, raw, get_parked):
    polling = await raw.polling()
    sid = polling.sid
    await raw.quiet(polling)
    get = await parked_get(hub, polling) if get_parked else None
    upgrade = WebSocket(await open_websocket(hub, sid))
    raw.made.append(upgrade)
    await upgrade.send("2probe")
    assert await upgrade.recv() == "3probe"
    if get is not None:
        assert (await asyncio.wait_for(get, WAIT)).text == "6"
    await upgrade.send("5")
    await wait_until(lambda: engine_session(hub, sid).upgraded, WAIT, "upgraded")
    await wait_until(lambda: next(iter(hub.manager.all())).transport == "websocket", WAIT,
                     "registry transport")
    await hub.sio.emit("hello", {"n": 1})
    assert await upgrade.recv() == '42["hello",{"n":1}]'  # no noop before it
    assert (await polling.get_response()).status_code == 400
    assert (await polling.post("3")).status_code == 400
    second = await open_websocket(hub, sid)  # the handshake completes ...
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(second.recv(), WAIT)  # ... and the socket is closed
    await hub.sio.emit("hello", {"n": 2})
    assert await upgrade.recv() == '42["hello",{"n":2}]'


# ---------------------------------------------------------------- 8. Socket.IO

@pytest.fixture
def greeter(hub: HubServer) -> None:
    """Namespaces whose connect handler emits: ``/greeter`` accepts, ``/picky`` refuses."""

    async def greet(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await hub.sio.emit("welcome", "hi", to=sid, namespace="/greeter")

    async def refuse(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await hub.sio.emit("welcome", "hi", to=sid, namespace="/picky")
        raise socketio.exceptions.ConnectionRefusedError("no entry")

    hub.sio.on("connect", greet, namespace="/greeter")
    hub.sio.on("connect", refuse, namespace="/picky")


async def idle(session: Polling | WebSocket, seconds: float) -> None:
    if isinstance(session, Polling):
        await session.idle(seconds)
    else:
        await asyncio.sleep(seconds)  # its reader answers the pings


async def next_packets(session: Polling | WebSocket, count: int) -> list[str | bytes]:
    """The next ``count`` Socket.IO packets (Engine.IO message prefix removed)."""
    packets: list[str | bytes] = []
    while len(packets) < count:
        if isinstance(session, Polling):
            batch = await session.get()
        else:
            batch = [await session.recv()]
        packets += [p[1:] if isinstance(p, str) else p for p in batch]
    return packets


TRANSPORTS = pytest.mark.parametrize("transport", ["polling", "websocket"])


@TRANSPORTS
async def test_8_connect_ack_comes_before_what_the_connect_handler_emits(hub, raw, greeter,
                                                                          transport):
    session = await raw.session(transport, connect=False)
    await send_packets(session, "0/greeter,")
    ack, event = await next_packets(session, 2)
    assert ack.startswith('0/greeter,{"sid":')
    assert event == '2/greeter,["welcome","hi"]'
    await send_packets(session, "0/picky,")
    assert await next_packets(session, 1) == ['4/picky,{"message":"no entry"}']
    await send_packets(session, "0")  # nothing the refused handler emitted came before
    assert (await next_packets(session, 1))[0].startswith('0{"sid":')


@TRANSPORTS
async def test_8_connect_to_an_unknown_namespace_is_refused(hub, raw, transport):
    session = await raw.session(transport, connect=False)
    await send_packets(session, "0/nowhere,")
    assert await next_packets(session, 1) == ['4/nowhere,{"message":"Invalid namespace"}']
    await send_packets(session, "0")
    assert (await next_packets(session, 1))[0].startswith('0{"sid":')


VIOLATIONS = [
    ("not CONNECT first", False, ['2["message",1]']),
    ("unknown type", True, ["7"]),
    ("not a digit", True, ["x[]"]),
    ("EVENT payload an object", True, ['2{"a":1}']),
    ("EVENT payload a string", True, ['2"message"']),
    ("EVENT payload empty", True, ["2[]"]),
    ("EVENT name not a string", True, ["2[1]"]),
    ("EVENT name reserved", True, ['2["disconnect"]']),
    ("EVENT payload not JSON", True, ['2["message"']),
    ("ACK without id", True, ["3[1]"]),
    ("ACK id too long", True, ["3" + "9" * 16 + "[]"]),
    ("CONNECT_ERROR from a client", True, ['4{"message":"x"}']),
    # (A CONNECT whose auth is not an object is not one: the reference closes the
    # connection, the hub answers a connect error saying why; see test_refusal_clarity.)
    ("bad attachment count", True, ['5-["message"]']),
    ("placeholder out of range", True, ['51-["message",{"_placeholder":true,"num":1}]']),
    ("text instead of attachment", True, ['51-["message",{"_placeholder":true,"num":0}]',
                                          '2["message"]']),
    ("attachment nobody announced", True, [b"\x00\x01"]),
]


@TRANSPORTS
async def test_8_protocol_violations_close_the_connection_at_once(hub, raw, transport):
    for why, connect_first, packets in VIOLATIONS:
        if transport == "polling":
            await polling_close(hub, raw, connect_first, *packets)
        else:
            await websocket_close(raw, connect_first, *packets)
        await wait_until(lambda: hub.manager.count() == 0, WAIT, f"{why}: unregistered")


async def answered_pings(session: Polling | WebSocket, count: int) -> int:
    """Answer pings until ``count`` came or the server closed the session; how many came.

    Over polling each GET is read by hand, so that the pings can be counted."""
    if isinstance(session, WebSocket):
        await wait_until(lambda: session.pings >= count or session.closed.is_set(),
                         WAIT, f"{count} pings or a close")
        return session.pings
    pings = 0
    while pings < count:
        packets = (await session.get_response()).text.split(SEP)
        if packets == ["1"]:
            break
        assert packets == ["2"], packets
        pings += 1
        await session.pong()
    return pings


@TRANSPORTS
async def test_8_a_client_that_never_connects_is_pinged_meanwhile(transport):
    """The official suite's "heartbeat: should send ping/pong packets": at the stress
    interval, with the default connect timeout, a session that sends no CONNECT is pinged
    and kept (the heartbeat does not bound the wait for CONNECT).  The pong deadline is
    this module's 1 s (a loaded machine can take 200 ms between two steps); the pings
    then outlast the heartbeat's bound, ``ping_interval + ping_timeout``."""
    heartbeat = {**STRESS, "ping_timeout": 1.0}
    pings = math.ceil(sum(heartbeat.values()) / heartbeat["ping_interval"]) + 1
    async with running_hub(**heartbeat) as hub:
        raw = Raw(hub)
        session = await raw.session(transport, connect=False)
        try:
            assert await answered_pings(session, pings) == pings
            sid = session.sid if isinstance(session, Polling) else session.handshake_data["sid"]
            assert not engine_session(hub, sid).closed
            assert (await session.connect())["sid"]  # and it may still join
        finally:
            await session.close()


@TRANSPORTS
async def test_8_a_client_that_never_connects_is_dropped_after_the_connect_timeout(
        hub, raw, transport):
    """At the defaults the timeout is 45 s: the armed timer is checked instead.  At the
    stress setting it is longer than three heartbeats: the pings come first, answered,
    then the close."""
    loop = asyncio.get_running_loop()
    before = loop.time()
    session = await raw.session(transport, connect=False)
    sid = session.sid if isinstance(session, Polling) else session.handshake_data["sid"]
    assert hub.sio.connect_timeout == hub.settings.connect_timeout
    if not stressed(hub):
        assert hub.sio.connect_timeout == 45
        # Order, not speed: the 45 s deadline was armed during the handshake, after the
        # first reading of the loop's clock and before the second, however long a loaded
        # machine took over it (a float rounding's worth either side).
        armed_at = hub.sio._connect_deadlines[sid].when() - hub.sio.connect_timeout
        after = loop.time()
        assert before <= armed_at + 1e-6
        assert armed_at <= after + 1e-6
        return
    assert await answered_pings(session, 1000) >= 3  # ended by the close, not the count
    if isinstance(session, Polling):
        await assert_polling_closed(session)
    else:
        await session.wait_closed()
    assert sid not in hub.sio.eio.sockets


@TRANSPORTS
async def test_8_leaving_the_main_namespace_keeps_the_engineio_session(hub, raw, transport):
    """The connect timeout is one-shot, as in the reference: it is let pass first."""
    session = await raw.session(transport, connect=False)
    first = await session.connect()
    await wait_until(lambda: first["sid"] in hub.manager, WAIT, "registered")
    if stressed(hub):
        await idle(session, hub.sio.connect_timeout)
    await send_packets(session, "1")
    await wait_until(lambda: hub.manager.count() == 0, WAIT, "unregistered")
    if stressed(hub):
        await idle(session, 0.7)  # two heartbeats
    second = await session.connect()
    assert second["sid"] != first["sid"]
    await wait_until(lambda: second["sid"] in hub.manager, WAIT, "registered again")


@TRANSPORTS
async def test_8_a_packet_for_a_namespace_not_joined_closes_the_connection(hub, raw, transport,
                                                                            caplog):
    """The reference closes a connection that sends anything but CONNECT to a namespace it
    has no socket in; python-socketio warned "None is not connected" and dropped it."""
    for packets in (['2/greeter,["hello"]'], ['2/greeter,7["hello"]'], ["3/greeter,7[]"]):
        if transport == "polling":
            await polling_close(hub, raw, True, *packets)
        else:
            await websocket_close(raw, True, *packets)
        await wait_until(lambda: hub.manager.count() == 0, WAIT, f"{packets}: unregistered")
    assert not [r for r in caplog.records if "is not connected to namespace" in r.getMessage()]


# ---------------------------------------------------------------- 9. binary

@TRANSPORTS
async def test_9_binary_attachments_and_acks_round_trip_exactly(hub, raw, transport):
    payload, reply = bytes(range(256)), b"\xff\x00\xfe"
    hub.sio.on("echo", lambda sid, *args: tuple(args))
    sender = await raw.session(transport, connect=False)
    receiver = await raw.session(transport, connect=False)
    sender_sid = (await sender.connect())["sid"]
    receiver_sid = (await receiver.connect())["sid"]
    placeholder = {"_placeholder": True, "num": 0}
    # an event with an attachment, relayed by the hub
    await send_packets(sender, '51-["message",{"_placeholder":true,"num":0}]', payload)
    header, attachment = await next_packets(receiver, 2)
    assert header.startswith("51-")
    assert json.loads(header[3:]) == ["message", {"from": sender_sid, "data": placeholder}]
    assert attachment == payload
    # an event with an attachment and an ack id: the ack carries it back
    await send_packets(sender, '51-7["echo",{"_placeholder":true,"num":0},"x"]', payload)
    header, attachment = await next_packets(sender, 2)
    assert header == '61-7[{"_placeholder":true,"num":0},"x"]'
    assert attachment == payload
    # the server asks; the client acknowledges with an attachment
    call = asyncio.create_task(hub.sio.call("ask", "q", to=receiver_sid, timeout=WAIT))
    (question,) = await next_packets(receiver, 1)
    ack_id = question[1:question.index("[")]
    assert question == f'2{ack_id}["ask","q"]'
    await send_packets(receiver, f'61-{ack_id}[{{"_placeholder":true,"num":0}}]', reply)
    assert await asyncio.wait_for(call, WAIT) == reply


# ---------------------------------------------------------------- real clients

@pytest.mark.parametrize("kind", ["py", "js"])
@TRANSPORTS
async def test_real_clients_survive_the_stress_heartbeat(kind, transport):
    """Pings at the stress interval, each answered by the real client's own heartbeat
    code.  The pong deadline is longer than the official suite's 200 ms, so that a loaded
    machine answering late cannot fail the test, but shorter than the time waited: a hub
    that did not take the pongs would drop the client within it."""
    heartbeat = {"ping_interval": STRESS["ping_interval"], "ping_timeout": 2.0}
    async with running_hub(**heartbeat) as hub:
        client = (PyClient if kind == "py" else JsClient)(hub_url(hub), transport)
        other = PyClient(hub_url(hub), "websocket")
        try:
            await client.connect()
            await other.connect()
            await asyncio.sleep(heartbeat["ping_interval"] + heartbeat["ping_timeout"] + 0.5)
            assert not client.disconnected.is_set()
            await other.emit("message", "still there?")
            assert await client.next_event("message") == [
                {"from": other.sid, "data": "still there?"}]
        finally:
            await client.close()
            await other.close()


async def test_real_clients_upgrade_from_polling(hub):
    """JavaScript's default (polling, then websocket), and python-socketio's."""
    js = JsClient(hub_url(hub), "upgrade")
    py = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    received: asyncio.Queue[Any] = asyncio.Queue()
    py.on("message", received.put)
    try:
        await js.connect()
        await py.connect(hub_url(hub), wait_timeout=WAIT)
        await wait_until(lambda: [c.transport for c in hub.manager.all()]
                         == ["websocket", "websocket"], WAIT, "both upgraded")
        await py.emit("message", b"\x00binary\xff")
        (event,) = await js.next_event("message")
        assert event["data"] == {"type": "Buffer", "data": list(b"\x00binary\xff")}
        await js.emit("message", "text")
        assert (await asyncio.wait_for(received.get(), WAIT))["data"] == "text"
    finally:
        await js.close()
        await py.disconnect()
