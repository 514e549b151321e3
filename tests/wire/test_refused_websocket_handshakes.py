"""A websocket handshake the hub refuses (an old Engine.IO version, a dead sid, the wrong
transport) is answered 400 with the reference's body and explained once in the hub's own
line; uvicorn writes no ERROR and no line of its own per attempt."""

from __future__ import annotations

import json
import logging

import pytest
from helpers.abuse import hub_log
from helpers.raw_protocol import PATH, WAIT
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.runtime.runner import HubServer
from server.wire.engine_server import OLD_ENGINEIO, STALE_SESSION

ATTEMPTS = 4
"""Handshakes per case, as a device retrying sends them."""


async def refused_handshake(hub: HubServer, query: str) -> int:
    """The reference's error code the hub answered a websocket handshake with."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{hub.port}{PATH}?{query}", open_timeout=WAIT):
            pass
    assert refused.value.response.status_code == 400
    code: int = json.loads(refused.value.response.body or b"{}")["code"]
    return code


@pytest.mark.parametrize(("query", "code", "why"), [
    ("EIO=3&transport=websocket", 5, OLD_ENGINEIO),
    ("EIO=4&transport=websocket&sid=gone", 1, STALE_SESSION),
    ("EIO=4&transport=polling", 3,
     "transport 'polling' does not match the request (a websocket upgrade)"),
])
async def test_a_refused_handshake_is_one_line_of_the_hubs_and_no_error(
        hub: HubServer, caplog: pytest.LogCaptureFixture, query: str, code: int, why: str):
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")
    with hub_log() as log:
        for _ in range(ATTEMPTS):
            assert await refused_handshake(hub, query) == code
    assert [record.getMessage() for record in log.written] == [
        f"refused a request from 127.0.0.1: {why}"]
    uvicorn_lines = [(record.levelname, record.getMessage()) for record in caplog.records
                     if record.name.startswith("uvicorn") and record.levelno >= logging.INFO]
    assert uvicorn_lines == []
