"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright
(tests/helpers/browser.py).

``SAVE_DASHBOARD_SCREENSHOT=1`` makes the screenshot test refresh docs/dashboard.png.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from helpers.browser import chromium, needs_chromium, open_dashboard
from helpers.support import hub_url, running_hub, wait_until
from playwright.async_api import Browser, Locator, Page, expect

LAN = {"x-forwarded-for": "192.168.1.50"}  # see test_dashboard.py: a trusted proxy's word
SCREENSHOT = Path(__file__).parents[2] / "docs" / "dashboard.png"

pytestmark = needs_chromium


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


def rows(page: Page) -> Locator:
    return page.locator("#connections tbody tr")


async def test_the_table_follows_clients_without_a_reload(hub, clients, browser):
    page = await open_dashboard(browser, hub_url(hub) + "/dashboard")
    await expect(page.locator("#live")).to_have_text("Live")
    await page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    await expect(rows(page)).to_have_count(0)

    first = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    second = await clients("js", hub_url(hub), "polling", {"name": "garden-tap"})
    await expect(rows(page)).to_have_count(2)
    await expect(page.locator("#count")).to_have_text("2")
    await expect(rows(page).nth(0)).to_contain_text("kitchen-lamp")

    await first.call("join", "kitchen")
    row = page.locator(f'tr[data-sid="{first.sid}"] td[data-label="Rooms"]')
    await expect(row).to_have_text("kitchen")
    await expect(page.locator("#rooms")).to_contain_text("kitchen 1")

    await first.close()
    await expect(rows(page)).to_have_count(1)
    await expect(rows(page).nth(0)).to_contain_text("garden-tap")
    await expect(page.locator("#no-rooms")).to_be_visible()
    assert await page.evaluate("window.loadedOnce") is True
    assert second.sid


