"""The journal: what the hub's clients and the hub said and did, bounded in entries and bytes.

The hub calls ``record_*`` on the event loop (the journal has no lock); each call appends
one entry with the next ``seq`` and evicts the oldest entries while the journal holds more
than ``max_entries`` or more than ``max_bytes`` (each entry counts its payload's JSON text,
its texts and a fixed overhead).  Recording does one ``orjson.dumps`` of the arguments, no
work per recipient and no formatting, and builds an ``Entry`` only for a reader (a
listener, or the caller of ``record_*``: the hub's own ``add_event*`` return nothing);
with ``enabled`` off it returns at once, and with ``payloads`` off it keeps metadata only.

Readers: ``page``, ``page_before`` and ``export`` (``GET /api/events`` and
``/api/events/export``),
``feed`` (``/api/events/feed``), ``subscribe`` (a listener called with each new entry),
``wake_on_next`` (a reader that pulls new entries in batches: the desktop window),
``event_counts``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..config import Settings
from .entry import (
    COST_FIELD,
    ENTRY_OVERHEAD,
    EVENT_IN,
    EVENT_OUT,
    SEQ_FIELD,
    TEXT_LIMIT,
    TIME_FIELD,
    TO_ALL,
    TO_ROOM,
    TO_SID,
    Entry,
    Kind,
    Row,
    render_payload,
)
from .query import DEFAULT_LIMIT, MATCH_ALL, MAX_LIMIT, Filter, Page, select, select_newest
from .refusals import RecentRefusals
from .ring import WeightedRing
from .stats import EventStats
from .subscription import DEFAULT_FEED_CAPACITY, Feed, Listener, Listeners, Unsubscribe

logger = logging.getLogger(__name__)

ArgsType = Any  # the event's arguments as python-socketio delivers them: a list or tuple


def _cut(text: str | None) -> str | None:
    return text[:TEXT_LIMIT] if text is not None else None


class Journal:
    """One hub's bounded journal of entries, oldest first."""

    def __init__(self, *, max_entries: int = 10_000, max_bytes: int = 16 * 1024 * 1024,
                 max_payload: int = 4096, payloads: bool = True, enabled: bool = True,
                 clock: Callable[[], float] = time.time,
                 refusals: RecentRefusals | None = None) -> None:
        largest_entry = ENTRY_OVERHEAD + max_payload + 4 * TEXT_LIMIT
        if max_entries < 1 or max_bytes < largest_entry:
            raise ValueError(f"a journal must hold at least one entry of {largest_entry} bytes")
        self.enabled = enabled
        self.payloads = payloads
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_payload = max_payload
        self.refusals = refusals if refusals is not None else RecentRefusals()
        self.stats = EventStats()
        self.evicted = 0
        self._clock = clock
        self._last_seq = 0
        self._rows = WeightedRing(max_entries, max_bytes, COST_FIELD)
        self._listeners = Listeners()
        self._wakers: list[Callable[[], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Journal:
        return cls(max_entries=settings.inspector_size, max_bytes=settings.inspector_bytes,
                   max_payload=settings.inspector_max_payload,
                   payloads=settings.inspector_payloads, enabled=settings.inspector,
                   clock=clock)

    # -- state -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def stored_bytes(self) -> int:
        """What the entries held count against ``max_bytes``."""
        return self._rows.weight

    @property
    def last_seq(self) -> int:
        """The newest entry's seq (0 before the first)."""
        return self._last_seq

    @property
    def oldest_seq(self) -> int:
        """The oldest entry still held (``last_seq + 1`` when empty)."""
        return self._rows.oldest(SEQ_FIELD) if len(self._rows) else self._last_seq + 1

    @property
    def listener_count(self) -> int:
        """Listeners and feeds subscribed now (the API may cap how many feeds it serves)."""
        return len(self._listeners.registered)

    # -- recording: events -----------------------------------------------------------

    def record_event_in(self, sid: str, event: str, args: ArgsType, *, ack: bool = False,
                        client: str | None = None, ip: str | None = None,
                        namespace: str = "/", refused: str | None = None) -> Entry | None:
        """A client sent ``event`` with ``args`` (``ack``: it asked for an acknowledgement);
        ``refused``: why the hub refused it (unknown, or the wrong number of arguments),
        kept as the entry's ``reason``."""
        if not self.enabled:
            return None
        self.add_event(EVENT_IN, event, args, namespace, ack, sid, client, ip,
                       None, None, None, None, refused)
        return self._newest()

    def record_event_out(self, event: str, args: ArgsType, *, recipients: int,
                         sid: str | None = None, room: str | None = None,
                         skip_sid: str | None = None, ack: bool = False,
                         namespace: str = "/") -> Entry | None:
        """The hub emitted ``event`` once to ``recipients`` clients: to ``sid`` alone, to
        ``room``, or to everyone; ``skip_sid`` is the sender a relay leaves out."""
        if not self.enabled:
            return None
        target = TO_SID if sid is not None else TO_ROOM if room is not None else TO_ALL
        self.add_event(EVENT_OUT, event, args, namespace, ack, sid, None, None, room,
                       recipients, target, skip_sid, None)
        return self._newest()

    # The hub's hot path (``TrafficRecorder``): the same records with positional
    # arguments, and no entry built for a caller that does not read it.

    def add_event(self, kind: str, event: str, args: ArgsType, namespace: str, ack: bool,
                  sid: str | None, client: str | None, ip: str | None, room: str | None,
                  recipients: int | None, target: str | None,
                  skip_sid: str | None, reason: str | None) -> None:
        """An event entry from its fields in ``Entry``'s order (``kind``: ``Kind.EVENT_IN`` or
        ``EVENT_OUT``, and ``target``, as their enums' values; texts are cut here), returning
        nothing."""
        if not self.enabled:
            return
        # One clock read, one serialization, one tuple kept in the ring, one count.
        if len(event) > TEXT_LIMIT:
            event = event[:TEXT_LIMIT]
        cost = ENTRY_OVERHEAD + len(event)
        if self.payloads:
            payload, truncated, size = render_payload(args, self.max_payload)
            cost += self.max_payload if truncated else size
        else:
            payload, truncated, size = None, False, 0
        if room:
            room = room[:TEXT_LIMIT]
            cost += len(room)
        if reason:
            reason = reason[:TEXT_LIMIT]
            cost += len(reason)
        # A bare tuple with Entry's fields in order (a Row; tests/inspector/
        # test_journal_entries.py checks the order).
        seq = self._last_seq + 1
        row = (seq, int(self._clock() * 1000), kind, sid, client, ip, namespace, event, room,
               recipients, payload, ack, reason, target, skip_sid, None, truncated, size, cost)
        self._last_seq = seq
        self.evicted += self._rows.push(row)
        self.stats.count(event, kind == EVENT_IN)
        if self._listeners.registered or self._wakers:
            self._tell_readers(row)

    # -- recording: sessions ---------------------------------------------------------

    def record_connect(self, sid: str, *, client: str | None, ip: str | None,
                       transport: str, namespace: str = "/") -> Entry | None:
        """A client connected.  Deliberately takes no auth object: tokens are never kept."""
        return self._session(Kind.CONNECT, sid, client=client, ip=ip, namespace=namespace,
                             transport=transport)

    def record_refused(self, reason: str, *, ip: str | None, sid: str | None = None,
                       client: str | None = None,
                       namespace: str | None = None) -> Entry | None:
        """A connect or request refused, with the reason the client was given."""
        return self._session(Kind.REFUSED, sid, client=client, ip=ip, namespace=namespace,
                             reason=reason)

    def record_refusal_once(self, ip: str, reason: str, *, sid: str | None = None,
                            client: str | None = None,
                            namespace: str | None = None) -> Entry | None:
        """``record_refused``, unless this address got this reason within the last few
        seconds (``refusals.window``): None then, and the caller should not log it either."""
        if not self.enabled or not self.refusals.first_in_window(ip, reason, self._clock()):
            return None
        return self.record_refused(reason, ip=ip, sid=sid, client=client, namespace=namespace)

    def record_disconnect(self, sid: str, reason: str, *, client: str | None = None,
                          ip: str | None = None, namespace: str = "/") -> Entry | None:
        return self._session(Kind.DISCONNECT, sid, client=client, ip=ip, namespace=namespace,
                             reason=reason)

    def record_dropped(self, sid: str | None, reason: str, *, client: str | None = None,
                       ip: str | None = None, namespace: str | None = None) -> Entry | None:
        """A session dropped for malformed input, with why."""
        return self._session(Kind.DROPPED, sid, client=client, ip=ip, namespace=namespace,
                             reason=reason)

    def record_join(self, sid: str, room: str, *, client: str | None = None,
                    ip: str | None = None, namespace: str = "/") -> Entry | None:
        return self._session(Kind.JOIN, sid, client=client, ip=ip, namespace=namespace,
                             room=room)

    def record_leave(self, sid: str, room: str, *, client: str | None = None,
                     ip: str | None = None, namespace: str = "/") -> Entry | None:
        return self._session(Kind.LEAVE, sid, client=client, ip=ip, namespace=namespace,
                             room=room)

    def _session(self, kind: Kind, sid: str | None, *, client: str | None, ip: str | None,
                 namespace: str | None, reason: str | None = None, room: str | None = None,
                 transport: str | None = None) -> Entry | None:
        if not self.enabled:
            return None
        client, namespace, room, reason = _cut(client), _cut(namespace), _cut(room), _cut(reason)
        texts = (client, namespace, room, reason)
        entry = Entry(self._last_seq + 1, int(self._clock() * 1000), kind.value, sid=sid,
                      client=client, ip=ip, namespace=namespace, room=room, reason=reason,
                      transport=transport,
                      cost=ENTRY_OVERHEAD + sum(len(text) for text in texts if text))
        row = tuple(entry)  # a plain tuple: the collector soon stops tracking it
        self._last_seq = entry.seq
        self.evicted += self._rows.push(row)
        self._tell_readers(row)
        return entry

    def _tell_readers(self, row: Row) -> None:
        """Listeners get the new entry; batch readers waiting for one, a wake-up."""
        if self._listeners.registered:
            self._listeners.notify(Entry.of(row))
        if self._wakers:
            wakers, self._wakers = self._wakers, []
            for wake in wakers:
                try:
                    wake()
                except Exception:  # a reader's failure must not fail the hub's recording
                    logger.exception("journal waker %r failed", wake)

    def _newest(self) -> Entry:
        return Entry.of(self._rows.newest())

    # -- reading ---------------------------------------------------------------------

    def page(self, after: int = 0, limit: int = DEFAULT_LIMIT,
             wanted: Filter = MATCH_ALL) -> Page:
        """Up to ``limit`` (at most 1000) entries past seq ``after`` matching ``wanted``,
        oldest first.  With nothing past ``after``, ``last_seq`` is ``after`` (or the
        journal's newest seq, if a client asks past it, e.g. after the hub restarted)."""
        limit = max(1, min(limit, MAX_LIMIT))
        start = max(0, after + 1 - self.oldest_seq)
        events, last_examined, more = select(map(Entry.of, self._rows.records(start)),
                                             after, limit, wanted)
        last_seq = last_examined if last_examined is not None else min(after, self._last_seq)
        return Page(events, last_seq, self.oldest_seq, self.evicted, more)

    def page_before(self, before: int, limit: int = DEFAULT_LIMIT,
                    wanted: Filter = MATCH_ALL) -> Page:
        """The newest ``limit`` (at most 1000) entries older than seq ``before`` matching
        ``wanted``, oldest first: walked from the newest end, so a filter finds its
        matches however far back they are (see ``Page`` for ``last_seq`` and ``more``)."""
        limit = max(1, min(limit, MAX_LIMIT))
        newer = max(0, self._last_seq - before + 1)  # the entries not older than ``before``
        events, more = select_newest(map(Entry.of, self._rows.newest_first(newer)), limit,
                                     wanted)
        last_seq = min(before - 1, self._last_seq)
        return Page(events, last_seq, self.oldest_seq, self.evicted, more)

    def export(self, wanted: Filter = MATCH_ALL) -> Iterator[Entry]:
        """Every matching entry held when the export starts, oldest first, taken a page at a
        time so that recording may go on between pages (those evicted meanwhile are left
        out).  Iterate it on the event loop, as the hub records there."""
        until, after = self._last_seq, 0
        while after < until:
            page = self.page(after, MAX_LIMIT, wanted)
            for entry in page.events:
                if entry.seq > until:
                    return
                yield entry
            if not page.more:
                return
            after = page.last_seq

    def entries_after(self, after: int) -> list[Entry]:
        """Every entry past seq ``after``, oldest first, in one step: for a reader that
        takes them all (the desktop's batches), where ``export`` pages and filters."""
        make = tuple.__new__
        return [make(Entry, record)
                for record in self._rows.records(max(0, after + 1 - self.oldest_seq))]

    def subscribe(self, listener: Listener, wanted: Filter = MATCH_ALL) -> Unsubscribe:
        """Call ``listener(entry)`` for each new entry matching ``wanted``, on the event loop,
        as it is recorded; returns the function that unsubscribes it."""
        return self._listeners.subscribe(listener, wanted)

    def wake_on_next(self, wake: Callable[[], None]) -> None:
        """Call ``wake()`` once, when the next entry is recorded.  A reader that takes new
        entries in batches (``entries_after``) waits so: recording pays nothing per entry
        for it, not even building an ``Entry``."""
        self._wakers.append(wake)

    def feed(self, wanted: Filter = MATCH_ALL, capacity: int = DEFAULT_FEED_CAPACITY) -> Feed:
        """New entries matching ``wanted`` as an async iterator (see ``Feed``)."""
        return Feed(self._listeners.subscribe, wanted, capacity)

    def event_counts(self) -> list[dict[str, Any]]:
        """Counts and rates per event name, in and out (see ``EventStats.snapshot``)."""
        held_since = self._rows.oldest(TIME_FIELD) if self.evicted and len(self._rows) else 0
        return self.stats.snapshot(map(Entry.of, self._rows.newest_first()),
                                   int(self._clock() * 1000), held_since)
