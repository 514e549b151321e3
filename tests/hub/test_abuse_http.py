"""Slow, idle and too many HTTP connections: the offender is closed, everyone else served.

The attacker's sockets come from 127.0.0.2 (still loopback), so that the per-address cap
applies to them and not to the well-behaved clients on 127.0.0.1.
"""

from __future__ import annotations

import asyncio

import httpx
from helpers.abuse import HANG_GUARD, exchange, hub_log, rss_kb
from helpers.clients import ConnectClient
from helpers.support import hub_url, running_hub, wait_until

from server.runtime.runner import HubServer

ATTACKER = "127.0.0.2"
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
RSS_MARGIN_KB = 30_000  # the attack's few hundred sockets must not leave more behind


async def open_from_attacker(port: int, head: bytes = PARTIAL_HEAD,
                             ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))
    writer.write(head)
    return reader, writer


async def status_then_eof(reader: asyncio.StreamReader) -> int:
    """The HTTP status the server sent before it closed the connection (0 for none)."""
    data = await asyncio.wait_for(reader.read(), HANG_GUARD)
    return int(data.split()[1]) if data.startswith(b"HTTP/1.1 ") else 0


async def healthz(hub: HubServer) -> int:
    async with httpx.AsyncClient(timeout=HANG_GUARD) as http:
        return (await http.get(f"{hub_url(hub)}/healthz")).status_code


async def test_slow_headers_are_closed_and_over_the_cap_refused_while_others_are_served(
        clients: ConnectClient) -> None:
    slow, cap = 300, 60
    async with running_hub(max_connections_per_ip=cap, http_header_timeout=3.0) as hub:
        url = hub_url(hub)
        sender = await clients("py", url, "websocket")
        receiver = await clients("py", url, "polling")
        await exchange(sender, receiver, "before")
        rss_before = rss_kb()
        with hub_log() as log:
            attackers = [await open_from_attacker(hub.port) for _ in range(slow)]
            replies = [asyncio.create_task(status_then_eof(r)) for r, _ in attackers]
            # While the slow connections are held: messages, health checks, new clients.
            for index in range(20):
                await exchange(sender, receiver, f"during {index}")
            assert await healthz(hub) == 200
            newcomer = await clients("py", url, "websocket")
            statuses = await asyncio.gather(*replies)
            for _, writer in attackers:
                writer.close()
            await exchange(receiver, sender, "after")
            await exchange(newcomer, sender, "newcomer")

        assert statuses.count(503) == slow - cap  # refused at once: over the per-IP cap
        assert statuses.count(408) == cap  # the admitted ones: closed at the header deadline
        assert {c.sid for c in hub.manager.all()} == {sender.sid, receiver.sid, newcomer.sid}
        assert log.count("refused a connection from 127.0.0.2") <= 3
        assert log.count("no request headers within") <= 3
        assert rss_kb() - rss_before < RSS_MARGIN_KB


async def test_total_cap_refuses_and_a_closed_connection_frees_its_place() -> None:
    async with running_hub(max_open_connections=20) as hub:
        held = [await open_from_attacker(hub.port) for _ in range(20)]
        late_reader, _ = await open_from_attacker(hub.port)
        assert await status_then_eof(late_reader) == 503
        for _, writer in held:
            writer.close()
        await wait_until(lambda: not hub._uvicorn.server_state.connections,  # type: ignore[union-attr]
                         within=HANG_GUARD, message="the held connections to close")
        assert await healthz(hub) == 200


async def test_websocket_connections_count_out_when_they_close(clients: ConnectClient) -> None:
    """A websocket is counted by the HTTP protocol and released by the websocket one."""
    async with running_hub(max_connections_per_ip=3) as hub:
        for round_ in range(6):
            client = await clients("py", hub_url(hub), "websocket")
            await client.call("join", f"room{round_}")
            await client.close()
        assert await healthz(hub) == 200


async def test_keep_alive_connection_gets_the_header_deadline_again() -> None:
    async with running_hub(http_header_timeout=2.0, http_keep_alive_timeout=600.0) as hub:
        reader, writer = await open_from_attacker(
            hub.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HANG_GUARD)
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(PARTIAL_HEAD)  # a second request on the same connection, never ended
        rest = await asyncio.wait_for(reader.read(), HANG_GUARD)
        assert b"HTTP/1.1 408" in rest
        writer.close()


async def test_idle_keep_alive_connection_is_closed() -> None:
    async with running_hub(http_keep_alive_timeout=1.0, http_header_timeout=600.0) as hub:
        reader, writer = await open_from_attacker(
            hub.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HANG_GUARD)
        assert head.startswith(b"HTTP/1.1 200")
        rest = await asyncio.wait_for(reader.read(), HANG_GUARD)  # EOF: closed by the server
        assert b"408" not in rest  # by the keep-alive rule, not the header deadline
        writer.close()
