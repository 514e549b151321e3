"""The other nodes of the cluster, as this node hears them, and the clients each one has.

I/O-free: ``registry.ClusterRegistry`` feeds it the messages it reads from Redis and asks
it, on a timer, which nodes have fallen silent.  A node is *up* while it is heard, *down*
after three of its heartbeat intervals without a word (its clients leave the view), and
*stale* while this node's own link to Redis is down (nobody can be heard then, so its
clients are kept, and it has three intervals to speak once the link is back).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..connections import Change, Connection
from .registry_wire import (
    Envelope,
    Refused,
    change_fields,
    heartbeat_fields,
    snapshot_fields,
)

logger = logging.getLogger(__name__)

MISSED_HEARTBEATS = 3
MAX_NODES = 256
MAX_CLIENTS_PER_NODE = 100_000
MAX_REMOTE_TEXT = 256 * 1024 * 1024
"""Characters of the other nodes' clients held at once, snapshots being received included:
what other nodes can make this one keep (each client also costs ``CLIENT_OVERHEAD``)."""
CLIENT_OVERHEAD = 64


def weight(connection: Connection) -> int:
    """What one remote client counts against ``MAX_REMOTE_TEXT``."""
    return (CLIENT_OVERHEAD + len(connection.sid) + len(connection.name or "")
            + len(connection.client_ip) + len(connection.transport)
            + len(connection.user_agent) + sum(map(len, connection.rooms)))


class NodeState(enum.Enum):
    UP = "up"
    STALE = "stale"
    DOWN = "down"


@dataclass(eq=False, slots=True)
class Node:
    """One remote node: its stream's place, when it was last heard, and its clients."""

    name: str
    instance: str
    heard: float
    """When it last spoke, on this node's monotonic clock (never the sender's clock)."""
    last_seen: float
    """The same moment in seconds since the epoch, to show."""
    address: str = ""
    interval: float = 2.0
    state: NodeState = NodeState.UP
    next_seq: int | None = None
    """The sequence number expected next; None after a gap in hearing it: any will do."""
    clients: dict[str, Connection] = field(default_factory=dict)
    incoming: dict[str, Connection] | None = None
    """A snapshot being received, part by part; None between snapshots."""
    asked: float = float("-inf")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "clients": len(self.clients),
                "last_seen": datetime.fromtimestamp(self.last_seen, UTC).isoformat(),
                "state": self.state.value}


