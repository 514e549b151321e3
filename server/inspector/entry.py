"""One journal entry, and how a payload becomes the bounded JSON text an entry keeps.

An entry is built once on the hub's hot path and never changed after.  The journal holds
its values as a plain tuple of strings, numbers, booleans and None (a ``Row``, see
``server.inspector.ring``), which the garbage collector soon stops tracking; readers get
them as an ``Entry`` (one C-level copy, made only when an entry is read).  The payload is
serialized to JSON once, when recorded (that text is both what the journal counts against
its byte cap and what the API serves); times stay epoch milliseconds until a view formats
them.

Strings in an entry are stored as the client sent them (cut to a length, never escaped):
escaping belongs to the views that show them.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import orjson

BINARY_HEAD_BYTES = 32
"""Binary attachments are shown as their size and this many leading bytes in hex."""

TEXT_LIMIT = 256
"""Event names, rooms, client names and reasons are cut to this many characters: a client
chooses them, and an entry's size must stay within what the journal counts."""

ENTRY_OVERHEAD = 320
"""Bytes counted for an entry besides its payload's and texts' characters: its tuple in the
journal's ring, its numbers and the string objects' headers, as ``tracemalloc`` measures a
journal of small events (tests/inspector/test_journal_paging.py keeps this honest)."""


class Kind(enum.StrEnum):
    """What an entry records."""

    EVENT_IN = "event_in"  # an event a client sent
    EVENT_OUT = "event_out"  # an event the hub emitted (one entry per emit, not per recipient)
    CONNECT = "connect"
    REFUSED = "refused"  # a connect or request refused, with the reason the client was given
    DISCONNECT = "disconnect"
    JOIN = "join"
    LEAVE = "leave"
    DROPPED = "dropped"  # a session dropped for malformed input


class Target(enum.StrEnum):
    """Whom an emitted event went to."""

    SID = "sid"  # one client: the entry's ``sid``
    ROOM = "room"  # the members of the entry's ``room``
    ALL = "all"  # everyone (but ``skip_sid`` when set: a relay skips its sender)


# The plain values rows hold, as constants for the hot path.
EVENT_IN, EVENT_OUT, REFUSED = Kind.EVENT_IN.value, Kind.EVENT_OUT.value, Kind.REFUSED.value
TO_SID, TO_ROOM, TO_ALL = Target.SID.value, Target.ROOM.value, Target.ALL.value

Row = Sequence[Any]
"""An entry's values as the journal holds them, a plain tuple: ``Entry``'s fields in order,
``kind`` and ``target`` as their enums' plain string values."""


class EntryFields(NamedTuple):
    """An entry's fields, in the order a ``Row`` holds them.

    ``payload`` is the JSON text of the event's arguments (a JSON array), or None when the
    entry has none or payloads are not kept.  When ``truncated``, it holds only the first
    bytes of that text (cut at a character boundary, so no longer valid JSON).  ``size`` is
    the whole text's length in UTF-8 bytes.
    """

    seq: int
    time: int  # epoch milliseconds
    kind: str  # a Kind's value (``Entry.kind`` gives the Kind)
    sid: str | None = None
    client: str | None = None
    ip: str | None = None
    namespace: str | None = None
    event: str | None = None
    room: str | None = None
    recipients: int | None = None
    payload: str | None = None
    ack: bool = False
    reason: str | None = None
    target: str | None = None  # a Target's value (``Entry.target`` gives the Target)
    skip_sid: str | None = None
    transport: str | None = None
    truncated: bool = False
    size: int = 0
    cost: int = ENTRY_OVERHEAD  # what it counts against the journal's byte cap


_KINDS: dict[str, Kind] = {kind.value: kind for kind in Kind}
_TARGETS: dict[str | None, Target | None] = {None: None, **{t.value: t for t in Target}}
SEQ_FIELD, TIME_FIELD, COST_FIELD = (EntryFields._fields.index(name)
                                     for name in ("seq", "time", "cost"))


class Entry(EntryFields):
    """A recorded happening, immutable: a journal ``Row`` seen through its field names,
    ``kind`` and ``target`` as their enums."""

    __slots__ = ()

    @classmethod
    def of(cls, row: Row) -> Entry:
        """The entry ``row`` holds (a copy of its values, without Python's ``__new__``)."""
        entry: Entry = tuple.__new__(cls, row)
        return entry

    @property
    def kind(self) -> Kind:
        return _KINDS[super().kind]

    @property
    def target(self) -> Target | None:
        return _TARGETS[super().target]

    @property
    def refused_event(self) -> bool:
        """An event the hub refused instead of dispatching it (an ``event_in`` with why)."""
        return bool(self.reason) and super().kind == EVENT_IN

    @property
    def refused(self) -> bool:
        """A refused connect or request, or a refused event: what the ``refused`` kind
        filter finds."""
        return super().kind == REFUSED or self.refused_event

    def json_fields(self) -> dict[str, Any]:
        """The API's shape, ready for ``orjson.dumps`` (``args`` is embedded as it was
        recorded, not parsed again).  Optional fields appear only when set."""
        fields: dict[str, Any] = {
            "seq": self.seq, "time": self.time, "kind": self.kind, "sid": self.sid,
            "client": self.client, "ip": self.ip, "namespace": self.namespace,
            "event": self.event, "room": self.room, "recipients": self.recipients,
            "args": self._args(), "ack": self.ack, "reason": self.reason,
        }
        if self.target is not None:
            fields["target"] = self.target
        if self.skip_sid is not None:
            fields["skip_sid"] = self.skip_sid
        if self.transport is not None:
            fields["transport"] = self.transport
        if self.truncated:
            fields["truncated"] = True
            fields["size"] = self.size
        return fields

    def to_json(self) -> bytes:
        """This entry as one JSON object (a JSON Lines line without its newline)."""
        return orjson.dumps(self.json_fields())

    def to_dict(self) -> dict[str, Any]:
        """This entry as plain Python data (``args`` parsed), for non-HTTP readers."""
        data: dict[str, Any] = orjson.loads(self.to_json())
        return data

    def _args(self) -> Any:
        if self.payload is None:
            return None
        if self.truncated:
            return self.payload  # the cut text, as a JSON string
        return orjson.Fragment(self.payload)


def render_payload(args: Any, limit: int) -> tuple[str, bool, int]:
    """``args`` as JSON text of at most ``limit`` UTF-8 bytes: ``(text, truncated, size of
    the whole text)``.

    Binary attachments (``bytes`` inside the arguments, as python-socketio delivers them)
    become ``{"bytes": size, "hex": first 32 bytes}``.  The text is kept as ``str``:
    orjson's ``bytes`` results hold a 4 KiB buffer however short the text, which would
    make the journal many times larger than it counts.
    """
    try:
        text = orjson.dumps(args, default=_render_binary)
    except TypeError:
        # What orjson refuses: integers past 64 bits, non-string keys, unknown objects.
        text = json.dumps(_plain(args), ensure_ascii=False, allow_nan=False).encode()
    size = len(text)
    if size <= limit:
        return text.decode(), False, size
    return text[:limit].decode("utf-8", "ignore"), True, size


def _render_binary(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"bytes": len(data), "hex": data[:BINARY_HEAD_BYTES].hex()}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plain(value: Any) -> Any:
    """``value`` reduced to what the standard library writes as valid JSON: infinities and
    NaN become null (as orjson and ``JSON.stringify`` do), keys become strings, binary
    becomes its rendering, and anything else its ``repr``."""
    if isinstance(value, str | bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return _render_binary(value)
    return repr(value)
