"""The dashboard's "Connect a device" section: the same client code as the window's, with
the hub's address filled in.

Self-contained: its own markup here, its own ``static/connect.js`` (the copy buttons,
shown only where script runs) and ``static/connect.css``.  It works without JavaScript:
each platform is a ``<details>`` whose code can be selected by hand.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..connect_snippets import TOKEN_PLACEHOLDER, Snippet, snippets

CONNECT_ASSETS = ('<link rel="stylesheet" href="/static/connect.css">\n'
                  '<script src="/static/connect.js" defer></script>\n')
"""The section's style and copy buttons, in the page's head like the other assets."""


def _snippet(snippet: Snippet) -> str:
    code_id = f"snippet-{snippet.key}"
    return (f'<details class="snippet" data-key="{snippet.key}">'
            f"<summary>{escape(snippet.title)}</summary>"
            f'<p class="install">Install: <code>{escape(snippet.install)}</code>'
            f' <button type="button" class="copy" data-copy="{code_id}" hidden>'
            f"Copy code</button></p>"
            f'<pre><code id="{code_id}" class="language-{snippet.language}">'
            f"{escape(snippet.code)}</code></pre></details>")


def render_connect_section(info: dict[str, Any]) -> str:
    """The section for a hub described by its ``/api/info`` document (``hub_info``)."""
    if not info["addresses"] or not info["port"]:
        return ""
    address, port = info["addresses"][0], info["port"]
    host = f"[{address}]" if ":" in address else address
    found = (f"Devices on the LAN also find it by mDNS as “{escape(info['name'])}” "
             "(<code>_socketio._tcp</code>)." if info["discovery"] else
             "It is not announced by mDNS: devices need the address.")
    token = (f" Replace <code>{TOKEN_PLACEHOLDER}</code> with the hub's "
             "<code>auth_token</code>." if info["auth_required"] else "")
    items = "".join(_snippet(s) for s in snippets(address, port, info["auth_required"]))
    return f"""<section class="panel connect" id="connect" aria-labelledby="connect-title">
<h2 id="connect-title">Connect a device</h2>
<p>Each example connects to <code>http://{escape(host)}:{port}</code>, joins the room
<code>kitchen</code> and sends a <code>message</code>. {found}{token}</p>
{items}
</section>"""
