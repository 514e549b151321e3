"""Debian's headless Chromium driven by Playwright, for the dashboard's browser tests.

Playwright's own browser download cannot work here, so it is pointed at
``/usr/bin/chromium`` (installed by scripts/bootstrap.sh).  The browser runs on the test's
event loop, next to the hub, and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from .support import HANG_GUARD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

needs_chromium = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Debian's chromium")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    # A page assertion's deadline is a hang guard, as ``wait_until``'s: Playwright's own
    # default (5 s) is within what a loaded machine can take to show a change.
    expect.set_options(timeout=HANG_GUARD * 1000)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def open_dashboard(browser: Browser, url: str, dialogs: list[str] | None = None,
                         **context_options: Any) -> Page:
    """A page on the dashboard in a fresh context; any dialog (alert) opened is recorded."""
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    if dialogs is not None:
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(url)
    return page
