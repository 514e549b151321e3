"""The dashboard's server-rendered HTML: complete without JavaScript, taken over by
``static/dashboard.js`` when it runs.

Every client-supplied string goes through ``escape`` (``_t``); there is no inline script
or style, so the Content-Security-Policy can forbid both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from .connect import CONNECT_ASSETS
from .status import HubStatus, format_duration
from .traffic_page import TRAFFIC_ASSETS, render_client_actions, render_tabs, render_traffic_section

NO_SCRIPT_REFRESH_SECONDS = 5
COLUMNS = ("Name", "SID", "Client IP", "Transport", "Connected since", "Rooms")
NODE_COLUMN = "Node"
"""Shown after the others when the hub is a cluster node."""
PRESSED = ' aria-pressed="true"'
DETAILS = (  # (label, key) in the details panel
    ("Name", "name"), ("SID", "sid"), ("Client IP", "client_ip"), ("Transport", "transport"),
    ("Connected since", "connected_at"), ("Rooms", "rooms"), ("User agent", "user_agent"),
    ("Messages sent", "messages_sent"), ("Messages received", "messages_received"),
    ("Last seen", "last_seen"),
)
TIMES = ("connected_at", "last_seen")


def _t(value: object) -> str:
    """Text for HTML: escaped, quotes included, so it is safe in attributes too."""
    return escape(str(value), quote=True)


def matches(connection: dict[str, Any], query: str, room: str = "", node: str = "") -> bool:
    """The filter, as in the JS and the window: ``room`` (a room chip) by exact membership,
    ``node`` (in a cluster) by the client's node, and ``query`` in the name, sid, IP,
    transport or a room, ignoring case."""
    if room and room not in connection["rooms"]:
        return False
    if node and connection.get("node") != node:
        return False
    query = query.strip().lower()
    if not query:
        return True
    fields = [connection["name"] or "", connection["sid"], connection["client_ip"],
              connection["transport"], *connection["rooms"]]
    return any(query in field.lower() for field in fields)


def _since(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return f'<time datetime="{_t(iso)}">{moment:%Y-%m-%d %H:%M:%S} UTC</time>'


def _row(c: dict[str, Any], hidden: bool, clustered: bool) -> str:
    name = _t(c["name"]) if c["name"] else "(no name)"
    unnamed = "" if c["name"] else ' class="unnamed"'
    cells = (
        f'<a href="?client={quote(c["sid"])}"{unnamed}>{name}</a>',
        f"<code>{_t(c['sid'])}</code>",
        _t(c["client_ip"]),
        _t(c["transport"]),
        _since(c["connected_at"]),
        _t(", ".join(c["rooms"])),
        *((_t(c.get("node") or ""),) if clustered else ()),
    )
    labels = (*COLUMNS, NODE_COLUMN) if clustered else COLUMNS
    tds = "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(labels, cells,
                                                                                 strict=True))
    return f'<tr data-sid="{_t(c["sid"])}"{" hidden" if hidden else ""}>{tds}</tr>'


def _rooms(rooms: list[list[Any]], chosen: str) -> str:
    """The room chips; the chosen one is pressed, and a click on it shows every room."""
    chips = []
    for room, members in rooms:
        pressed = room == chosen
        href = "?room=" + ("" if pressed else quote(room))
        chips.append(f'<li><a href="{href}" data-room="{_t(room)}"'
                     f'{PRESSED if pressed else ""}>{_t(room)}'
                     f' <span class="badge">{members}</span></a></li>')
    return "".join(chips)


def _cluster_controls(cluster: dict[str, Any] | None, node: str) -> tuple[str, str]:
    """The cluster's status line and the node filter; nothing on a hub that is no node."""
    if cluster is None:
        return "", ""
    names = list(dict.fromkeys([*cluster["nodes"], *([node] if node else [])]))
    options = "".join(f'<option value="{_t(name)}"{" selected" if name == node else ""}>'
                      f"{_t(name)}</option>" for name in names)
    return (f'<p id="cluster" class="cluster-status">{_t(cluster["status"])}</p>',
            f'<select id="node" name="node" aria-label="Show the clients of one node">'
            f'<option value="">All nodes</option>{options}</select>')


def _details(c: dict[str, Any] | None, traffic: bool, clustered: bool) -> str:
    items = []
    for label, key in (*DETAILS, (NODE_COLUMN, "node")) if clustered else DETAILS:
        value = c.get(key) if c else ""
        if key == "rooms":
            value = ", ".join(value) if value else ""
        shown = _since(value) if key in TIMES and value else _t("-" if value in ("", None)
                                                                else value)
        items.append(f'<dt>{label}</dt><dd data-key="{key}">{shown}</dd>')
    return (f'<aside id="details" class="details"{"" if c else " hidden"} aria-label="Client">'
            f'<header><h2>Client details</h2><a href="?" id="close-details">Close</a></header>'
            f'<dl>{"".join(items)}</dl>{render_client_actions() if traffic else ""}</aside>')


