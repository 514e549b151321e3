"""A session dropped for what it sent is told so as the reference tells it (a polling POST
over the size limit gets 413, a websocket the close code 1009), and the log and the
journal say why."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.abuse import hub_log
from helpers.raw_protocol import Polling, WebSocket, send_packets
from helpers.support import running_hub, wait_until

from server.runtime.runner import HubServer
from server.wire.engine_socket import CLIENT_PING

TRANSPORTS = pytest.mark.parametrize("transport", ["polling", "websocket"])


def dropped(hub: HubServer) -> list[Any]:
    return [entry for entry in hub.journal.page(0, 1000).events if entry.kind == "dropped"]


async def connected(hub: HubServer, transport: str) -> tuple[Polling | WebSocket, str]:
    """A raw session that joined ``/``, and its Socket.IO sid."""
    session: Polling | WebSocket
    if transport == "polling":
        session = Polling(hub)
        await session.open()
        return session, (await session.connect())["sid"]
    session = await WebSocket.open(hub)
    await session.handshake()
    return session, (await session.connect())["sid"]


async def closed(session: Polling | WebSocket) -> None:
    if isinstance(session, WebSocket):
        await session.close()
    else:
        await session.http.aclose()


@TRANSPORTS
async def test_a_client_ping_is_explained_in_the_log_and_the_journal(hub, transport):
    session, sid = await connected(hub, transport)
    try:
        with hub_log() as log:
            if isinstance(session, Polling):
                assert (await session.post("2")).text == "ok"
            else:
                await session.send("2")
            await wait_until(lambda: bool(dropped(hub)), message="the dropped entry")
    finally:
        await closed(session)
    assert log.count(f"{sid} from 127.0.0.1: {CLIENT_PING}, closing the connection") == 1
    assert [(entry.sid, entry.reason) for entry in dropped(hub)] == [(sid, CLIENT_PING)]
    await wait_until(lambda: hub.manager.count() == 0, message="unregistered")


LIMIT = 1024
"""The smallest ``max_http_buffer_size`` the settings allow."""
BIG = '42["message","' + "x" * LIMIT + '"]'
"""A message over LIMIT, as its Engine.IO packet."""


async def test_an_oversized_post_is_answered_413_and_the_session_dropped():
    async with running_hub(max_http_buffer_size=LIMIT) as hub:
        session, sid = await connected(hub, "polling")
        assert isinstance(session, Polling)
        try:
            with hub_log() as log:
                response = await session.post(BIG)
            assert response.status_code == 413
            assert (await session.get_response()).status_code == 400  # the session is gone
        finally:
            await closed(session)
        why = f"message too large ({len(BIG)} bytes, limit {LIMIT})"
        assert log.count(f"{sid} from 127.0.0.1: {why}, closing the connection") == 1
        assert [(entry.sid, entry.reason) for entry in dropped(hub)] == [(sid, why)]


async def test_an_oversized_websocket_message_closes_with_1009():
    async with running_hub(max_http_buffer_size=LIMIT) as hub:
        session, sid = await connected(hub, "websocket")
        assert isinstance(session, WebSocket)
        try:
            await send_packets(session, BIG[1:])
            await session.wait_closed()
            assert session.ws.protocol.close_code == 1009  # the reference's "message too big"
        finally:
            await closed(session)
        why = f"message too large ({len(BIG)} bytes, limit {LIMIT})"
        assert [(entry.sid, entry.reason) for entry in dropped(hub)] == [(sid, why)]
