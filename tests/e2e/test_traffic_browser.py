"""The dashboard's Traffic view, composer and client actions in Chromium (Playwright),
against a real hub, its inspector API and real clients.

``SAVE_DASHBOARD_SCREENSHOT=1`` makes the screenshot test refresh docs/traffic.png.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.browser import chromium, needs_chromium, open_dashboard
from helpers.support import hub_url, wait_until
from playwright.async_api import Browser, Locator, Page, expect

SCREENSHOT = Path(__file__).parents[2] / "docs" / "traffic.png"
HOSTILE = "<img src=x onerror=alert(1)>"
MAX_ROWS = 500  # traffic.js keeps this many rows, and this many entries waiting
LONG_NAME = "L" * 64  # one unbroken word
LINES_OF_TEXT = """cell => {
  const lines = new Set();
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) lines.add(Math.round(rect.top));
  }
  return lines.size;
}"""

pytestmark = needs_chromium


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


async def open_traffic(browser: Browser, url: str, dialogs: list[str] | None = None,
                       **options: Any) -> Page:
    page = await open_dashboard(browser, url + "/", dialogs, **options)
    await page.locator("#views a[data-view='traffic']").click()
    await expect(page.locator("#traffic-state")).to_have_text("Live")
    return page


def journal(page: Page) -> Locator:
    return page.locator("#journal tbody tr")


def events_named(page: Page, event: str) -> Locator:
    return page.locator("#journal tbody tr[data-kind='event_in']").filter(
        has=page.locator("td[data-label='Event']", has_text=event))


def from_client(page: Page, event: str, client: str) -> Locator:
    return events_named(page, event).filter(
        has=page.locator("td[data-label='Client']", has_text=client))


async def test_entries_appear_live_filter_and_pause(hub, clients, browser):
    page = await open_traffic(browser, hub_url(hub))
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    tap = await clients("js", hub_url(hub), "polling", {"name": "garden-tap"})
    await lamp.emit("reading", {"lux": 120})
    await tap.emit("reading", {"litres": 3})
    await expect(events_named(page, "reading")).to_have_count(2)

    await page.locator("#tf-sid").focus()  # the picker lists the live clients
    await page.locator("#tf-sid").select_option(lamp.sid)
    await expect(events_named(page, "reading")).to_have_count(1)
    await expect(journal(page).locator("td[data-label='Client']")).to_have_text(
        ["kitchen-lamp"] * await journal(page).count())
    await page.locator("#tf-sid").select_option("")
    await page.locator("#tf-q").fill("litres")
    await expect(journal(page)).to_have_count(1)
    await expect(journal(page).first).to_contain_text("garden-tap")

    await page.locator("#tf-q").fill("")
    await expect(events_named(page, "reading")).to_have_count(2)
    await page.locator("#traffic-pause").click()
    await lamp.emit("reading", {"lux": 80})
    await expect(page.locator("#traffic-pause")).to_have_text(re.compile(r"Resume \(\d+ new\)"))
    await expect(events_named(page, "reading")).to_have_count(2)  # held, not drawn
    await page.locator("#traffic-pause").click()
    await expect(events_named(page, "reading")).to_have_count(3)

    await events_named(page, "reading").first.click()  # newest on top: the last one sent
    await expect(page.locator("#entry-payload")).to_have_text('[\n  {\n    "lux": 80\n  }\n]')


async def test_a_flood_while_paused_is_capped_and_what_was_left_out_said(hub, clients, browser):
    page = await open_traffic(browser, hub_url(hub))
    await page.locator("#tf-kind").select_option("event_in")
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    drawn, flood = 100, MAX_ROWS + 200
    for index in range(drawn):
        await lamp.emit("message", index)
    await expect(journal(page)).to_have_count(drawn)
    await page.locator("#traffic-pause").click()  # from now on, entries wait in the queue
    for index in range(drawn, drawn + flood):
        await lamp.emit("message", index)
    await expect(page.locator("#traffic-skipped")).to_have_text(
        f"200 entries left out while paused: a paused view holds the newest {MAX_ROWS}.")
    await expect(page.locator("#traffic-pause")).to_have_text(f"Resume ({MAX_ROWS} new)")
    await page.locator("#traffic-pause").click()
    await expect(journal(page).first).to_contain_text(f"[{drawn + flood - 1}]")
    await expect(journal(page)).to_have_count(MAX_ROWS)  # the oldest rows went
    await expect(journal(page).last).to_contain_text(f"[{drawn + 200}]")


async def test_filters_find_matches_behind_many_newer_entries(hub, clients, browser):
    """A filter shows the newest matching entries however many others came after them, in
    the Traffic view and in a client's recent traffic."""
    url = hub_url(hub)
    lamp = await clients("py", url, "websocket", {"name": "kitchen-lamp"})
    await lamp.emit("reading", {"lux": 7})
    await lamp.call("join", "kitchen")  # acknowledged: the reading is in the journal
    for number in range(3 * MAX_ROWS):  # the chatter of other clients, recorded as the hub does
        hub.journal.record_event_in(f"sid-{number}", "message", (number,), client="chatter")
    page = await open_traffic(browser, url)
    await page.locator("#tf-q").fill("lux")
    await expect(events_named(page, "reading")).to_have_count(1)
    await expect(journal(page)).to_have_count(1)
    await page.locator("#tf-q").fill("")
    await page.locator("#tf-room").fill("kitchen")
    await expect(journal(page).locator("td[data-label='Kind']")).to_have_text(["join"])
    await page.locator("#tf-room").fill("no-such-room")
    await expect(page.locator("#journal-empty")).to_have_text("No matching traffic.")
    await expect(page.locator("#journal-empty")).to_be_visible()

    await page.locator("#views a[data-view='clients']").click()
    await page.locator(f"tr[data-sid='{lamp.sid}']").click()
    await expect(page.locator("#client-traffic")).to_contain_text(
        'reading refused: unknown event \'reading\' · [{"lux":7}]')


