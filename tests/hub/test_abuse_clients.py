"""What one connected client can make the hub hold: its outgoing queue, its rooms.

Sender and receiver speak Engine.IO by hand here and keep nothing they get, so that the
memory measured (the hub runs in this process) is the hub's.
"""

from __future__ import annotations

import asyncio
import json

from helpers.abuse import HANG_GUARD, hub_log, rss_kb
from helpers.clients import ConnectClient
from helpers.raw_protocol import PATH, Polling, WebSocket
from helpers.support import hub_url, running_hub, wait_until
from websockets.asyncio.client import connect

QUEUE_BOUND = 512 * 1024
MESSAGE = "x" * 200_000
MESSAGES = 100
RSS_MARGIN_KB = 10_000
"""Memory the attack may leave behind; without the bound the idle client kept every
message, 20 MB."""


async def connected_websocket(hub: object) -> tuple[WebSocket, str]:
    session = await WebSocket.open(hub)  # type: ignore[arg-type]
    await session.handshake()
    return session, (await session.connect())["sid"]


async def relay(sender: WebSocket, receiver: WebSocket, text: str) -> None:
    """``sender`` broadcasts ``text``; ``receiver`` gets it, and drops it."""
    await sender.send(f'42["message",{json.dumps(text)}]')
    frame = await asyncio.wait_for(receiver.frames.get(), HANG_GUARD)
    assert isinstance(frame, str) and json.loads(frame[2:])[1]["data"] == text


async def test_a_polling_client_that_never_reads_is_dropped() -> None:
    async with running_hub(max_queued_bytes=QUEUE_BOUND) as hub:
        sender, sender_sid = await connected_websocket(hub)
        receiver, receiver_sid = await connected_websocket(hub)
        await relay(sender, receiver, "before")
        idle = Polling(hub)
        await idle.open()
        idle_sid = (await idle.connect())["sid"]
        rss_before = rss_kb()
        with hub_log() as log:
            for index in range(MESSAGES):
                await relay(sender, receiver, f"{index} {MESSAGE}")
                if index % 10 == 0:
                    await idle.post("3")  # it answers pings, without reading anything
            await wait_until(lambda: idle_sid not in hub.manager, within=HANG_GUARD,
                             message="the idle client to be dropped")
        await relay(receiver, sender, "after")
        gone = await idle.http.get(PATH, params=idle.query())
        assert gone.status_code == 400  # the session is over
        assert log.count("not reading: ") == 1
        dropped = next(r.getMessage() for r in log.written if "not reading" in r.getMessage())
        queued = int(dropped.split("not reading: ")[1].split()[0])
        assert QUEUE_BOUND - len(MESSAGE) - 100 < queued <= QUEUE_BOUND
        assert {c.sid for c in hub.manager.all()} == {sender_sid, receiver_sid}
        assert rss_kb() - rss_before < RSS_MARGIN_KB
        await idle.http.aclose()
        await sender.close()
        await receiver.close()


async def test_the_packet_bound_drops_a_client_that_never_reads_small_messages() -> None:
    async with running_hub(max_queued_packets=50) as hub:
        sender, sender_sid = await connected_websocket(hub)
        receiver, receiver_sid = await connected_websocket(hub)
        idle = Polling(hub)
        await idle.open()
        idle_sid = (await idle.connect())["sid"]
        with hub_log() as log:
            for index in range(100):
                await relay(sender, receiver, f"small {index}")
            await wait_until(lambda: idle_sid not in hub.manager, within=HANG_GUARD,
                             message="the idle client to be dropped")
        assert log.count("not reading: ") == 1
        assert {c.sid for c in hub.manager.all()} == {sender_sid, receiver_sid}
        await idle.http.aclose()
        await sender.close()
        await receiver.close()


async def test_a_websocket_client_that_stops_reading_is_dropped() -> None:
    async with running_hub(max_queued_bytes=QUEUE_BOUND) as hub:
        sender, sender_sid = await connected_websocket(hub)
        receiver, receiver_sid = await connected_websocket(hub)
        # The library reads until it holds one message, then leaves the rest in TCP.
        stalled = await connect(f"ws://127.0.0.1:{hub.port}{PATH}?EIO=4&transport=websocket",
                                compression=None, max_queue=1, close_timeout=1)
        await stalled.recv()  # the handshake
        await stalled.send("40")
        stalled_sid = json.loads(str(await stalled.recv())[2:])["sid"]
        with hub_log() as log:
            for index in range(MESSAGES):
                await relay(sender, receiver, f"{index} {MESSAGE}")
                await stalled.send("3")
                if stalled_sid not in hub.manager:
                    break
        await relay(receiver, sender, "after")
        assert log.count("not reading: ") == 1
        assert {c.sid for c in hub.manager.all()} == {sender_sid, receiver_sid}
        stalled.transport.abort()
        await sender.close()
        await receiver.close()


async def test_rooms_per_client_are_capped(clients: ConnectClient) -> None:
    cap, attempts = 100, 2_000
    async with running_hub(max_rooms_per_client=cap) as hub:
        url = hub_url(hub)
        joiner = await clients("py", url, "websocket")
        other = await clients("py", url, "polling")
        rss_before = rss_kb()
        answers = [await joiner.call("join", f"room {n}") for n in range(attempts)]
        assert all(answer["ok"] for answer in answers[:cap])
        assert len(answers[cap - 1]["rooms"]) == cap
        error = f"in {cap} rooms already (max_rooms_per_client): leave one first"
        assert all(answer == {"ok": False, "error": error} for answer in answers[cap:])
        assert (await joiner.call("join", "room 5"))["ok"]  # one it is in: no change
        assert (await joiner.call("leave", "room 5"))["ok"]
        assert (await joiner.call("join", "room 100"))["ok"]
        assert (await other.call("join", "room 100"))["ok"]  # others are not affected
        await joiner.emit("room_message", {"room": "room 100", "data": "hi"})
        args = await asyncio.wait_for(other.next_event("message"), HANG_GUARD)
        assert args[0]["data"] == "hi"
        assert len(hub.manager.get(joiner.sid or "").rooms) == cap  # type: ignore[union-attr]
        assert rss_kb() - rss_before < RSS_MARGIN_KB
