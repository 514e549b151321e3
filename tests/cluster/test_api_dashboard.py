"""The dashboard of a cluster node: every node's clients with a Node column, a node filter
and the cluster's status line, in the server-rendered page and live in a browser."""

from __future__ import annotations

import re

import httpx
from helpers.browser import chromium, needs_chromium, open_dashboard
from helpers.support import hub_url, running_hub, wait_until
from playwright.async_api import expect

WITHIN = 20.0  # a hang guard on a loaded machine, not a measure


async def page_text(hub, query: str = "") -> str:
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        response = await http.get("/" + query)
    assert response.status_code == 200
    return response.text


def shown_sids(page: str) -> set[str]:
    return set(re.findall(r'<tr data-sid="([^"]+)">', page))


async def test_a_single_hub_page_has_no_node_column(hub, clients):
    await clients("py", hub_url(hub), "websocket")
    page = await page_text(hub)
    assert "<th scope=\"col\">Node</th>" not in page
    assert 'id="node"' not in page and 'id="cluster"' not in page
    async with httpx.AsyncClient(base_url=hub_url(hub), timeout=10) as http:
        assert (await http.get("/api/nodes")).json() == []
        listed = (await http.get("/api/connections")).json()["connections"]
    assert "node" not in listed[0]


async def test_the_page_shows_and_filters_every_node_s_clients(redis_server, clients):
    async with running_hub(redis_url=redis_server.url, node_name="north") as north, \
            running_hub(redis_url=redis_server.url, node_name="south") as south:
        here = await clients("py", hub_url(north), "websocket", {"name": "here"})
        there = await clients("js", hub_url(south), "polling", {"name": "there"})
        await wait_until(lambda: north.registry.directory.count() == 2, WITHIN, "both")
        page = await page_text(north)
        assert "<th scope=\"col\">Node</th>" in page
        assert '<td data-label="Node">south</td>' in page
        assert re.search(r'<p id="cluster" class="cluster-status">cluster: 2 nodes up, '
                         r'2 clients in all</p>', page)
        assert '<option value="south">south</option>' in page
        assert shown_sids(page) == {here.sid, there.sid}
        assert shown_sids(await page_text(north, "?node=south")) == {there.sid}
        assert shown_sids(await page_text(north, "?node=north")) == {here.sid}
        details = await page_text(north, f"?client={there.sid}")
        assert '<dt>Node</dt><dd data-key="node">south</dd>' in details


@needs_chromium
async def test_the_live_table_shows_nodes_and_filters_by_node(redis_server, clients):
    async with running_hub(redis_url=redis_server.url, node_name="north") as north, \
            running_hub(redis_url=redis_server.url, node_name="south") as south, \
            chromium() as browser:
        page = await open_dashboard(browser, hub_url(north) + "/")
        await expect(page.locator("#live")).to_have_text("Live", timeout=5000)
        there = await clients("py", hub_url(south), "websocket", {"name": "there"})
        here = await clients("js", hub_url(north), "websocket", {"name": "here"})
        cell = page.locator(f'tr[data-sid="{there.sid}"] td[data-label="Node"]')
        await expect(cell).to_have_text("south", timeout=WITHIN * 1000)
        await expect(page.locator("#cluster")).to_have_text(
            "cluster: 2 nodes up, 2 clients in all", timeout=WITHIN * 1000)
        await page.locator("#node").select_option("south")
        visible = page.locator("#connections tbody tr").locator("visible=true")
        await expect(visible).to_have_count(1)
        await expect(visible.first).to_have_attribute("data-sid", there.sid)
        assert "node=south" in page.url
        await page.locator("#node").select_option("")
        await expect(visible).to_have_count(2)
        assert here.sid