class NodeTable:
    """Remote nodes by name; ``notify(change, connection)`` hears every remote client that
    comes, changes or goes, as ``ConnectionManager`` listeners hear local ones."""

    def __init__(self, notify: Callable[[Change, Connection], None],
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._notify = notify
        self._clock = clock
        self._wall_clock = wall_clock
        self._nodes: dict[str, Node] = {}
        self._owner: dict[str, Node] = {}  # sid -> the node it is connected to
        self.held = 0
        """The weight of every remote client held, in tables and snapshots under way."""

    # -- reading

    def nodes(self) -> list[Node]:
        return sorted(self._nodes.values(), key=lambda node: node.name)

    def client(self, sid: str) -> Connection | None:
        node = self._owner.get(sid)
        return None if node is None else node.clients.get(sid)

    def clients(self) -> list[Connection]:
        return [c for node in self._nodes.values() for c in node.clients.values()]

    def count(self) -> int:
        return len(self._owner)

    def rooms(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self._nodes.values():
            for connection in node.clients.values():
                for room in connection.rooms:
                    counts[room] = counts.get(room, 0) + 1
        return counts

    # -- hearing

    def receive(self, message: Envelope) -> bool:
        """Hear one message from another node (of any kind: each one counts in its stream
        and shows it alive) and apply its news; True when that node should be asked for
        a snapshot (it is new to us, we missed part of its stream, or it was down).

        Raises ``Refused`` for a message that fails its checks (nothing changes then) or
        would take the table past its limits (applied up to them)."""
        apply = self._parse(message)
        node, needs_snapshot = self._node_for(message)
        in_step = node.next_seq is None or message.seq == node.next_seq
        node.next_seq = message.seq + 1
        node.heard, node.last_seen = self._clock(), self._wall_clock()
        node.state = NodeState.UP
        if not in_step:
            self._drop_incoming(node)
        apply(node)
        # A hello is a node starting (or back on Redis): its snapshot follows unasked.
        snapshot_coming = message.kind == "hello" or (message.kind == "snapshot"
                                                      and node.incoming is not None)
        wanted = (needs_snapshot or not in_step) and not snapshot_coming
        if wanted and self._clock() - node.asked >= node.interval:
            node.asked = self._clock()
            return True
        return False

    def _parse(self, message: Envelope) -> Callable[[Node], None]:
        """What ``message`` does to its node, checked whole before anything changes."""
        if message.kind == "heartbeat":
            address, _, interval = heartbeat_fields(message.body)

            def beat(node: Node) -> None:
                node.address, node.interval = address, interval

            return beat
        if message.kind == "snapshot":
            first, last, clients = snapshot_fields(message.body, message.node)
            return lambda node: self._snapshot_part(node, first, last, clients)
        if message.kind == "changes":
            upserts, removed = change_fields(message.body, message.node)
            return lambda node: self._changes(node, upserts, removed)
        return lambda node: None  # a request: heard (it counts in the stream), no news

    def _node_for(self, message: Envelope) -> tuple[Node, bool]:
        """The sender's record, made anew for a node not known or restarted; and whether
        a snapshot is wanted from it because of that or because it was down."""
        node = self._nodes.get(message.node)
        if node is not None and node.instance == message.instance:
            return node, node.state is NodeState.DOWN
        if node is not None:  # the same name, restarted: its old clients are gone
            self._drop_incoming(node)
            self._set_clients(node, {})
            del self._nodes[node.name]
        elif len(self._nodes) >= MAX_NODES and not self._forget_a_down_node():
            raise Refused("too many nodes")
        now = self._clock()
        node = Node(message.node, message.instance, heard=now, last_seen=self._wall_clock())
        self._nodes[node.name] = node
        logger.info("cluster node %r joined", node.name)
        return node, True

    def _forget_a_down_node(self) -> bool:
        down = [node for node in self._nodes.values() if node.state is NodeState.DOWN]
        if not down:
            return False
        del self._nodes[min(down, key=lambda node: node.heard).name]
        return True

    def _snapshot_part(self, node: Node, first: bool, last: bool,
                       clients: list[Connection]) -> None:
        if first:
            self._drop_incoming(node)
            node.incoming = {}
        incoming = node.incoming
        if incoming is None:  # a part of a snapshot whose beginning we missed
            return
        added = {c.sid: c for c in clients}
        growth = sum(weight(c) for c in added.values()) \
            - sum(weight(incoming[sid]) for sid in added if sid in incoming)
        if len(incoming.keys() | added.keys()) > MAX_CLIENTS_PER_NODE \
                or self.held + growth > MAX_REMOTE_TEXT:
            self._drop_incoming(node)
            raise Refused("a node reports more clients than the limits")
        incoming.update(added)
        self.held += growth
        if last:
            self._drop_incoming(node)
            self._set_clients(node, incoming)

    def _drop_incoming(self, node: Node) -> None:
        if node.incoming is not None:
            self.held -= sum(map(weight, node.incoming.values()))
            node.incoming = None

    def _changes(self, node: Node, upserts: list[Connection], removed: list[str]) -> None:
        for sid in removed:
            self._remove(node, sid)
        for connection in upserts:
            self._upsert(node, connection)

    def _set_clients(self, node: Node, clients: dict[str, Connection]) -> None:
        for sid in [sid for sid in node.clients if sid not in clients]:
            self._remove(node, sid)
        for connection in clients.values():
            self._upsert(node, connection)

    def _upsert(self, node: Node, connection: Connection) -> None:
        owner = self._owner.get(connection.sid)
        if owner is not None and owner is not node:
            return  # another node's client: the first to claim a sid keeps it
        old = node.clients.get(connection.sid)
        growth = weight(connection) - (0 if old is None else weight(old))
        if (old is None and len(node.clients) >= MAX_CLIENTS_PER_NODE) \
                or self.held + growth > MAX_REMOTE_TEXT:
            raise Refused("a node reports more clients than the limits")
        self.held += growth
        node.clients[connection.sid] = connection
        self._owner[connection.sid] = node
        if old is None:
            self._notify(Change.ADDED, connection)
        elif old != connection:
            self._notify(Change.UPDATED, connection)

    def _remove(self, node: Node, sid: str) -> None:
        connection = node.clients.pop(sid, None)
        if connection is not None:
            self.held -= weight(connection)
            del self._owner[sid]
            self._notify(Change.REMOVED, connection)

    # -- silence

    def expire(self) -> list[str]:
        """Mark down every up node silent for three of its intervals, dropping its
        clients; returns their names."""
        now = self._clock()
        gone = [node for node in self._nodes.values() if node.state is NodeState.UP
                and now - node.heard > MISSED_HEARTBEATS * node.interval]
        for node in gone:
            node.state = NodeState.DOWN
            self._drop_incoming(node)
            self._set_clients(node, {})
        return [node.name for node in gone]

    def forget_all(self) -> None:
        """Forget every node, and say that each of their clients has gone."""
        for node in list(self._nodes.values()):
            self._drop_incoming(node)
            self._set_clients(node, {})
        self._nodes.clear()

    def link_lost(self) -> None:
        """This node cannot hear anyone: every up node is stale, its clients kept."""
        for node in self._nodes.values():
            if node.state is NodeState.UP:
                node.state = NodeState.STALE

    def link_restored(self) -> None:
        """Hearing again: stale nodes have three intervals from now to speak, and their
        streams start over (what they said meanwhile is lost; a snapshot will tell)."""
        now = self._clock()
        for node in self._nodes.values():
            node.next_seq = None
            self._drop_incoming(node)
            if node.state is NodeState.STALE:
                node.state = NodeState.UP
                node.heard = now