async def test_filter_and_details(hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    await lamp.call("join", "kitchen")
    await clients("js", hub_url(hub), "websocket", {"name": "garden-tap"})
    page = await open_dashboard(browser, hub_url(hub) + "/")
    await expect(page.locator("#live")).to_have_text("Live")

    await page.locator("#filter").fill("kitch")
    await expect(rows(page).locator("visible=true")).to_have_count(1)
    await page.locator("#filter").fill("127.0.0.1")
    await expect(rows(page).locator("visible=true")).to_have_count(2)
    await page.locator("#filter").fill("")
    await page.locator("#rooms a[data-room='kitchen']").click()
    await expect(rows(page).locator("visible=true")).to_have_count(1)

    await rows(page).locator("visible=true").first.click()
    details = page.locator("#details")
    await expect(details).to_be_visible()
    await expect(details.locator("dd[data-key='sid']")).to_have_text(lamp.sid)
    await expect(details.locator("dd[data-key='user_agent']")).to_contain_text("aiohttp")
    await expect(details.locator("dd[data-key='messages_sent']")).to_have_text("0")
    await lamp.emit("message", "hello")  # no feed event: the open panel asks again
    await expect(details.locator("dd[data-key='messages_sent']")).to_have_text(
        "1")
    await expect(details.locator("dd[data-key='messages_received']")).to_have_text("0")
    await expect(details.locator("dd[data-key='last_seen'] time")).to_have_count(1)
    await page.keyboard.press("Escape")
    await expect(details).to_be_hidden()


async def test_a_room_chip_lists_its_members_only_and_the_filter_matches_transport(
        hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    await lamp.call("join", "kitchen")
    await clients("py", hub_url(hub), "websocket", {"name": "kitchen-display"})  # no room
    tap = await clients("js", hub_url(hub), "polling", {"name": "garden-tap"})
    page = await open_dashboard(browser, hub_url(hub) + "/")
    await expect(page.locator("#live")).to_have_text("Live")
    visible = rows(page).locator("visible=true")
    await expect(visible).to_have_count(3)

    chip = page.locator("#rooms a[data-room='kitchen']")
    await chip.click()
    await expect(chip).to_have_attribute("aria-pressed", "true")
    await expect(visible).to_have_count(1)
    await expect(visible).to_have_attribute("data-sid", lamp.sid)
    assert "room=kitchen" in page.url
    await chip.click()  # pressed again: every room
    await expect(visible).to_have_count(3)

    await page.locator("#filter").fill("POLL")  # the transport column, as in the window
    await expect(visible).to_have_count(1)
    await expect(visible).to_have_attribute("data-sid", tap.sid)
    await page.reload()  # the server renders the same choice
    await expect(page.locator("#live")).to_have_text("Live")
    await expect(visible).to_have_count(1)


@pytest.mark.parametrize("name", [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><svg onload=alert(3)>',
])
async def test_hostile_names_show_as_text_and_run_nothing(hub, clients, browser, name):
    await clients("py", hub_url(hub), "websocket", {"name": name})  # in the first render
    dialogs: list[str] = []
    page = await open_dashboard(browser, hub_url(hub) + "/", dialogs)
    await clients("js", hub_url(hub), "polling", {"name": name})  # through the live feed
    await expect(rows(page)).to_have_count(2)
    names = page.locator("#connections tbody td[data-label='Name']")
    await expect(names).to_have_text([name, name])
    await rows(page).nth(1).click()
    await expect(page.locator("#details dd[data-key='name']")).to_have_text(name)
    assert await page.locator("#connections img, #connections svg, #details img").count() == 0
    await page.wait_for_timeout(200)  # a script that did get in would have run by now
    assert dialogs == []


async def test_the_lan_needs_the_token_and_then_gets_the_live_page(clients, browser):
    async with running_hub(trusted_proxies=["127.0.0.1/32"]) as hub:
        page = await open_dashboard(browser, hub_url(hub) + "/", extra_http_headers=LAN)
        assert "Token needed" in await page.locator("h1").inner_text()
        assert await page.locator("#connections").count() == 0

        token = hub.settings.dashboard_token
        await page.goto(f"{hub_url(hub)}/?token={token}")
        assert page.url == hub_url(hub) + "/"  # the token left the address bar
        await expect(page.locator("#live")).to_have_text("Live")
        await clients("py", hub_url(hub), "websocket", {"name": "phone"})
        await expect(rows(page)).to_have_count(1)
        cookies = await page.context.cookies()
        assert [c["httpOnly"] for c in cookies] == [True]
        await page.context.close()


async def test_without_javascript_the_table_is_served_and_filters(hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    await clients("js", hub_url(hub), "websocket", {"name": "garden-tap"})
    await wait_until(lambda: hub.manager.count() == 2, message="two clients")
    page = await open_dashboard(browser, hub_url(hub) + "/", java_script_enabled=False)
    await expect(rows(page)).to_have_count(2)
    await expect(page.locator("#refresh")).to_be_visible()
    await page.locator("#filter").fill("kitchen")
    await page.locator("#filter-button").click()
    await expect(rows(page).locator("visible=true")).to_have_count(1)
    await rows(page).locator("visible=true").locator("a").click()
    await expect(page.locator("#details dd[data-key='sid']")).to_have_text(lamp.sid)


ICON_SIZE = """async (path) => {
    const image = new Image();
    image.src = path;
    await image.decode();  // rejects when the browser cannot draw what it got
    return [image.naturalWidth, image.naturalHeight];
}"""


async def test_every_load_succeeds_and_the_icon_is_drawable(hub, browser):
    context = await browser.new_context()
    page = await context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    await page.goto(hub_url(hub) + "/")
    await expect(page.locator("#live")).to_have_text("Live")
    for path in ("/favicon.svg", "/favicon.ico"):
        assert await page.evaluate(ICON_SIZE, path) == [64, 64], path
    assert failed == []
    await context.close()


async def test_dashboard_screenshot(hub, clients, browser):
    """A few clients in rooms, some messages: the picture in the README."""
    url = hub_url(hub)
    for kind, transport, name, rooms in [
        ("py", "websocket", "kitchen-lamp", ["kitchen", "lights"]),
        ("js", "websocket", "garden-sensor", ["garden"]),
        ("js", "polling", "hall-display", ["lights"]),
        ("py", "polling", None, []),
    ]:
        client = await clients(kind, url, transport, {"name": name} if name else None)
        for room in rooms:
            await client.call("join", room)
        for _ in range(3):
            await client.emit("message", {"hello": name})
    page = await open_dashboard(browser, url + "/", viewport={"width": 1200, "height": 640},
                                color_scheme="light")
    await expect(page.locator("#live")).to_have_text("Live")
    await expect(rows(page)).to_have_count(4)
    await expect(page.locator("#total")).to_have_text("12")
    if os.environ.get("SAVE_DASHBOARD_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT), full_page=True)


async def test_connect_a_device_copies_the_code_with_this_hubs_address(hub, browser):
    page = await open_dashboard(browser, hub_url(hub) + "/",
                                permissions=["clipboard-read", "clipboard-write"])
    python = page.locator('#connect details[data-key="python"]')
    await python.locator("summary").click()
    button = python.locator("button.copy")
    await expect(button).to_be_visible()  # shown by connect.js: it only works with script
    await button.click()
    await expect(button).to_have_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("import asyncio") and f'HUB = "{hub_url(hub)}"' in copied
    await page.context.close()