async def test_export_downloads_the_entries_matching_the_filters(hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    tap = await clients("js", hub_url(hub), "websocket", {"name": "garden-tap"})
    await lamp.emit("reading", {"lux": 1})
    await tap.emit("reading", {"litres": 2})
    page = await open_traffic(browser, hub_url(hub), accept_downloads=True)
    await page.locator("#tf-q").fill("litres")
    await expect(journal(page)).to_have_count(1)
    async with page.expect_download() as download_info:
        await page.locator("#traffic-export").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".jsonl")
    text = await asyncio.to_thread(Path(await download.path()).read_bytes)
    lines = [orjson.loads(line) for line in text.splitlines()]
    assert [(line["client"], line["args"]) for line in lines] == [
        ("garden-tap", [{"litres": 2}])]


async def test_a_refused_event_reads_as_refused_not_as_traffic(hub, clients, browser):
    page = await open_traffic(browser, hub_url(hub))
    lamp = await clients("js", hub_url(hub), "websocket", {"name": "hall-lamp"})
    await lamp.emit("set_state", {"on": True})  # the hub has no such event
    await lamp.emit("message", {"on": True})
    refused, relayed = events_named(page, "set_state"), events_named(page, "message")
    await expect(refused.locator(".kind")).to_have_text("in, refused")
    await expect(refused.locator("td[data-label='Details']")).to_have_text(
        re.compile(r"^refused: unknown event 'set_state' · "))
    await expect(relayed.locator(".kind")).to_have_text("in")
    bad = await page.locator("#journal").evaluate(
        "table => getComputedStyle(table).getPropertyValue('--bad').trim()")
    colour = "element => getComputedStyle(element).color"
    assert await refused.locator(".kind").evaluate(colour) != await relayed.locator(
        ".kind").evaluate(colour)
    assert bad  # the refused colour is the page's own


async def test_a_long_payload_wraps_inside_the_journal(hub, clients, browser):
    """JSON has few spaces: an entry's details must break anywhere, or one long payload
    widens the table past its card and hides the end of every row."""
    page = await open_traffic(browser, hub_url(hub), viewport={"width": 1280, "height": 820})
    sensor = await clients("py", hub_url(hub), "websocket", {"name": "probe"})
    await sensor.emit("reading", {"samples": list(range(60))})
    row = events_named(page, "reading")
    await expect(row.locator("td[data-label='Details']")).to_contain_text("[0,1,2,3,4,")
    wrap = page.locator(".journal-wrap")
    overflow = await wrap.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 0, f"the journal scrolls sideways by {overflow} px"


