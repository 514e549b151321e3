"""What a device developer reads when the hub refuses or drops a device: the reason in plain
words, naming the address (and the Socket.IO sid the hub shows), once per address and
reason however often the device repeats itself."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers.abuse import hub_log
from helpers.clients import ConnectRefused
from helpers.raw_protocol import PATH, Polling, WebSocket
from helpers.support import KINDS_AND_TRANSPORTS, hub_url, running_hub, wait_until

from server.runtime.runner import HubServer
from server.wire.engine_server import STALE_SESSION

DEAD_SID_POLLS = 50
"""GETs on a closed session, as a device's tight re-poll loop sends them (well within
the refusal window, even on a loaded machine)."""


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


async def test_behind_a_trusted_proxy_the_lines_name_the_device_not_the_proxy():
    async with running_hub(trusted_proxies=["127.0.0.1"]) as hub:
        device = Polling(hub)
        device.http.headers["X-Forwarded-For"] = "192.168.7.7"
        try:
            await device.open()
            sid = (await device.connect())["sid"]
            with hub_log() as log:
                await device.post("40/nowhere,")
                await device.post('42["x", NaN]')  # dropped: not JSON
                await wait_until(lambda: bool(dropped(hub)), message="the dropped entry")
                assert (await device.get_response()).status_code == 400
        finally:
            await device.http.aclose()
    lines = [record.getMessage() for record in log.written
             if "refused" in record.getMessage() or "closing" in record.getMessage()]
    assert lines == [
        "refused a connect from 192.168.7.7: namespace '/nowhere' is not served by this hub",
        f"{sid} from 192.168.7.7: malformed packet: not JSON, closing the connection",
        f"refused a request from 192.168.7.7: {STALE_SESSION}"], lines


# -- drops name the session as the hub shows it, and say what was wrong

def dropped(hub: HubServer) -> list[Any]:
    return [entry for entry in hub.journal.page(0, 1000).events if entry.kind == "dropped"]


@pytest.mark.parametrize(("packet", "why"), [
    ("42{oops", "malformed packet: not JSON"),
    ('42["x", NaN]', "malformed packet: not JSON"),
    ('42["connect", 1]', "event name 'connect' is reserved"),
    ("42[1]", "an event's name must be a string"),
    ('42{"x": 1}', "an event's payload must be an array: [name, ...args]"),
])
async def test_a_dropped_session_is_named_by_its_socketio_sid_and_address(hub, packet, why):
    device = await WebSocket.open(hub)
    try:
        await device.handshake()
        sid = (await device.connect())["sid"]
        with hub_log() as log:
            await device.send(packet)
            await device.wait_closed()
            await wait_until(lambda: bool(dropped(hub)), message="the dropped entry")
    finally:
        await device.close()
    assert [record.getMessage() for record in log.written
            if "closing the connection" in record.getMessage()] == [
        f"{sid} from 127.0.0.1: {why}, closing the connection"]
    assert [(entry.sid, entry.ip, entry.reason) for entry in dropped(hub)] == [
        (sid, "127.0.0.1", why)]


async def test_with_the_inspector_off_drops_and_unserved_namespaces_read_the_same():
    """The log names a dropped session by its Socket.IO sid, and says an unserved namespace
    once per address, whether or not a journal is kept."""
    async with running_hub(inspector=False) as hub:
        device = await WebSocket.open(hub)
        try:
            await device.handshake()
            sid = (await device.connect())["sid"]
            with hub_log() as log:
                for _ in range(5):
                    await device.send("40/nowhere,")
                await device.send("42{oops")
                await device.wait_closed()
        finally:
            await device.close()
    lines = [record.getMessage() for record in log.written
             if "refused" in record.getMessage() or "closing" in record.getMessage()]
    assert lines == [
        "refused a connect from 127.0.0.1: namespace '/nowhere' is not served by this hub",
        f"{sid} from 127.0.0.1: malformed packet: not JSON, closing the connection"], lines


async def test_a_python_device_emitting_a_reserved_name_is_told_why_in_the_journal(clients):
    async with running_hub() as hub:
        device = await clients("py", hub_url(hub), "websocket")
        await device.emit("connect", {"t": 1})
        await wait_until(lambda: bool(dropped(hub)), message="the dropped entry")
        assert [(entry.sid, entry.reason) for entry in dropped(hub)] == [
            (device.sid, "event name 'connect' is reserved")]


async def test_a_session_that_joins_no_namespace_is_named_by_its_address():
    async with running_hub(connect_timeout=0.2) as hub:
        device = await WebSocket.open(hub)
        try:
            await device.handshake()
            with hub_log() as log:
                await device.wait_closed()
        finally:
            await device.close()
        assert log.count("a session from 127.0.0.1: no namespace joined in time, "
                         "closing the connection") == 1


# -- a connect refused for its auth is told why

AUTH_NOT_AN_OBJECT = 'auth must be an object: {"token": ..., "name": ...}'


@pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)
async def test_a_device_giving_its_token_as_the_auth_is_told_the_auth_must_be_an_object(
        clients, kind, transport):
    async with running_hub(auth_token="s3cret") as hub:
        with pytest.raises(ConnectRefused, match=re.escape(AUTH_NOT_AN_OBJECT)):
            await clients(kind, hub_url(hub), transport, "s3cret")
        assert [(entry.reason, entry.ip) for entry in refused(hub)] == [
            (AUTH_NOT_AN_OBJECT, "127.0.0.1")]
        assert not hub.manager.all()
        device = await clients(kind, hub_url(hub), transport, {"token": "s3cret"})
        assert hub.manager.get(device.sid) is not None  # the address is served all the same
