"""The cluster registry's messages on Redis: what a node publishes, checked on the way in.

I/O-free.  Every other node is input like any client: a message is decoded only if it is
small enough, and each field is checked for type and bounds before anything is kept, so
that a garbage, oversized or hostile message is refused (``Refused``, with a fixed reason
that is safe to log) and never reaches the node table half-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

import orjson

from ..connections import Connection
from ..hub.admission import MAX_NAME_LENGTH, MAX_ROOM_LENGTH, MAX_USER_AGENT_LENGTH
from ..hub.traffic import ClientTraffic

VERSION = 1
MAX_MESSAGE_BYTES = 1024 * 1024
CHUNK = 500
"""Clients per published message: a snapshot of 10,000 clients is 20 messages of ~120 kB."""
MAX_NODE_NAME = 200
MAX_SID = 64
MAX_IP = 64
MAX_TRANSPORT = 16
MAX_ROOMS_PER_CLIENT = 1000
MIN_INTERVAL, MAX_INTERVAL = 0.05, 60.0
KINDS = ("heartbeat", "hello", "ask", "snapshot", "changes", "act", "reply")
NEWS = ("heartbeat", "snapshot", "changes")
"""The kinds that tell of a node and its clients; the others ask something of a node."""


class Refused(ValueError):
    """A message that is dropped; the message is a fixed phrase (never input) to log."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sent a message and its place in that node's stream (``seq`` counts up by one)."""

    kind: str
    node: str
    instance: str
    seq: int
    body: dict[str, Any]


@dataclass(eq=False, slots=True)
class ReportedTraffic(ClientTraffic):
    """A remote client's message counts, as its node last reported them."""

    reported_received: int = 0

    @property
    def received(self) -> int:
        return self.reported_received


def encode(kind: str, node: str, instance: str, seq: int, **body: Any) -> bytes:
    return orjson.dumps({"v": VERSION, "kind": kind, "node": node, "instance": instance,
                         "seq": seq, **body})


def client_fields(connection: Connection) -> dict[str, Any]:
    """A local client as published: its registry entry, counts as they stand now."""
    return {
        "sid": connection.sid, "name": connection.name, "ip": connection.client_ip,
        "transport": connection.transport, "agent": connection.user_agent,
        "at": connection.connected_at.timestamp(), "rooms": sorted(connection.rooms),
        "sent": connection.traffic.sent, "received": connection.traffic.received,
        "seen": connection.traffic.last_seen,
    }


def decode(raw: Any) -> Envelope:
    """The envelope of one message from the registry channel, or ``Refused``."""
    if not isinstance(raw, bytes | str):
        raise Refused("not a text message")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused("message over the size limit")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Refused("not JSON") from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise Refused("not a registry message of this version")
    kind, node = data.pop("kind", None), data.pop("node", None)
    instance, seq = data.pop("instance", None), data.pop("seq", None)
    if kind not in KINDS:
        raise Refused("unknown kind")
    if not _is_text(node, MAX_NODE_NAME, least=1) or not _is_text(instance, 64, least=1):
        raise Refused("bad node name or instance")
    if not _is_count(seq):
        raise Refused("bad sequence number")
    return Envelope(kind, node, instance, seq, data)


def heartbeat_fields(body: dict[str, Any]) -> tuple[str, int, float]:
    """``(address, clients, interval)`` of a heartbeat."""
    address, clients, interval = body.get("address"), body.get("clients"), body.get("interval")
    if not _is_text(address, MAX_NODE_NAME) or not _is_count(clients):
        raise Refused("bad heartbeat")
    if isinstance(interval, bool) or not isinstance(interval, int | float) \
            or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise Refused("bad heartbeat interval")
    return address, clients, float(interval)


def asked_node(body: dict[str, Any]) -> str:
    node = body.get("of")
    if not _is_text(node, MAX_NODE_NAME, least=1):
        raise Refused("bad ask")
    return node


def snapshot_fields(body: dict[str, Any], node: str) -> tuple[bool, bool, list[Connection]]:
    """``(first, last, clients)`` of one part of a snapshot."""
    first, last = body.get("first"), body.get("last")
    if not isinstance(first, bool) or not isinstance(last, bool):
        raise Refused("bad snapshot")
    return first, last, _clients(body.get("clients"), node)


def change_fields(body: dict[str, Any], node: str) -> tuple[list[Connection], list[str]]:
    """``(clients added or changed, sids removed)`` of a change message."""
    removed = body.get("remove")
    if not isinstance(removed, list) or len(removed) > CHUNK \
            or not all(_is_text(sid, MAX_SID, least=1) for sid in removed):
        raise Refused("bad removal list")
    return _clients(body.get("upsert"), node), removed


def _clients(items: Any, node: str) -> list[Connection]:
    if not isinstance(items, list) or len(items) > CHUNK:
        raise Refused("bad client list")
    return [_client(item, node) for item in items]


def _client(item: Any, node: str) -> Connection:
    if not isinstance(item, dict):
        raise Refused("bad client")
    sid, name, rooms = item.get("sid"), item.get("name"), item.get("rooms")
    if not _is_text(sid, MAX_SID, least=1):
        raise Refused("bad client sid")
    texts_ok = (_is_text(item.get("ip"), MAX_IP)
                and _is_text(item.get("transport"), MAX_TRANSPORT)
                and _is_text(item.get("agent"), MAX_USER_AGENT_LENGTH)
                and (name is None or _is_text(name, MAX_NAME_LENGTH)))
    if not texts_ok:
        raise Refused("bad client field")
    if not isinstance(rooms, list) or len(rooms) > MAX_ROOMS_PER_CLIENT \
            or not all(_is_text(room, MAX_ROOM_LENGTH, least=1) for room in rooms):
        raise Refused("bad client rooms")
    if not all(_is_count(item.get(key)) for key in ("sent", "received")) \
            or not all(_is_moment(item.get(key)) for key in ("at", "seen")):
        raise Refused("bad client counts")
    traffic = ReportedTraffic(sent=item["sent"], last_seen=float(item["seen"]),
                              reported_received=item["received"])
    return Connection(sid=sid, client_ip=item["ip"], rooms=frozenset(rooms),
                      connected_at=datetime.fromtimestamp(item["at"], UTC),
                      transport=item["transport"], user_agent=item["agent"], name=name,
                      node=node, traffic=traffic)


def _is_text(value: Any, most: int, least: int = 0) -> TypeGuard[str]:
    return isinstance(value, str) and least <= len(value) <= most and value.isprintable()


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _is_moment(value: Any) -> bool:
    """Seconds since the epoch, between 1970 and 2200."""
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and 0 <= value <= 7_258_118_400
