"""The dashboard's Traffic view and composer: static markup that ``static/traffic.js``
fills from the inspector's JSON API (``/api/events``, its feed, ``/api/emit``).

Nothing client-supplied is rendered here: the journal is only ever shown by the script,
through ``textContent``.  Without JavaScript the view says where the JSON API is.
"""

from __future__ import annotations

from ..inspector import Kind

TRAFFIC_ASSETS = ('<link rel="stylesheet" href="/static/traffic.css">\n'
                  '<script type="module" src="/static/traffic.js"></script>\n')
"""The view's style and script, for the page's ``<head>`` (a module script is deferred)."""

def render_tabs() -> str:
    """Clients | Traffic: shown by the script (without it both views are on the page)."""
    return ('<nav id="views" class="tabs" aria-label="Views" hidden>'
            '<a href="#clients" data-view="clients" aria-current="page">Clients</a>'
            '<a href="#traffic" data-view="traffic">Traffic</a></nav>')


def _filters() -> str:
    kinds = "".join(f'<option value="{kind}">{kind}</option>' for kind in Kind)
    return f"""<form id="traffic-filters" class="filters" aria-label="Traffic filters">
<label>Client <select id="tf-sid" name="sid"><option value="">any client</option></select></label>
<label>Room <input id="tf-room" name="room" list="known-rooms" autocomplete="off"></label>
<label>Event <input id="tf-event" name="event" list="known-events" autocomplete="off"></label>
<label>Kind <select id="tf-kind" name="kind"><option value="">any kind</option>{kinds}</select>
</label>
<label>Text <input id="tf-q" name="q" type="search" placeholder="name, event, payload"></label>
</form>
<datalist id="known-rooms"></datalist><datalist id="known-events"></datalist>"""


def _composer() -> str:
    return """<details id="composer" class="panel composer" open>
<summary><h2>Send an event</h2></summary>
<form id="compose-form" novalidate>
<label>To <select id="compose-target" required><option value="all:">everyone</option>
</select></label>
<label>Event <input id="compose-event" required autocomplete="off" placeholder="event name">
</label>
<label class="wide">Arguments (JSON)
<textarea id="compose-args" rows="3" spellcheck="false" placeholder='{"on": true}'></textarea>
</label>
<p class="hint wide">A JSON array is sent as the event's arguments, one per element; any
other JSON value is sent as its single argument (so <code>[[1, 2]]</code> sends one array).
Empty sends no arguments.</p>
<p id="compose-args-error" class="error wide" role="alert" hidden></p>
<label class="check"><input id="compose-ack" type="checkbox"> Wait for ack</label>
<label>Timeout (s) <input id="compose-timeout" type="number" min="0.1" max="60" step="any"
 value="5"></label>
<button id="compose-send" type="submit">Send</button>
</form>
<div id="compose-result" class="result" aria-live="polite" hidden>
<p id="compose-status"></p><pre id="compose-ack-value" hidden></pre></div>
</details>"""


def render_traffic_section() -> str:
    """The Traffic view: the live journal with its filters; beside it the composer, the
    selected entry's payload and the counts per event name."""
    return f"""<section id="traffic" class="traffic" aria-labelledby="traffic-title">
<p class="needs-js panel">The Traffic view needs JavaScript. The journal is also at
<a href="/api/events">/api/events</a> (JSON) and
<a href="/api/events/export">/api/events/export</a> (JSON Lines).</p>
<div class="panel journal-panel">
<div class="toolbar">
<h2 id="traffic-title">Traffic</h2>
<p class="controls"><span id="traffic-state" class="pill">Connecting…</span>
<button id="traffic-pause" type="button" aria-pressed="false">Pause</button>
<button id="traffic-clear" type="button">Clear</button>
<a id="traffic-export" class="button" href="/api/events/export" download
 title="The journal's entries matching the filters, as JSON Lines">Export</a></p>
</div>
{_filters()}
<p id="traffic-skipped" class="notice" role="status" hidden></p>
<div class="table-wrap journal-wrap">
<table id="journal" aria-describedby="journal-keys">
<thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Client</th>
<th scope="col">Event</th><th scope="col">Details</th></tr></thead>
<tbody></tbody>
</table>
</div>
<p id="journal-keys" hidden>Up and down arrows move between entries, Enter opens one and
Escape closes it.</p>
<p id="journal-empty" class="muted">No traffic yet.</p>
</div>
<div class="traffic-side">
<aside id="entry" class="panel entry" aria-label="Entry" hidden>
<header><h2>Entry <span id="entry-seq" class="muted"></span></h2>
<button id="entry-close" type="button">Close</button></header>
<dl id="entry-fields"></dl>
<pre id="entry-payload"></pre>
</aside>
{_composer()}
<div class="panel">
<h2>Events by name</h2>
<div class="table-wrap"><table id="event-stats">
<thead><tr><th scope="col">Event</th><th scope="col">In</th><th scope="col">In / s</th>
<th scope="col">Out</th><th scope="col">Out / s</th></tr></thead><tbody></tbody></table></div>
<p id="stats-empty" class="muted">No events yet.</p>
</div>
</div>
</section>"""


def render_client_actions() -> str:
    """The details pane's part: the client's recent traffic and what to do to it."""
    return """<section id="client-actions" class="client-actions" hidden>
<h3>Actions</h3>
<p class="buttons"><button id="client-send" type="button">Send an event…</button>
<button id="client-disconnect" type="button" class="danger">Disconnect</button></p>
<form id="client-room-form" class="room-form">
<input id="client-room" placeholder="room" aria-label="Room" autocomplete="off" required>
<button id="client-join" type="submit" value="join">Join</button>
<button id="client-leave" type="submit" value="leave">Leave</button>
</form>
<p id="client-action-result" role="status" hidden></p>
<h3>Recent traffic</h3>
<ol id="client-traffic" class="client-traffic"></ol>
<p id="client-traffic-empty" class="muted">No traffic recorded.</p>
</section>"""
