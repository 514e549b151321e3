"""The JSON API and the server-rendered dashboard follow the registry; unknown paths 404."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

import httpx
import pytest
import websockets
from helpers.support import hub_url, running_hub, wait_until

from server.connections import Connection, ConnectionManager, manager
from server.dashboard import dashboard_app, get_connections_json, get_dashboard_html

CONNECTION_KEYS = {"sid", "name", "client_ip", "transport", "user_agent", "connected_at",
                   "rooms", "messages_sent", "messages_received", "last_seen"}


async def get_json(hub) -> dict:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        response = await http.get("/api/connections")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def check_schema(document: dict) -> None:
    assert document["count"] == len(document["connections"])
    for item in document["connections"]:
        assert set(item) >= CONNECTION_KEYS
        assert isinstance(item["sid"], str) and item["sid"]
        assert item["transport"] in ("polling", "websocket")
        assert isinstance(item["rooms"], list)
        assert datetime.fromisoformat(item["connected_at"]).tzinfo is not None


async def test_api_follows_connects_joins_and_disconnects(hub, clients):
    assert (await get_json(hub))["count"] == 0
    url = hub_url(hub)
    first = await clients("py", url, "websocket", {"name": "thermostat"})
    second = await clients("js", url, "polling", {"name": "phone"})
    await first.call("join", "kitchen")
    document = await get_json(hub)
    check_schema(document)
    by_sid = {item["sid"]: item for item in document["connections"]}
    assert set(by_sid) == {first.sid, second.sid}
    assert by_sid[first.sid]["name"] == "thermostat"
    assert by_sid[first.sid]["rooms"] == ["kitchen"]
    assert by_sid[second.sid]["client_ip"] == "127.0.0.1"
    await first.close()
    await wait_until(lambda: hub.manager.count() == 1)
    document = await get_json(hub)
    check_schema(document)
    assert [item["sid"] for item in document["connections"]] == [second.sid]


@pytest.mark.parametrize("path", ["/nope", "/api", "/api/connections/x", "/../etc/passwd",
                                  "/static/../config.py", "/static/missing.js",
                                  "/static/%2e%2e/routes.py", "/%00", "/" + "a" * 5000])
async def test_unknown_paths_are_404(hub, path):
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        response = await http.get(path)
    assert response.status_code == 404
    assert response.text == "Not found.\n"


async def test_hostile_names_are_escaped_in_the_page(hub, clients):
    hostile = "<script>alert(1)</script>"
    await clients("py", hub_url(hub), "websocket", {"name": hostile})
    client = await clients("js", hub_url(hub), "websocket", {"name": "<img src=x onerror=1>"})
    await client.call("join", "<b>room</b>")
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        for path in ("/", "/dashboard"):
            page = (await http.get(path)).text
            assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
            assert "<img src=x" not in page and "<b>room</b>" not in page


@pytest.mark.parametrize(("origins", "allowed"), [(None, False), ("*", True),
                                                  ("http://lab.example:3000", True)])
async def test_foreign_web_origins_are_refused_unless_allowed(origins, allowed):
    """A page on another origin must not join the hub through its visitor's browser
    (cross-site WebSocket hijacking); devices send no Origin and are always served."""
    overrides = {} if origins is None else {"cors_allowed_origins": origins}
    async with running_hub(**overrides) as hub:
        handshake = {"EIO": "4", "transport": "polling"}
        async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
            foreign = await http.get("/socket.io/", params=handshake,
                                     headers={"Origin": "http://lab.example:3000"})
            assert (foreign.status_code == 200) is allowed
            device = await http.get("/socket.io/", params=handshake)
            assert device.status_code == 200
            if origins is None:  # the hub's own pages are its own origin
                own = await http.get("/socket.io/", params=handshake,
                                     headers={"Origin": hub_url(hub)})
                assert own.status_code == 200
        with pytest.raises(websockets.InvalidStatus) if not allowed else nullcontext():
            async with websockets.connect(
                    f"ws://127.0.0.1:{hub.port}/socket.io/?EIO=4&transport=websocket",
                    origin="http://lab.example:3000") as ws:
                assert (await ws.recv()).startswith("0{")


def test_get_dashboard_html_escapes_what_clients_supplied():
    """The seed's function, called directly on a registry (as an embedding app would)."""
    registry = ConnectionManager()
    registry.add(Connection(sid="s1", client_ip="192.168.1.9", name="<script>x()</script>",
                            rooms=frozenset({"<b>lab</b>"}), user_agent="<i>ua</i>"))
    page = get_dashboard_html(registry)
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<b>lab</b>" not in page and "&lt;b&gt;lab&lt;/b&gt;" in page
    assert "192.168.1.9" in page
    assert get_connections_json(registry)["connections"][0]["name"] == "<script>x()</script>"


async def test_the_seed_functions_read_what_the_hub_serves(hub, clients):
    client = await clients("py", hub_url(hub), "websocket", {"name": "<i>lamp</i>"})
    await client.call("join", "hall")
    assert get_connections_json(hub.manager) == await get_json(hub)
    page = get_dashboard_html(hub.manager, query="hall", client=client.sid)
    assert f'<tr data-sid="{client.sid}">' in page and "&lt;i&gt;lamp&lt;/i&gt;" in page
    assert '<aside id="details" class="details" aria-label="Client">' in page


async def test_dashboard_app_serves_the_process_wide_registry_with_the_same_rules():
    """The seed's ASGI app, as ``uvicorn server.dashboard:dashboard_app`` would run it."""
    registry_entry = Connection(sid="seed-1", client_ip="192.168.1.7", name="<b>seed</b>")
    manager.add(registry_entry)
    try:
        transport = httpx.ASGITransport(app=dashboard_app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            document = (await http.get("/api/connections")).json()
            page = await http.get("/")
            foreign = await http.get("/api/connections", headers={"host": "evil.example"})
            lan = await http.get("/api/connections", headers={"x-forwarded-for": "10.0.0.9"})
            post = await http.post("/api/connections")
    finally:
        manager.remove("seed-1")
    assert "seed-1" in [c["sid"] for c in document["connections"]]
    assert page.status_code == 200 and "&lt;b&gt;seed&lt;/b&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (foreign.status_code, lan.status_code, post.status_code) == (421, 401, 405)
    # No inspector there: no traffic view, whose script would ask its API in vain.
    assert 'id="traffic"' not in page.text and "traffic.js" not in page.text
    assert 'id="client-actions"' not in page.text and 'data-view="traffic"' not in page.text


async def test_the_hubs_page_has_the_traffic_view_and_the_seed_function_not(hub):
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        served = (await http.get("/")).text
    assert 'id="traffic"' in served and "traffic.js" in served and 'id="client-actions"' in served
    seed = get_dashboard_html(hub.manager)
    assert 'id="traffic"' not in seed and "traffic.js" not in seed
