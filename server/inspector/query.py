"""Which entries a reader wants, and one page of them.

The same ``Filter`` serves ``GET /api/events``, its export and its live feed.  It is built
from the request's query string by ``Filter.from_params``; ``page_params`` reads ``after``
and ``limit``, ``before_param`` reads ``before``.  A bad value raises ``QueryError`` with a
message fit for a 400 answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .entry import Entry, Kind

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


class QueryError(ValueError):
    """A filter or paging parameter is invalid; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Filter:
    """Entries matching every given criterion; an empty filter matches all.

    ``sid`` matches the client an entry is about, including the sender a relay skipped;
    ``q`` matches, case-insensitively, the client's name, the event name and the payload's
    JSON text (a quote or a backslash in ``q`` also matches its escaped form in the JSON).
    """

    sid: str | None = None
    room: str | None = None
    event: str | None = None
    kind: Kind | None = None
    q: str | None = None
    _needles: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        needles: tuple[str, ...] = ()
        if self.q:
            folded = self.q.casefold()
            escaped = orjson.dumps(folded).decode()[1:-1]
            needles = (folded,) if escaped == folded else (folded, escaped)
        object.__setattr__(self, "_needles", needles)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Filter:
        """The filter in a query string (``sid``, ``room``, ``event``, ``kind``, ``q``);
        empty values are ignored."""
        values = {name: params.get(name) or None for name in ("sid", "room", "event", "q")}
        kind = params.get("kind") or None
        try:
            return cls(kind=Kind(kind) if kind else None, **values)
        except ValueError:
            known = ", ".join(Kind)
            raise QueryError(f"kind must be one of {known} (got {kind!r:.40})") from None

    def matches(self, entry: Entry) -> bool:
        if self.kind == Kind.REFUSED:  # refusals are of two kinds: see Entry.refused
            if not entry.refused:
                return False
        elif self.kind is not None and entry.kind != self.kind:
            return False
        if self.sid is not None and self.sid not in (entry.sid, entry.skip_sid):
            return False
        if self.room is not None and entry.room != self.room:
            return False
        if self.event is not None and entry.event != self.event:
            return False
        return not self._needles or self._matches_text(entry)

    def _matches_text(self, entry: Entry) -> bool:
        haystacks = (entry.client or "", entry.event or "", entry.payload or "")
        return any(needle in text.casefold() for text in haystacks for needle in self._needles)


MATCH_ALL = Filter()


def page_params(params: Mapping[str, str]) -> tuple[int, int]:
    """``after`` (default 0: from the oldest) and ``limit`` (default 200, at most 1000)."""
    return (_integer(params, "after", 0, minimum=0),
            min(_integer(params, "limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT))


def before_param(params: Mapping[str, str]) -> int | None:
    """``before`` (None when not given): the page is then the newest entries older than it.
    It pages backward, ``after`` forward, so a request gives one or the other."""
    if not params.get("before"):
        return None
    if params.get("after"):
        raise QueryError("give after or before, not both")
    return _integer(params, "before", 0, minimum=1)


def _integer(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    text = params.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name} must be an integer (got {text[:40]!r})") from None
    if value < minimum:
        raise QueryError(f"{name} must be at least {minimum} (got {value})")
    return value


@dataclass(frozen=True, slots=True)
class Page:
    """One page of ``GET /api/events``.

    ``last_seq`` is where the next page starts (pass it as ``after``): the last entry
    returned when the page was cut by its limit, otherwise the newest entry examined, so a
    client polling with it never sees an entry twice.  Entries with a seq between the
    ``after`` asked for and ``oldest_seq`` were evicted before they were read.

    A page asked ``before`` a seq holds the newest matching entries older than it, still
    oldest first; ``more`` says that older ones may match too (the next page back is
    ``before`` its first entry), and ``last_seq`` is the newest seq below ``before``, where
    a reader following new entries goes on with ``after``.
    """

    events: list[Entry]
    last_seq: int
    oldest_seq: int
    evicted: int
    more: bool

    def json_fields(self) -> dict[str, Any]:
        return {
            "events": [entry.json_fields() for entry in self.events],
            "last_seq": self.last_seq, "oldest_seq": self.oldest_seq,
            "evicted": self.evicted, "more": self.more,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.json_fields())


def select(entries: Iterable[Entry], after: int, limit: int, wanted: Filter) -> tuple[
        list[Entry], int | None, bool]:
    """Up to ``limit`` entries of ``entries`` (in seq order) with a seq past ``after``
    matching ``wanted``: ``(entries, seq of the last one examined, whether more follow)``."""
    found: list[Entry] = []
    last_examined = None
    for entry in entries:
        if entry.seq <= after:
            continue
        if len(found) == limit:
            return found, found[-1].seq, True
        last_examined = entry.seq
        if wanted.matches(entry):
            found.append(entry)
    return found, last_examined, False


def select_newest(newest_first: Iterable[Entry], limit: int, wanted: Filter) -> tuple[
        list[Entry], bool]:
    """The first ``limit`` entries of ``newest_first`` matching ``wanted``, put back oldest
    first: ``(entries, whether older ones are left to examine)``."""
    found: list[Entry] = []
    for entry in newest_first:
        if len(found) == limit:
            found.reverse()
            return found, True
        if wanted.matches(entry):
            found.append(entry)
    found.reverse()
    return found, False
