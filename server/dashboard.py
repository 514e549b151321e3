"""The browser dashboard and the JSON API: every HTTP path that is not Socket.IO."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from . import __version__
from .connections import ConnectionManager, manager

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REFRESH_SECONDS = 2
COLUMNS = ("Name", "SID", "Client IP", "Transport", "Connected since", "Rooms")


def get_connections_json(connections: ConnectionManager = manager) -> dict[str, Any]:
    """The ``/api/connections`` document."""
    items = [c.to_dict() for c in connections.all()]
    return {"count": len(items), "connections": items}


def _row(connection: dict[str, Any]) -> str:
    cells = (
        connection["name"] or "",
        connection["sid"],
        connection["client_ip"],
        connection["transport"],
        connection["connected_at"],
        ", ".join(connection["rooms"]),
    )
    return "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>"


def get_dashboard_html(connections: ConnectionManager = manager) -> str:
    """The dashboard page; every client-supplied string in it is escaped."""
    document = get_connections_json(connections)
    rows = "\n".join(_row(c) for c in document["connections"]) or (
        f'<tr><td colspan="{len(COLUMNS)}">No clients connected.</td></tr>'
    )
    header = "".join(f"<th>{escape(title)}</th>" for title in COLUMNS)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>socketio-tray: {document["count"]} connected</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color-scheme: light dark; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #8884; }}
td {{ overflow-wrap: anywhere; }}
</style>
</head>
<body>
<h1>socketio-tray</h1>
<p><strong id="count">{document["count"]}</strong> clients connected.
Version {escape(__version__)}, generated {generated}.</p>
<table id="connections">
<thead><tr>{header}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
        ],
    })
    await send({"type": "http.response.body", "body": body})


def create_dashboard_app(connections: ConnectionManager = manager) -> ASGIApp:
    """An ASGI app serving the dashboard and JSON API for ``connections``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # A websocket to a path that is not Socket.IO: refuse the handshake.
            await send({"type": "websocket.close", "code": 1008})
            return
        path = scope.get("path", "")
        if path in ("/", "/dashboard"):
            body = get_dashboard_html(connections).encode()
            await _respond(send, 200, body, "text/html; charset=utf-8")
        elif path == "/api/connections":
            body = json.dumps(get_connections_json(connections)).encode()
            await _respond(send, 200, body, "application/json")
        else:
            await _respond(send, 404, b"Not found\n", "text/plain; charset=utf-8")

    return app


dashboard_app = create_dashboard_app()
"""The dashboard over the process-wide ``manager``."""
