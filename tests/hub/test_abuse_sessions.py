"""Engine.IO sessions and binary attachments: what one session or one address can hold.

The attacker speaks Engine.IO by hand (a client library would refuse to misbehave) and
comes from 127.0.0.2 where its address matters, so that the well-behaved clients on
127.0.0.1 are a different peer.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from helpers.abuse import HANG_GUARD, exchange, hub_log, rss_kb
from helpers.clients import ConnectClient
from helpers.raw_protocol import PATH, Polling, WebSocket
from helpers.support import hub_url, running_hub

ATTACKER = "127.0.0.2"
PIECE = 900_000  # one attachment, just under max_http_buffer_size (1,000,000)
RSS_MARGIN_KB = 25_000
"""Memory the attack may leave behind.  Without the bounds each attacking session kept
its attachments: over 8 MB each, 40 MB for the five."""


async def test_attachments_past_the_reference_limits_drop_the_session(
        clients: ConnectClient) -> None:
    async with running_hub() as hub:
        url = hub_url(hub)
        sender = await clients("py", url, "websocket")
        receiver = await clients("py", url, "polling")
        rss_before = rss_kb()
        with hub_log() as log:
            # Eleven attachments announced: dropped on the announcement.
            eleven = await WebSocket.open(hub)
            await eleven.handshake()
            await eleven.connect()
            await eleven.send('4511-["upload",{"_placeholder":true,"num":0}]')
            await eleven.wait_closed(HANG_GUARD)
            # Ten announced, each under the buffer size, adding up past it: dropped at the
            # second, whatever follows.
            heavy = [await WebSocket.open(hub) for _ in range(5)]
            for index, session in enumerate(heavy):
                await session.handshake()
                await session.connect()
                placeholders = ",".join(f'{{"_placeholder":true,"num":{n}}}'
                                        for n in range(10))
                await session.send(f'4510-["upload",{placeholders}]')
                for _ in range(10):
                    if session.closed.is_set():
                        break
                    await session.send(bytes(PIECE))
                await session.wait_closed(HANG_GUARD)
                await exchange(sender, receiver, f"during {index}")
        assert log.count("11 attachments (at most 10), closing the connection") == 1
        # Five drops from one address for one reason: logged once a window.
        assert log.count("attachments over 1000000 bytes, closing the connection") >= 1
        await exchange(receiver, sender, "after")
        assert {c.sid for c in hub.manager.all()} == {sender.sid, receiver.sid}
        assert rss_kb() - rss_before < RSS_MARGIN_KB


async def test_ten_attachments_within_the_buffer_size_are_delivered(
        clients: ConnectClient) -> None:
    async with running_hub() as hub:
        receiver = await clients("py", hub_url(hub), "websocket")
        session = await WebSocket.open(hub)
        await session.handshake()
        await session.connect()
        placeholders = ",".join(f'{{"_placeholder":true,"num":{n}}}' for n in range(10))
        await session.send(f'4510-["message",[{placeholders}]]')
        for n in range(10):
            await session.send(bytes([n]) * 90_000)
        args = await asyncio.wait_for(receiver.next_event("message"), HANG_GUARD)
        assert [bytes(piece)[:1] for piece in args[0]["data"]] == [bytes([n]) for n in range(10)]
        await session.close()


async def handshake_status(http: httpx.AsyncClient) -> tuple[int, str]:
    response = await http.get(PATH, params={"EIO": "4", "transport": "polling"})
    return response.status_code, response.text


async def test_sessions_waiting_to_connect_are_capped_per_address(
        clients: ConnectClient) -> None:
    cap, attempts = 20, 600
    async with running_hub(max_pending_sessions_per_ip=cap) as hub:
        url = hub_url(hub)
        sender = await clients("py", url, "websocket")
        receiver = await clients("py", url, "polling")
        rss_before = rss_kb()
        transport = httpx.AsyncHTTPTransport(local_address=ATTACKER)
        async with httpx.AsyncClient(base_url=url, transport=transport,
                                     timeout=HANG_GUARD) as http:
            with hub_log() as log:
                answers = []
                for index in range(attempts // 50):
                    answers += await asyncio.gather(
                        *(handshake_status(http) for _ in range(50)))
                    await exchange(sender, receiver, f"during {index}")
            # Another address is not affected; a device that joins frees its place.
            newcomer = await clients("py", url, "polling")
            assert (await handshake_status(http))[0] == 401
        statuses = [status for status, _ in answers]
        assert statuses.count(200) == cap
        assert statuses.count(401) == attempts - cap
        refusal = next(text for status, text in answers if status == 401)
        assert json.loads(refusal) == (f"too many sessions from {ATTACKER} waiting to "
                                       f"connect (at most {cap})")
        assert log.count("handshake refused: too many sessions") <= 3  # not one a refusal
        assert len(hub.sio.pending) == cap  # type: ignore[union-attr]
        assert {c.sid for c in hub.manager.all()} == {sender.sid, receiver.sid, newcomer.sid}
        assert rss_kb() - rss_before < RSS_MARGIN_KB


async def test_a_session_that_joins_frees_its_place_among_the_waiting() -> None:
    async with running_hub(max_pending_sessions_per_ip=1) as hub:
        first = Polling(hub, source=ATTACKER)
        await first.open()
        second = Polling(hub, source=ATTACKER)
        refused = await second.http.get(PATH, params={"EIO": "4", "transport": "polling"})
        assert refused.status_code == 401
        await first.connect()
        await second.open()  # first waits no more
        await first.close()
        await second.close()


async def test_sessions_count_against_max_connections(clients: ConnectClient) -> None:
    """Room for one address's waiting sessions beyond the clients, then no more."""
    async with running_hub(max_connections=3, max_pending_sessions_per_ip=2) as hub:
        url = hub_url(hub)
        sender = await clients("py", url, "websocket")
        receiver = await clients("py", url, "polling")
        waiting = [Polling(hub, source=f"127.0.0.{n}") for n in range(2, 5)]
        for session in waiting:
            await session.open()  # 2 clients and 3 sessions: 5, the most
        last = Polling(hub, source="127.0.0.5")
        refused = await last.http.get(PATH, params={"EIO": "4", "transport": "polling"})
        assert (refused.status_code, refused.json()) == (401, "server full: at most 5 sessions")
        await exchange(sender, receiver, "still served")
        await waiting[0].connect()  # a waiting session may still join: the third client
        assert (await waiting[1].post("40")).text == "ok"
        assert await waiting[1].get() == ['44{"message":"server full: at most 3 clients may '
                                          'connect"}']
        assert hub.manager.count() == 3
        for session in [*waiting, last]:
            await session.http.aclose()


async def test_jsonp_handshake_is_refused() -> None:
    async with running_hub() as hub, httpx.AsyncClient(timeout=HANG_GUARD) as http:
        response = await http.get(f"{hub_url(hub)}{PATH}",
                                  params={"EIO": "4", "transport": "polling", "j": "0"})
        assert response.status_code == 400
        assert response.json() == {"code": 3, "message": "Bad request"}
        assert "___eio" not in response.text
