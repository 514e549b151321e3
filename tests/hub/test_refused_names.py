"""A refused device is named by the name it gave, as the hub keeps names, in the log line
and the journal's ``refused`` entry; never by anything else of its auth (the token).  A
disconnect's log line names the client as its connect line did."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.abuse import hub_log
from helpers.clients import ConnectClient, ConnectRefused
from helpers.support import hub_url, running_hub, wait_until

from server.hub.admission import BACK_OFF_REASON
from server.runtime.runner import HubServer

TOKEN = "the-right-token"
WRONG = "wrong-SECRET-5e1a"
WRONG_TOKEN = "authentication failed: wrong token"


def refused_entries(hub: HubServer) -> list[Any]:
    return [entry for entry in hub.journal.page(0, 1000).events if entry.kind == "refused"]


@pytest.mark.parametrize(("kind", "transport"), [("py", "websocket"), ("js", "polling")])
async def test_a_wrong_token_is_logged_and_journalled_with_the_devices_name(
        clients: ConnectClient, kind: str, transport: str) -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        with hub_log() as log, pytest.raises(ConnectRefused, match=WRONG_TOKEN):
            await clients(kind, hub_url(hub), transport,
                          {"name": "esp32-garage", "token": WRONG})
        assert log.count(f"refused a connect from 'esp32-garage' (127.0.0.1) to /: "
                         f"{WRONG_TOKEN}") == 1
        [refused] = refused_entries(hub)
        assert (refused.client, refused.ip, refused.reason) == (
            "esp32-garage", "127.0.0.1", WRONG_TOKEN)
        assert WRONG.encode() not in refused.to_json()
        assert not any(WRONG in record.getMessage() for record in log.written)


@pytest.mark.parametrize(("auth", "client", "shown"), [
    # Cleaned and cut exactly as an accepted name is: printable characters, 64 at most.
    ({"name": "\x1b[31m" + "n" * 5000 + "\n", "token": WRONG}, "[31m" + "n" * 60,
     "'[31m" + "n" * 60 + "' (127.0.0.1)"),
    ({"name": "\n\t", "token": WRONG}, None, "127.0.0.1"),  # nothing printable: no name
    ({"name": 12, "token": WRONG}, None, "127.0.0.1"),
    ({"name": {"token": WRONG}, "token": WRONG}, None, "127.0.0.1"),
    ({"token": WRONG}, None, "127.0.0.1"),
])
async def test_what_is_named_is_what_the_hub_would_keep(
        clients: ConnectClient, auth: dict[str, Any], client: str | None, shown: str) -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        with hub_log() as log:
            with pytest.raises(ConnectRefused):
                await clients("py", hub_url(hub), "websocket", auth)
            # The hub serves on: a device with the right token is admitted and named.
            device = await clients("py", hub_url(hub), "polling",
                                   {"name": "esp32-garage", "token": TOKEN})
            await wait_until(lambda: device.sid in hub.manager, message="registration")
        [refused] = refused_entries(hub)
        assert refused.client == client
        assert log.count(f"refused a connect from {shown} to /: ") == 1
        assert not any(WRONG in record.getMessage() for record in log.written)
        assert hub.manager.get(device.sid).name == "esp32-garage"


async def test_a_connect_during_the_back_off_names_the_device(clients: ConnectClient) -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        guessing = hub.sio.namespace_handlers["/"].guessing  # type: ignore[union-attr]
        guessing.clock = lambda: 1000.0  # a clock that stands still: the back-off lasts
        for _ in range(guessing.allowed):
            guessing.wrong("127.0.0.1")  # the back-off has begun
        with hub_log() as log, pytest.raises(ConnectRefused, match="try again in"):
            await clients("py", hub_url(hub), "websocket",
                          {"name": "esp32-garage", "token": TOKEN})
        assert log.count(f"refused a connect from 'esp32-garage' (127.0.0.1) to /: "
                         f"{BACK_OFF_REASON}") == 1
        [refused] = refused_entries(hub)
        assert (refused.client, refused.reason) == ("esp32-garage", BACK_OFF_REASON)


async def test_the_disconnect_line_names_the_client(hub: HubServer,
                                                    clients: ConnectClient) -> None:
    with hub_log() as log:
        device = await clients("js", hub_url(hub), "websocket", {"name": "esp32-garage"})
        await wait_until(lambda: device.sid in hub.manager, message="registration")
        await device.close()
        await wait_until(lambda: hub.manager.count() == 0, message="removal")
    assert log.count(f"client disconnected sid={device.sid} ip=127.0.0.1 "
                     f"name='esp32-garage' reason=") == 1
