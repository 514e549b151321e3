"""The journal's ``join`` and ``leave`` entries are real changes of rooms: a client joining a
room it is in, or leaving one it never joined, is answered as before and recorded only as
the event it sent."""

from __future__ import annotations

import pytest
from helpers.clients import ConnectClient
from helpers.support import hub_url, wait_until

from server.runtime.runner import HubServer


def room_entries(hub: HubServer, sid: str) -> list[tuple[str, str | None]]:
    return [(entry.kind, entry.room) for entry in hub.journal.page(0, 1000).events
            if entry.sid == sid and entry.kind in ("join", "leave")]


def events_in(hub: HubServer, sid: str) -> list[str | None]:
    return [entry.event for entry in hub.journal.page(0, 1000).events
            if entry.sid == sid and entry.kind == "event_in"]


@pytest.mark.parametrize(("kind", "transport"), [("py", "websocket"), ("js", "polling")])
async def test_only_real_room_changes_are_recorded(hub: HubServer, clients: ConnectClient,
                                                   kind: str, transport: str) -> None:
    device = await clients(kind, hub_url(hub), transport)
    # The hub's answers stay as the README's table has them: ok, with the rooms it is in.
    assert await device.call("leave", "nowhere") == {"ok": True, "rooms": []}
    assert await device.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
    assert await device.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
    assert await device.call("leave", "lab") == {"ok": True, "rooms": []}
    assert await device.call("leave", "lab") == {"ok": True, "rooms": []}
    await device.emit("message", "after")  # recorded after every entry of the calls above
    await wait_until(lambda: "message" in events_in(hub, device.sid),
                     message="the last event's entry")
    assert room_entries(hub, device.sid) == [("join", "lab"), ("leave", "lab")]
    assert events_in(hub, device.sid) == ["leave", "join", "join", "leave", "leave", "message"]