async def test_a_long_name_wraps_and_leaves_the_details_their_width(hub, clients, browser):
    """Names and events are free text: an unbroken one breaks within its column, which
    takes a bounded share of the row, while a usual name reads on one line."""
    page = await open_traffic(browser, hub_url(hub), viewport={"width": 1280, "height": 800})
    long = await clients("py", hub_url(hub), "websocket", {"name": LONG_NAME})
    usual = await clients("js", hub_url(hub), "websocket", {"name": "kitchen-sensor"})
    await long.emit("reading", {"lux": 1})
    await usual.emit("reading", {"lux": 2})
    await expect(events_named(page, "reading")).to_have_count(2)
    wrap = page.locator(".journal-wrap")
    overflow = await wrap.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 0, f"the journal scrolls sideways by {overflow} px"
    table = await page.locator("#journal").bounding_box()
    row = from_client(page, "reading", LONG_NAME)
    client = await row.locator("td[data-label='Client']").bounding_box()
    details = await row.locator("td[data-label='Details']").bounding_box()
    assert table and client and details
    assert client["width"] <= 0.25 * table["width"], (client, table)
    assert details["width"] >= 0.4 * table["width"], (details, table)
    usual_name = from_client(page, "reading", "kitchen-sensor").locator(
        "td[data-label='Client']")
    assert await usual_name.evaluate(LINES_OF_TEXT) == 1


async def test_numbers_addresses_and_sids_are_never_split(hub, clients, browser):
    """Only free text (names, rooms, events) breaks anywhere; a count, an address or a sid
    reads whole at desktop width, even beside a long name."""
    url = hub_url(hub)
    long = await clients("py", url, "websocket", {"name": LONG_NAME})
    await long.call("join", "kitchen")
    for number in range(1306):  # four-digit counts, recorded as the hub does
        hub.journal.record_event_in(long.sid, f"reading-{number % 3}-{LONG_NAME}", (number,))
    page = await open_traffic(browser, url, viewport={"width": 1280, "height": 800})
    counts = page.locator("#event-stats tbody td[data-label='In']")
    await expect(counts.first).to_have_text(re.compile(r"^\d{3,}$"))
    for cell in await counts.all():
        assert await cell.evaluate(LINES_OF_TEXT) == 1, await cell.inner_text()

    await page.locator("#views a[data-view='clients']").click()
    row = page.locator(f"tr[data-sid='{long.sid}']")
    await expect(row.locator("td[data-label='Client IP']")).to_have_text("127.0.0.1")
    for label in ("SID", "Client IP", "Connected since"):
        cell = row.locator(f"td[data-label='{label}']")
        assert await cell.evaluate(LINES_OF_TEXT) == 1, label


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


async def test_on_a_phone_the_journal_scrolls_by_itself_and_an_entry_opens_in_place(
        hub, clients, browser):
    """500 cards would put the entry and the composer ten thousand pixels down: the
    journal scrolls within a bounded box, and a tapped entry opens over the page without
    moving it or the list."""
    for number in range(2 * MAX_ROWS):
        hub.journal.record_event_in(f"sid-{number}", "message", ({"n": number},),
                                   client="chatter")
    page = await open_traffic(browser, hub_url(hub), **PHONE)
    await expect(journal(page)).to_have_count(MAX_ROWS)
    height = PHONE["viewport"]["height"]
    composer = await page.evaluate(
        "document.getElementById('composer').getBoundingClientRect().top + scrollY")
    assert composer < 3 * height, f"the composer is {composer} px down"

    wrap = page.locator(".journal-wrap")
    await wrap.scroll_into_view_if_needed()
    await wrap.evaluate("element => { element.scrollTop = element.scrollHeight / 2; }")
    place = await page.evaluate("[scrollY, document.querySelector('.journal-wrap').scrollTop]")
    box = await wrap.bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + min(box["height"], height - box["y"]) / 2
    seq = await page.evaluate(f"document.elementFromPoint({x}, {y}).closest('tr').dataset.seq")
    await page.touchscreen.tap(x, y)
    await expect(page.locator("#entry-seq")).to_have_text(f"#{seq}")
    await expect(page.locator("#entry")).to_be_in_viewport(ratio=1)
    assert await page.evaluate(
        "[scrollY, document.querySelector('.journal-wrap').scrollTop]") == place
    await page.locator("#entry-close").tap()
    await expect(page.locator("#entry")).to_be_hidden()
    await expect(page.locator(f"#journal tr[data-seq='{seq}']")).to_be_in_viewport()