def _page(title: str, body: str, head_extra: str = "") -> str:
    """A whole document around ``body``; ``title`` must already be escaped."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
{head_extra}<title>{title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/dashboard.css">
</head>
<body>
{body}
</body>
</html>
"""


def render_dashboard(status: HubStatus, query: str = "", client: str | None = None,
                     room: str = "", sections: str = "", traffic: bool = True,
                     node: str = "") -> str:
    """The whole page as of now, filtered by ``query``, ``room`` and ``node``, with
    ``client``'s details open; ``sections`` (HTML) follow the clients'.  ``traffic``: the
    traffic view and the client actions, which need the inspector's API.  In a cluster
    the table has a Node column, and a node filter and the cluster's status show."""
    snapshot = status.snapshot()
    summary = snapshot["summary"]
    connections = snapshot["connections"]
    cluster = summary.get("cluster")
    clustered = cluster is not None
    rows = "\n".join(_row(c, not matches(c, query, room, node), clustered)
                     for c in connections)
    shown = sum(matches(c, query, room, node) for c in connections)
    selected = next((c for c in connections if c["sid"] == client), None)
    columns = (*COLUMNS, NODE_COLUMN) if clustered else COLUMNS
    header = "".join(f"<th scope=\"col\">{title}</th>" for title in columns)
    cluster_status, node_filter = _cluster_controls(cluster, node)
    now = datetime.now(UTC)
    head = (f'<noscript><meta http-equiv="refresh" content="{NO_SCRIPT_REFRESH_SECONDS}">'
            '</noscript>\n<script src="/static/dashboard.js" defer></script>\n'
            + (CONNECT_ASSETS if sections else "") + (TRAFFIC_ASSETS if traffic else ""))
    return _page(f"socketio-tray · {summary['count']} connected", f"""<header class="top">
<h1>socketio-tray <span class="muted">hub</span></h1>
<p class="state"><span id="live" class="pill">Snapshot {now:%H:%M:%S} UTC</span>
<a id="refresh" href="">Refresh</a></p>
{cluster_status}
</header>
<main>
{render_tabs() if traffic else ""}
<section class="cards" aria-label="Summary">
<div class="card"><span class="label">Clients</span>
<strong id="count">{summary["count"]}</strong></div>
<div class="card"><span class="label">Messages / s</span>
<strong id="rate">{summary["relays_per_second"]:.1f}</strong>
<span class="sub"><span id="total">{summary["relays_total"]}</span> relayed</span></div>
<div class="card"><span class="label">Uptime</span>
<strong id="uptime">{format_duration(summary["uptime_seconds"])}</strong></div>
<div class="card"><span class="label">Version</span>
<strong id="version">{_t(summary["version"])}</strong></div>
</section>
<section class="panel" aria-labelledby="rooms-title">
<h2 id="rooms-title">Rooms</h2>
<ul id="rooms" class="rooms">{_rooms(snapshot["rooms"], room)}</ul>
<p id="no-rooms" class="muted"{" hidden" if snapshot["rooms"] else ""}>No rooms yet.</p>
</section>
<section class="panel" aria-labelledby="clients-title">
<div class="toolbar">
<h2 id="clients-title">Clients</h2>
<form id="filter-form" method="get" action="" role="search">
<input id="filter" name="q" type="search" value="{_t(query)}"
 placeholder="Filter by name, sid, address, transport or room" aria-label="Filter clients">
<input id="room" name="room" type="hidden" value="{_t(room)}">
{node_filter}
<button id="filter-button" type="submit">Filter</button>
</form>
</div>
<div class="table-wrap">
<table id="connections">
<thead><tr>{header}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
<p id="empty" class="muted"{" hidden" if connections else ""}>No clients connected.</p>
<p id="no-match" class="muted"{"" if connections and not shown else " hidden"}>
No client matches the filter.</p>
</section>
{render_traffic_section() if traffic else ""}
{sections}
{_details(selected, traffic, clustered)}
</main>""", head)


def render_denied(status: int, title: str, explanation: str) -> str:
    """The page for a refused request: what happened and how to get in."""
    return _page(f"{status} {_t(title)} · socketio-tray", f"""<main class="denied">
<h1>{_t(title)}</h1>
<p>{explanation}</p>
</main>""")
