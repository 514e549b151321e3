"""What a device developer reads when the hub refuses or drops a device: the reason in plain
words, naming the address (and the Socket.IO sid the hub shows), once per address and
reason however often the device repeats itself."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.abuse import hub_log
from helpers.raw_protocol import PATH, Polling
from helpers.support import running_hub

from server.runtime.runner import HubServer
from server.wire.engine_server import STALE_SESSION

DEAD_SID_POLLS = 200
"""GETs on a closed session, as a device's tight re-poll loop sends them."""


def refused(hub: HubServer) -> list[Any]:
    return [entry for entry in hub.journal.page(0, 1000).events if entry.kind == "refused"]


@pytest.mark.parametrize("inspector", [True, False])
async def test_a_dead_session_polled_in_a_loop_is_logged_once_with_the_address(inspector):
    async with running_hub(inspector=inspector) as hub:
        device = Polling(hub)
        await device.open()
        try:
            assert (await device.post("1")).text == "ok"  # the session is closed
            with hub_log() as log:
                for _ in range(DEAD_SID_POLLS):
                    response = await device.get_response()
                    assert response.status_code == 400
                    assert json.loads(response.content)["code"] == 1  # the reference's
        finally:
            await device.http.aclose()
        lines = [record.getMessage() for record in log.written]
        assert lines == [f"refused a request from 127.0.0.1: {STALE_SESSION}"]
        if inspector:
            assert [(entry.reason, entry.ip) for entry in refused(hub)] == [
                (STALE_SESSION, "127.0.0.1")]


async def test_each_bad_request_is_explained_once(hub: HubServer):
    queries = [("PUT", {"EIO": "4", "transport": "polling"}),
               ("POST", {"EIO": "4", "transport": "polling"}),
               ("GET", {"EIO": "4", "transport": "polling", "j": "0"})]
    device = Polling(hub)
    try:
        with hub_log() as log:
            for method, query in queries * 20:
                response = await device.http.request(method, PATH, params=query)
                assert response.status_code == 400
    finally:
        await device.http.aclose()
    assert [record.getMessage() for record in log.written] == [
        "refused a request from 127.0.0.1: method 'PUT' is not allowed: use GET or POST",
        "refused a request from 127.0.0.1: a handshake must be a GET (a POST needs a sid)",
        "refused a request from 127.0.0.1: JSONP polling (the 'j' parameter) is gone in "
        "Engine.IO 4"]