async def test_the_keyboard_moves_through_the_journal_and_opens_an_entry(
        hub, clients, browser):
    """The journal is one stop in the Tab order however many rows it has: the arrows move
    between rows, Enter opens one, Escape closes it and gives the focus back to its row."""
    page = await open_traffic(browser, hub_url(hub))
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    # Drawn before the events: Tab must still land on the newest row, the one on top.
    await expect(page.locator("#journal tbody tr[data-kind='connect']")).to_have_count(1)
    for number in range(3):
        await lamp.emit("reading", {"n": number})
    await expect(events_named(page, "reading")).to_have_count(3)
    rows = events_named(page, "reading")
    await page.locator("#tf-q").focus()
    await page.keyboard.press("Tab")
    await expect(journal(page).first).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(rows.nth(1)).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#entry-payload")).to_have_text('[\n  {\n    "n": 1\n  }\n]')
    await page.keyboard.press("Escape")
    await expect(page.locator("#entry")).to_be_hidden()
    await expect(rows.nth(1)).to_be_focused()

    await page.keyboard.press("Tab")  # out of the journal at once, not through its rows
    assert not await page.locator("#journal").evaluate(
        "table => table.contains(document.activeElement)")
    await page.keyboard.press("Shift+Tab")
    await expect(rows.nth(1)).to_be_focused()
    await page.keyboard.press("End")
    await page.keyboard.press(" ")
    await expect(page.locator("#entry")).to_be_visible()
    await page.locator("#entry-close").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#entry")).to_be_hidden()
    await expect(journal(page).last).to_be_focused()


async def test_hostile_strings_show_as_text_and_run_nothing(hub, clients, browser):
    dialogs: list[str] = []
    page = await open_traffic(browser, hub_url(hub), dialogs)
    event = "</script><script>alert(2)</script>"
    payload = {"html": HOSTILE, "close": "</pre><svg onload=alert(3)>"}
    client = await clients("js", hub_url(hub), "websocket", {"name": HOSTILE})
    await client.emit(event, payload)
    row = events_named(page, "alert(2)")
    await expect(row.locator("td[data-label='Event']")).to_have_text(event)
    await expect(row.locator("td[data-label='Client']")).to_have_text(HOSTILE)
    await row.click()
    await expect(page.locator("#entry-payload")).to_contain_text(payload["close"])
    await expect(page.locator("#entry-fields")).to_contain_text(HOSTILE)

    await page.locator("#views a[data-view='clients']").click()
    await page.locator(f"tr[data-sid='{client.sid}']").click()
    await expect(page.locator("#client-traffic")).to_contain_text(event)
    injected = page.locator("main img, main svg, main script, #details img, #details svg")
    assert await injected.count() == 0
    await page.wait_for_timeout(200)  # a script that did get in would have run by now
    assert dialogs == []


async def test_the_composer_reaches_clients_and_shows_the_ack(hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "websocket", {"name": "kitchen-lamp"})
    lamp.sio.on("blink", lambda *args: {"blinked": list(args)})  # type: ignore[attr-defined]
    tap = await clients("js", hub_url(hub), "websocket", {"name": "garden-tap"})
    page = await open_traffic(browser, hub_url(hub))

    await page.locator("#compose-target").focus()
    await page.locator("#compose-target").select_option(f"sid:{lamp.sid}")
    await page.locator("#compose-event").fill("blink")
    await page.locator("#compose-args").fill('{"times": 2}')
    await page.locator("#compose-ack").check()
    await page.locator("#compose-send").click()
    await expect(page.locator("#compose-status")).to_have_text("Sent to 1 client; ack:")
    await expect(page.locator("#compose-ack-value")).to_have_text(
        '[\n  {\n    "blinked": [\n      {\n        "times": 2\n      }\n    ]\n  }\n]')

    await page.locator("#compose-target").select_option("all:")
    await expect(page.locator("#compose-ack")).to_be_disabled()  # acks need one client
    await page.locator("#compose-event").fill("broken")
    await page.locator("#compose-args").fill('{"times": }')
    await expect(page.locator("#compose-args-error")).to_contain_text("Not valid JSON")
    await page.locator("#compose-send").click()
    await page.locator("#compose-event").fill("water")
    await page.locator("#compose-args").fill("[1, [2, 3]]")
    await expect(page.locator("#compose-args-error")).to_be_hidden()
    await page.locator("#compose-send").click()
    assert await tap.next_event("water") == [1, [2, 3]]
    await expect(page.locator("#compose-status")).to_have_text("Sent to 2 clients.")
    assert "broken" not in [name for name, _ in tap.received + lamp.received]

    await page.locator("#compose-target").select_option(f"sid:{lamp.sid}")
    await lamp.close()
    await wait_until(lambda: lamp.sid not in hub.manager, message="the hub saw it go")
    gone = page.locator("#compose-target option:checked")
    for _ in range(2):  # each refresh of the list keeps the name, marked gone once
        await page.locator("#compose-event").focus()
        await page.locator("#compose-target").focus()  # the list is refreshed
        await expect(gone).to_have_text(f"kitchen-lamp · {lamp.sid} (gone)")
    await page.locator("#compose-send").click()
    await expect(page.locator("#compose-status")).to_have_text(f"Error: unknown sid '{lamp.sid}'")


