"""FanOutManager: broadcasts that yield to the loop, each client's messages in order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import socketio

from server.wire.fanout import FanOutManager


class _Recorder(socketio.AsyncServer):
    """A server whose sends are recorded in order instead of reaching Engine.IO."""

    def __init__(self, manager: FanOutManager) -> None:
        super().__init__(async_mode="asgi", client_manager=manager)
        self.sent: list[tuple[str, str]] = []  # (eio_sid, event and args as JSON)
        self.failing: set[str] = set()

    async def _send_eio_packet(self, eio_sid: str, eio_pkt: Any) -> None:
        if eio_sid in self.failing:
            raise OSError("gone")
        self.sent.append((eio_sid, eio_pkt.data[1:]))

    async def _send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.sent.append((eio_sid, json.dumps([pkt.id, *pkt.data])))


async def _setup(clients: int, chunk: int = 10) -> tuple[_Recorder, FanOutManager, list[str]]:
    manager = FanOutManager(chunk=chunk)
    server = _Recorder(manager)
    sids = [await manager.connect(f"eio{n}", "/") for n in range(clients)]
    return server, manager, sids


def _received(server: _Recorder, eio_sid: str) -> list[Any]:
    return [json.loads(data) for sid, data in server.sent if sid == eio_sid]


async def test_a_broadcast_reaches_everyone_but_skip_sid_and_lets_the_loop_run():
    server, manager, sids = await _setup(95)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    before = ticks
    await manager.emit("news", {"n": 1}, "/", skip_sid=sids[3])
    during = ticks - before
    task.cancel()
    assert sorted(sid for sid, _ in server.sent) == sorted(
        f"eio{n}" for n in range(95) if n != 3)
    assert _received(server, "eio0") == [["news", {"n": 1}]]
    assert during >= 9  # one turn of the loop per 10 recipients


async def test_each_client_gets_concurrent_emits_in_the_order_they_were_made():
    server, manager, sids = await _setup(50, chunk=7)
    emits = [manager.emit("news", n, "/") for n in range(3)]
    emits.insert(1, manager.emit("direct", "x", "/", to=sids[-1]))
    await asyncio.gather(*emits)
    for n in range(49):
        assert _received(server, f"eio{n}") == [["news", 0], ["news", 1], ["news", 2]]
    assert _received(server, "eio49") == [["news", 0], ["direct", "x"], ["news", 1],
                                          ["news", 2]]


async def test_an_emit_made_while_a_broadcast_yields_waits_for_it():
    server, manager, sids = await _setup(30, chunk=5)
    broadcast = asyncio.ensure_future(manager.emit("news", 1, "/"))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the broadcast has reached some clients, not all
    assert 0 < len(server.sent) < 30
    await manager.emit("direct", 2, "/", to=sids[-1])
    await broadcast
    assert _received(server, "eio29") == [["news", 1], ["direct", 2]]


async def test_a_failing_recipient_does_not_stop_the_others(caplog):
    server, manager, _ = await _setup(20)
    server.failing.add("eio4")
    await manager.emit("news", 1, "/")
    assert len(server.sent) == 19
    assert "failed" in caplog.text


async def test_a_room_changing_during_a_broadcast_is_no_error():
    server, manager, sids = await _setup(30, chunk=5)
    for sid in sids:
        await manager.enter_room(sid, "/", "kitchen")
    broadcast = asyncio.ensure_future(manager.emit("news", 1, "/", room="kitchen"))
    await asyncio.sleep(0)
    await manager.leave_room(sids[0], "/", "kitchen")
    await manager.enter_room(await manager.connect("late", "/"), "/", "kitchen")
    await broadcast
    assert len(server.sent) == 30


async def test_emits_with_a_callback_get_one_ack_id_per_recipient():
    server, manager, _ = await _setup(12, chunk=5)
    await manager.emit("ask", "q", "/", callback=lambda *args: None)
    ids = [json.loads(data)[0] for _, data in server.sent]
    assert len(ids) == 12 and all(isinstance(i, int) for i in ids)
    assert _received(server, "eio0")[0][1:] == ["ask", "q"]
