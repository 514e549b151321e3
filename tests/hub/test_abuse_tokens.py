"""Guessing the auth token: the address is made to wait, the guessing session is closed.

The guesser speaks Socket.IO by hand over websockets from 127.0.0.2: loopback, which is
not exempt, and a peer of its own.  The back-off's clock is the test's, so that what is
asserted does not depend on how fast a loaded machine runs.
"""

from __future__ import annotations

import json

from helpers.abuse import exchange, hub_log
from helpers.clients import ConnectClient, ConnectRefused
from helpers.raw_protocol import WebSocket
from helpers.support import hub_url, running_hub

from server.hub.admission import BACK_OFF_REASON
from server.hub.guessing import TokenGuessing
from server.runtime.runner import HubServer

TOKEN = "the-right-token"
GUESSER = "127.0.0.2"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guessing_of(hub: HubServer) -> TokenGuessing:
    guessing: TokenGuessing = hub.sio.namespace_handlers["/"].guessing  # type: ignore[union-attr]
    return guessing


async def try_token(ws: WebSocket, token: str) -> tuple[str, object]:
    """Send CONNECT with ``token``: ("40", sid) when admitted, ("44", message) if not."""
    await ws.send("40" + json.dumps({"token": token}))
    frame = await ws.recv()
    assert isinstance(frame, str)
    payload = json.loads(frame[2:])
    return frame[:2], payload["sid"] if frame.startswith("40") else payload["message"]


async def guesser(hub: HubServer) -> WebSocket:
    ws = await WebSocket.open(hub, source=GUESSER)
    await ws.handshake()
    return ws


async def test_token_guessing_backs_off_and_closes_the_guessing_session(
        clients: ConnectClient) -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        clock = Clock()
        guessing_of(hub).clock = clock
        url, auth = hub_url(hub), {"token": TOKEN}
        sender = await clients("py", url, "websocket", auth)
        receiver = await clients("py", url, "polling", auth)
        with hub_log() as log:
            first = await guesser(hub)
            assert await try_token(first, "guess-1") == ("44", "authentication failed: "
                                                               "wrong token")
            assert (await try_token(first, "guess-2"))[0] == "44"
            await first.send("40" + json.dumps({"token": "guess-x"}))
            await first.wait_closed()  # a session that keeps trying is closed
            second = await guesser(hub)
            for guess in ("guess-3", "guess-4"):
                assert (await try_token(second, guess))[0] == "44"
            await second.send("40" + json.dumps({"token": "guess-x"}))
            await second.wait_closed()
            third = await guesser(hub)
            assert (await try_token(third, "guess-5"))[0] == "44"  # the fifth: back-off
            await exchange(sender, receiver, "during the guessing")
            # Even the right token is refused now, from that address only.
            assert await try_token(third, TOKEN) == (
                "44", "too many wrong tokens: try again in 1 s")
            await third.close()
            newcomer = await clients("py", url, "websocket", auth)
            clock.now += 1.0
            fourth = await guesser(hub)
            assert (await try_token(fourth, "guess-6"))[0] == "44"  # the back-off doubles
            fifth = await guesser(hub)
            assert await try_token(fifth, TOKEN) == (
                "44", "too many wrong tokens: try again in 2 s")
            clock.now += 2.0
            device = await guesser(hub)
            kind, device_sid = await try_token(device, TOKEN)  # after the back-off: served
            assert kind == "40"
            await exchange(newcomer, receiver, "after the guessing")
        # Both drops came from one address for one reason: logged once a window.
        assert log.count("CONNECT again after 2 refused tokens, closing the connection") >= 1
        assert log.count("5 wrong tokens in a row from 127.0.0.2: its connects are refused "
                         "for 1 s") == 1
        # (the sixth's line is held back by the log's repeat filter, as a flood would be)
        assert not any("guess-" in record.getMessage() for record in log.written)
        assert len(guessing_of(hub)) == 0  # the right token cleared the record
        assert {c.sid for c in hub.manager.all()} == {
            sender.sid, receiver.sid, newcomer.sid, device_sid}
        await device.close()
        for ws in (fourth, fifth):
            await ws.close()


async def test_a_mistyped_token_is_forgiven_by_the_right_one(clients: ConnectClient) -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        url = hub_url(hub)
        for _ in range(3):  # four wrong and one right, three times: never a back-off
            for _ in range(4):
                try:
                    await clients("py", url, "websocket", {"token": "typo"})
                except ConnectRefused as refused:
                    assert str(refused) == "authentication failed: wrong token"
            await clients("py", url, "polling", {"token": TOKEN})
        assert hub.manager.count() == 3


async def test_connects_during_the_back_off_are_journaled_and_logged_once() -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        guessing = guessing_of(hub)
        guessing.clock = Clock()
        for _ in range(guessing.allowed):
            guessing.wrong(GUESSER)  # the back-off has begun, and the clock stands still
        with hub_log() as log:
            for _ in range(3):
                ws = await guesser(hub)
                for token in ("guess", TOKEN):
                    assert await try_token(ws, token) == (
                        "44", "too many wrong tokens: try again in 1 s")
                await ws.close()
        refused = [entry for entry in hub.journal.page(0, 1000).events
                   if entry.kind == "refused" and entry.ip == GUESSER]
        assert [entry.reason for entry in refused] == [BACK_OFF_REASON]
        assert log.count(f"refused a connect from {GUESSER} to /: {BACK_OFF_REASON}") == 1
        assert not any("try again" in record.getMessage() for record in log.written)

def test_the_records_are_bounded_and_the_back_off_has_a_ceiling() -> None:
    clock = Clock()
    guessing = TokenGuessing(kept=10, clock=clock)
    for number in range(50):
        guessing.wrong(f"10.0.0.{number}")
    assert len(guessing) == 10
    for _ in range(40):
        guessing.wrong("10.0.1.1")
    assert guessing.refusal("10.0.1.1") == "too many wrong tokens: try again in 300 s"
    clock.now += 300
    assert guessing.refusal("10.0.1.1") is None