async def test_a_clients_details_show_its_traffic_and_act_on_it(hub, clients, browser):
    lamp = await clients("py", hub_url(hub), "polling", {"name": "kitchen-lamp"})
    await lamp.emit("reading", {"lux": 5})
    page = await open_dashboard(browser, hub_url(hub) + "/")
    await expect(page.locator("#live")).to_have_text("Live")
    await page.locator(f"tr[data-sid='{lamp.sid}']").click()
    actions = page.locator("#client-actions")
    await expect(actions.locator("#client-traffic")).to_contain_text(
        'reading refused: unknown event \'reading\' · [{"lux":5}]')

    await actions.locator("#client-room").fill("kitchen")
    await actions.locator("#client-join").click()
    await expect(actions.locator("#client-action-result")).to_have_text("Rooms: kitchen")
    await expect(page.locator(f"tr[data-sid='{lamp.sid}'] td[data-label='Rooms']")).to_have_text(
        "kitchen")
    await actions.locator("#client-leave").click()
    await expect(actions.locator("#client-action-result")).to_have_text("Rooms: none")

    await actions.locator("#client-send").click()
    await expect(page.locator("#traffic")).to_be_visible()
    await expect(page.locator("#compose-target")).to_have_value(f"sid:{lamp.sid}")
    await page.locator("#views a[data-view='clients']").click()
    await page.locator(f"tr[data-sid='{lamp.sid}']").click()
    await actions.locator("#client-disconnect").click()
    await expect(page.locator(f"tr[data-sid='{lamp.sid}']")).to_have_count(0)
    await wait_until(lamp.disconnected.is_set, message="the client is told")
    await expect(page.locator("#details")).to_be_hidden()


async def test_traffic_screenshot(hub, clients, browser):
    """A few devices talking, one entry open: the picture in the README."""
    url = hub_url(hub)
    lamp = await clients("py", url, "websocket", {"name": "kitchen-lamp"})
    sensor = await clients("js", url, "websocket", {"name": "garden-sensor"})
    for client in (lamp, sensor):
        await client.call("join", "garden")
    page = await open_traffic(browser, url, viewport={"width": 1280, "height": 820},
                              color_scheme="light")
    for level in (40, 55, 70):
        await sensor.emit("message", {"moisture": level, "probe": "bed-2"})
    await lamp.call("room_message", {"room": "garden", "data": {"lamp": "on"}})
    await lamp.call("set_state", {"on": True, "brightness": 0.8})
    await expect(events_named(page, "set_state")).to_have_count(1)
    await events_named(page, "message").first.click()
    await expect(page.locator("#entry")).to_be_visible()
    await expect(page.locator("#event-stats")).to_contain_text("set_state")
    if os.environ.get("SAVE_DASHBOARD_SCREENSHOT"):
        await page.screenshot(path=str(SCREENSHOT))
        if shutil.which("convert"):  # 256 colours: half the bytes, the same picture
            convert = await asyncio.create_subprocess_exec(
                "convert", SCREENSHOT, "-colors", "256", f"PNG8:{SCREENSHOT}")
            assert await convert.wait() == 0
