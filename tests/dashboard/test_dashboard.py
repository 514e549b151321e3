"""The dashboard over HTTP: who may see it, its headers and methods, the JSON API, the live
feed and the token kept in the config file.  Real hubs, real clients, plain httpx.

"A request from the LAN" is made honestly on one machine: the hub trusts a proxy at
127.0.0.1 and the request says (X-Forwarded-For) it was forwarded for 192.168.1.50.  The
dashboard decides with ``network.client_ip``, the same function that names every
request's client, so this is the address a LAN peer would get; only where it comes from
differs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.support import hub_url, loopback_settings, running_hub

from server.config import load_settings
from server.dashboard.status import format_duration
from server.network import lan_addresses
from server.runtime.runner import HubServer

LAN = {"x-forwarded-for": "192.168.1.50"}
ROOT = Path(__file__).parents[2]
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


@asynccontextmanager
async def lan_hub(**overrides: Any) -> AsyncIterator[HubServer]:
    """A hub behind a (pretend) reverse proxy on 127.0.0.1, so LAN requests can be made."""
    async with running_hub(trusted_proxies=["127.0.0.1/32"], **overrides) as hub:
        yield hub


async def get(hub: HubServer, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        return await http.get(path, **kwargs)


# -- who may see it ---------------------------------------------------------------------------


async def test_loopback_sees_everything_without_a_token(hub):
    for path in ("/", "/dashboard", "/api/connections", "/healthz"):
        assert (await get(hub, path)).status_code == 200, path


@pytest.mark.parametrize("path", ["/", "/dashboard", "/api/connections", "/api/feed"])
async def test_the_lan_without_token_gets_401_saying_how_to_get_in(path):
    async with lan_hub() as hub:
        response = await get(hub, path, headers=LAN)
    assert response.status_code == 401
    assert "token" in response.text


async def test_the_lan_with_token_link_gets_a_cookie_and_then_the_page():
    async with lan_hub() as hub, httpx.AsyncClient(base_url=hub_url(hub), headers=LAN) as http:
        token = hub.settings.dashboard_token
        response = await http.get("/dashboard", params={"token": token})
        assert response.status_code == 303
        assert response.headers["location"] == "/dashboard"  # token out of the address bar
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and token not in cookie
        page = await http.get("/dashboard")  # the cookie alone now
        assert page.status_code == 200 and 'id="connections"' in page.text
        assert (await http.get("/api/connections")).status_code == 200


async def test_the_lan_with_a_wrong_token_or_cookie_is_refused():
    async with lan_hub() as hub:
        token = hub.settings.dashboard_token
        wrong = token[:-1] + ("a" if token[-1] != "a" else "b")
        assert (await get(hub, "/", params={"token": wrong}, headers=LAN)).status_code == 401
        bad_cookie = {**LAN, "cookie": f"socketio_tray_dashboard={token}"}  # not the cookie
        assert (await get(hub, "/", headers=bad_cookie)).status_code == 401


async def test_the_api_takes_a_bearer_token_from_the_lan():
    async with lan_hub() as hub:
        headers = {**LAN, "authorization": f"Bearer {hub.settings.dashboard_token}"}
        response = await get(hub, "/api/connections", headers=headers)
    assert response.json() == {"count": 0, "connections": []}


async def test_proxy_headers_from_an_untrusted_local_proxy_do_not_make_the_lan_local(hub):
    # A reverse proxy on this machine that nobody declared trusted: its requests come
    # from 127.0.0.1 but are for someone else, so they need the token.
    assert (await get(hub, "/", headers=LAN)).status_code == 401
    assert (await get(hub, "/", headers={"forwarded": "for=192.168.1.50"})).status_code == 401


@pytest.mark.parametrize("forwarded_for", ["127.0.0.1", "127.0.0.2", "::1"])
async def test_a_forwarded_request_is_never_local_whatever_it_names(forwarded_for):
    """The one rule for "local" (network.is_local_request): the peer itself on loopback
    with no proxy headers.  A trusted proxy's word that the client is a loopback address
    speaks of the proxy's machine, so it still needs the token."""
    async with lan_hub() as hub:
        headers = {"x-forwarded-for": forwarded_for}
        assert (await get(hub, "/api/connections", headers=headers)).status_code == 401
        assert (await get(hub, "/api/connections")).status_code == 200  # the proxy itself


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "10.255.255.1"])
async def test_a_host_header_that_is_not_this_machine_is_refused(hub, host):
    response = await get(hub, "/api/connections", headers={"host": host})
    assert response.status_code == 421
    assert "connections" not in response.text


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:1234", "[::1]:8765", "LOCALHOST."])
async def test_localhost_names_are_accepted(hub, host):
    assert (await get(hub, "/", headers={"host": host})).status_code == 200


async def test_an_address_of_this_machine_is_accepted(hub):
    addresses = lan_addresses()
    if not addresses:
        pytest.skip("this machine has no LAN address")
    assert (await get(hub, "/", headers={"host": f"{addresses[0]}:80"})).status_code == 200


# -- headers, methods, health -----------------------------------------------------------------


async def test_security_headers_on_every_page(hub):
    for path in ("/", "/api/connections", "/healthz", "/static/dashboard.js", "/missing",
                 "/favicon.ico"):
        headers = (await get(hub, path)).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/api/connections", "/healthz"):
        assert (await get(hub, path)).headers["cache-control"] == "no-store", path


async def test_the_page_has_no_inline_script_or_style(hub):
    page = (await get(hub, "/")).text
    assert "<script>" not in page and "<style" not in page and "style=" not in page
    assert '<script src="/static/dashboard.js" defer></script>' in page


