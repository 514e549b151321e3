"""What the hub protocol refuses (a room it may not use, a message to a room it is not in, a
malformed ``room_message``) is visible whether or not the device asked for an ack: the
event's journal entry says why, and the log says so once per client and reason."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.abuse import hub_log
from helpers.clients import Client, ConnectClient
from helpers.support import hub_url, running_hub, wait_until

from server.runtime.runner import HubServer

REFUSALS = [
    ("room_message", {"room": "kitchen", "data": 1},
     "not a member of room 'kitchen': join it first"),
    ("room_message", "hello", 'expected {"room": ..., "data": ...}'),
    ("join", 5, "room must be a string"),
    ("leave", "", "room must be 1 to 128 characters long"),
]


def reasons(hub: HubServer, sid: str) -> list[tuple[str | None, str | None]]:
    return [(entry.event, entry.reason) for entry in hub.journal.page(0, 1000).events
            if entry.sid == sid and entry.kind == "event_in"]


async def settled(hub: HubServer, device: Client) -> None:
    """Every event ``device`` sent so far is recorded: a last one is recorded after them."""
    before = reasons(hub, device.sid).count(("message", None))
    await device.emit("message", "after")
    await wait_until(lambda: reasons(hub, device.sid).count(("message", None)) > before,
                     message="the last event's entry")


@pytest.mark.parametrize(("kind", "transport"), [("py", "websocket"), ("js", "polling")])
@pytest.mark.parametrize(("event", "payload", "error"), REFUSALS)
async def test_a_refusal_without_an_ack_is_journalled_and_logged_once(
        hub: HubServer, clients: ConnectClient, kind: str, transport: str, event: str,
        payload: Any, error: str) -> None:
    with hub_log() as log:
        device = await clients(kind, hub_url(hub), transport, {"name": "esp32-garage"})
        for _ in range(3):
            await device.emit(event, payload)
        await settled(hub, device)
        # With an ack, the hub's answer is as it was; the entry says why all the same.
        assert await device.call(event, payload) == {"ok": False, "error": error}
        await settled(hub, device)
    assert reasons(hub, device.sid) == [(event, error)] * 3 + [("message", None),
                                                               (event, error),
                                                               ("message", None)]
    line = f"refused event {event!r} from 'esp32-garage' (127.0.0.1, sid {device.sid}) in /: " \
           f"{error}"
    assert [record.getMessage() for record in log.written
            if record.getMessage().startswith("refused")] == [line]


async def test_each_client_and_each_reason_gets_its_line(hub: HubServer,
                                                         clients: ConnectClient) -> None:
    with hub_log() as log:
        first = await clients("py", hub_url(hub), "websocket")
        second = await clients("js", hub_url(hub), "websocket", {"name": "esp32-garage"})
        for device in (first, second, first):
            await device.emit("join", 5)
            await device.emit("room_message", {"room": "kitchen"})
            await settled(hub, device)
    refused = [record.getMessage() for record in log.written
               if record.getMessage().startswith("refused")]
    assert refused == [
        f"refused event 'join' from an unnamed client (127.0.0.1, sid {first.sid}) in /: "
        "room must be a string",
        f"refused event 'room_message' from an unnamed client (127.0.0.1, sid {first.sid}) "
        "in /: not a member of room 'kitchen': join it first",
        f"refused event 'join' from 'esp32-garage' (127.0.0.1, sid {second.sid}) in /: "
        "room must be a string",
        f"refused event 'room_message' from 'esp32-garage' (127.0.0.1, sid {second.sid}) "
        "in /: not a member of room 'kitchen': join it first",
    ]


async def test_what_the_hub_accepts_has_no_reason(hub: HubServer,
                                                  clients: ConnectClient) -> None:
    with hub_log() as log:
        device = await clients("py", hub_url(hub), "polling")
        await device.emit("join", "kitchen")
        await device.emit("room_message", {"room": "kitchen", "data": 1})
        await device.emit("leave", "never-joined")  # no error: it is not in that room
        await settled(hub, device)
    assert reasons(hub, device.sid) == [("join", None), ("room_message", None),
                                        ("leave", None), ("message", None)]
    assert not [record for record in log.written
                if record.getMessage().startswith("refused")]


@pytest.mark.parametrize(("kind", "transport"), [("py", "polling"), ("js", "websocket")])
@pytest.mark.parametrize("event", ["join", "leave"])
@pytest.mark.parametrize("args", [(), ("kitchen", "garden")])
async def test_join_and_leave_say_they_take_one_room(
        hub: HubServer, clients: ConnectClient, kind: str, transport: str, event: str,
        args: tuple[str, ...]) -> None:
    device = await clients(kind, hub_url(hub), transport)
    error = f"event {event!r} takes 1 argument, got {len(args)}"
    assert await device.call(event, *args) == {"ok": False, "error": error}
    await device.emit(event, *args)
    await settled(hub, device)
    assert reasons(hub, device.sid) == [(event, error)] * 2 + [("message", None)]
    assert hub.manager.get(device.sid).rooms == frozenset()


async def test_refusals_are_logged_with_the_inspector_off(clients: ConnectClient) -> None:
    async with running_hub(inspector=False) as hub:
        with hub_log() as log:
            device = await clients("js", hub_url(hub), "polling", {"name": "esp32-garage"})
            await device.emit("room_message", {"room": "kitchen"})
            await wait_until(lambda: log.count("refused event 'room_message' from") == 1,
                             message="the refusal's line")
        assert len(hub.journal) == 0
