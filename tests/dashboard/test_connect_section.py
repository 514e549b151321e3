"""The dashboard's "Connect a device" section: the window's client code, with the address
and port the hub really serves on, a placeholder where the token goes, and its own script
and style served under the page's Content-Security-Policy."""

from __future__ import annotations

from html import unescape

import httpx
from helpers.support import hub_url, running_hub

from server.connect_snippets import TOKEN_PLACEHOLDER, snippets
from server.runtime.runner import HubServer

TOKEN = "s3cret-device-token"


async def page(hub: HubServer) -> str:
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        response = await http.get("/")
    assert response.status_code == 200
    return response.text


async def test_the_section_holds_every_snippet_for_this_hub(hub: HubServer) -> None:
    text = await page(hub)
    assert '<section class="panel connect" id="connect"' in text
    assert hub.port is not None
    for snippet in snippets("127.0.0.1", hub.port, auth_required=False):
        assert f'id="snippet-{snippet.key}"' in text
        assert snippet.code in unescape(text), snippet.key
    assert TOKEN_PLACEHOLDER not in text
    assert "It is not announced by mDNS" in text  # discovery is off in the tests


async def test_with_a_token_the_snippets_hold_a_placeholder_never_the_token() -> None:
    async with running_hub(auth_token=TOKEN) as hub:
        text = await page(hub)
    assert TOKEN_PLACEHOLDER in text and TOKEN not in text


async def test_the_code_is_escaped_as_text(hub: HubServer) -> None:
    text = await page(hub)
    assert "#include &lt;WiFi.h&gt;" in text and "#include <WiFi.h>" not in text


async def test_its_script_and_style_are_served(hub: HubServer) -> None:
    async with httpx.AsyncClient(base_url=hub_url(hub)) as http:
        script = await http.get("/static/connect.js")
        style = await http.get("/static/connect.css")
    assert script.status_code == style.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript",
                                                      "application/javascript"))
    assert "button.copy" in script.text and style.headers["content-type"].startswith("text/css")
