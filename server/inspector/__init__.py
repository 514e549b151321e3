"""The traffic inspector's core: a bounded journal of what the hub's clients and the hub said
and did, with its queries and live subscriptions.  Qt-free and I/O-free: the hub records
into one ``Journal`` per hub (``Journal.from_settings(settings)``); the JSON API and the
desktop window read from it.  Everything runs on the hub's event loop (no lock).

Recording (the namespace and the wire layer), each call one entry, a no-op when disabled:

- ``record_event_in(sid, event, args, *, ack, client, ip, namespace)``: every event a client
  sends, handled or not (``args`` as python-socketio delivers them, ``bytes`` included);
- ``record_event_out(event, args, *, recipients, sid | room | (neither: all), skip_sid,
  ack, namespace)``: one entry per emit, with its recipient count, never one per recipient;
- ``record_connect(sid, *, client, ip, transport, namespace)``: takes no auth object;
- ``record_refused(reason, *, ip, ...)`` for a connect the hub refused, and
  ``record_refusal_once(ip, reason, ...)`` for a request refused before any session
  exists: None when the same address had the same reason within a few seconds, and then
  the caller skips its INFO log line too;
- ``record_disconnect(sid, reason, ...)``, ``record_dropped(sid, reason, ...)``,
  ``record_join(sid, room, ...)``, ``record_leave(sid, room, ...)``.

Each returns the new ``Entry`` (None when disabled).  The hub's hot path
(``server.inspector.recorder``) calls ``add_event`` instead, which takes an event entry's
fields in order and returns nothing, so no entry is built.

Reading (the Starlette API and the window):

- ``GET /api/events``: ``after, limit = page_params(request.query_params)``,
  ``wanted = Filter.from_params(request.query_params)`` (both raise ``QueryError``, a 400),
  then ``journal.page(after, limit, wanted).to_json()``, or with ``before =
  before_param(...)`` ``journal.page_before(before, limit, wanted)``;
- ``GET /api/events/export``: ``entry.to_json() + b"\\n"`` for each entry of
  ``journal.export(wanted)``, yielded from an async generator (so that it runs on the loop);
- ``GET /api/events/feed``: ``async with journal.feed(wanted) as feed: async for item in
  feed``, each item's ``json_fields()`` as one SSE message (``Skipped`` gives
  ``{"skipped": n}``); a pending ``anext(feed)`` may be cancelled without losing anything,
  so ``asyncio.wait_for(anext(feed), 15)`` makes a keep-alive tick;
- the desktop window: ``unsubscribe = journal.subscribe(listener, wanted)``;
- counts and rates per event name: ``journal.event_counts()``.
"""

from .entry import Entry, Kind, Target
from .journal import Journal
from .query import MATCH_ALL, Filter, Page, QueryError, before_param, page_params
from .subscription import Feed, Skipped

__all__ = ["MATCH_ALL", "Entry", "Feed", "Filter", "Journal", "Kind", "Page", "QueryError",
           "Skipped", "Target", "before_param", "page_params"]