async def test_head_answers_like_get_without_a_body_and_other_methods_get_405(hub):
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        for path in ("/", "/api/connections", "/healthz", "/api/feed"):
            response = await http.head(path)
            assert response.status_code == 200 and response.content == b"", path
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = await http.request(method, "/api/connections")
            assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


async def test_healthz_reports_status_and_uptime_even_to_the_lan():
    async with lan_hub() as hub:
        document = (await get(hub, "/healthz", headers=LAN)).json()
    assert document["status"] == "ok" and document["uptime_seconds"] >= 0


async def test_uptime_counts_from_each_start_of_the_server():
    now = [1000.0]
    hub = HubServer(loopback_settings())
    hub.dashboard.status.clock = lambda: now[0]  # built long before it first serves
    await hub.start()
    try:
        now[0] += 50
        before_stop = (await get(hub, "/healthz")).json()["uptime_seconds"]
        await hub.stop()
        now[0] += 30  # stopped
        await hub.start()
        now[0] += 2
        after_restart = (await get(hub, "/healthz")).json()["uptime_seconds"]
    finally:
        await hub.stop()
    assert (before_stop, after_restart) == (50, 2)


async def test_the_icon_is_the_apps_own_at_both_paths(hub):
    shared = [p for p in ROOT.rglob("tray-running.svg")
              if "dashboard" not in p.parts and ".venv" not in p.parts]
    assert shared, "the app's running-state icon was not found in the source tree"
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in (
        await get(hub, "/")).text
    for path in ("/favicon.svg", "/favicon.ico"):
        response = await get(hub, path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.content == shared[0].read_bytes()  # the same icon as the tray's


# -- what it shows ------------------------------------------------------------------------------


async def test_api_and_page_show_clients_rooms_and_escape_their_names(hub, clients):
    url = hub_url(hub)
    hostile = await clients("py", url, "websocket", {"name": HOSTILE_NAME})
    await hostile.call("join", "</script><b>room</b>")
    plain = await clients("js", url, "polling", {"name": "sensor-1"})
    document = (await get(hub, "/api/connections")).json()
    assert document["count"] == 2
    assert [c["name"] for c in document["connections"]] == [HOSTILE_NAME, "sensor-1"]
    page = (await get(hub, "/")).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and HOSTILE_NAME not in page
    assert "&lt;/script&gt;&lt;b&gt;room&lt;/b&gt;" in page and "<b>room" not in page
    assert f'data-sid="{plain.sid}"' in page


async def test_the_page_filters_and_shows_details_without_javascript(hub, clients):
    url = hub_url(hub)
    kitchen = await clients("py", url, "websocket", {"name": "kitchen-lamp"})
    await kitchen.call("join", "kitchen")
    garden = await clients("py", url, "polling", {"name": "garden-tap"})
    page = (await get(hub, "/", params={"q": "KITCHEN"})).text
    assert f'<tr data-sid="{kitchen.sid}">' in page
    assert f'<tr data-sid="{garden.sid}" hidden>' in page
    details = (await get(hub, "/", params={"client": garden.sid})).text
    assert '<aside id="details" class="details" aria-label="Client">' in details
    assert "aiohttp" in details  # its user agent


async def test_the_feed_pushes_connects_room_changes_and_leaves(hub, clients):
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http, \
            http.stream("GET", "/api/feed") as feed:
        assert feed.headers["content-type"] == "text/event-stream"
        assert feed.headers["cache-control"] == "no-store"
        events = sse_events(feed)
        assert (await next_event(events, "snapshot"))["connections"] == []
        client = await clients("js", hub_url(hub), "websocket", {"name": "probe"})
        change = await next_event(events, "changes")
        assert [c["name"] for c in change["upsert"]] == ["probe"]
        await client.call("join", "lab")
        change = await next_event(events, "changes", lambda c: c["rooms"])
        assert change["rooms"] == [["lab", 1]] and change["upsert"][0]["rooms"] == ["lab"]
        await client.close()
        change = await next_event(events, "changes", lambda c: c["remove"])
        assert change["remove"] == [client.sid] and change["summary"]["count"] == 0


async def test_the_feed_counts_relayed_messages(hub, clients):
    sender = await clients("py", hub_url(hub), "websocket")
    receiver = await clients("py", hub_url(hub), "websocket")
    for n in range(3):
        await sender.emit("message", n)
    for _ in range(3):
        await receiver.next_event("message")
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http, \
            http.stream("GET", "/api/feed") as feed:
        snapshot = await next_event(sse_events(feed), "snapshot")
    assert snapshot["summary"]["relays_total"] == 3


async def test_the_feed_from_the_lan_works_with_the_cookie():
    async with lan_hub() as hub, httpx.AsyncClient(base_url=hub_url(hub), headers=LAN) as http:
        await http.get("/", params={"token": hub.settings.dashboard_token})
        async with http.stream("GET", "/api/feed") as feed:
            assert feed.status_code == 200
            assert (await next_event(sse_events(feed), "snapshot"))["connections"] == []


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """The (event, data) pairs of a text/event-stream response."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event:
            yield event, json.loads(line.removeprefix("data: "))


async def next_event(events: AsyncIterator[tuple[str, Any]], name: str,
                     accept: Any = lambda data: True) -> Any:
    async for event, data in events:
        if event == name and accept(data):
            return data
    raise AssertionError(f"the feed ended before a {name!r} event")


# -- the token, and durations --------------------------------------------------------------------


def test_a_token_set_by_the_user_is_used_and_not_saved(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(path))
    hub = HubServer(load_settings(host="127.0.0.1", port=0, dashboard_token="mine"))
    assert hub.settings.dashboard_token == "mine"
    assert not path.exists()


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59, "59s"), (61, "1m 1s"), (3600, "1h 0m"), (90_061, "1d 1h"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
