"""The cluster registry: every node tells the others, over Redis, which clients it has.

Each node publishes on ``<cluster_name>:registry``, on a Redis connection of its own (not
python-socketio's): a heartbeat every ``heartbeat`` seconds, its client changes as the
``ConnectionManager`` notifies them (merged by sid while a publish is under way, so a burst
costs one entry per client, never a growing queue), and a full snapshot when it starts,
when another node asks, and whenever its link to Redis comes back.  It hears the same from
the others into a ``NodeTable`` and shows the whole cluster as a ``ClusterDirectory``.

While Redis is unreachable the node keeps its own clients as they are, records nothing to
publish (the snapshot it sends on return replaces it all), keeps the other nodes' clients
as *stale*, and tries again every ``RETRY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ..config import Settings
from ..connections import Change, Connection, ConnectionManager
from .actions import RemoteActions, addressed_to
from .directory import ClusterDirectory
from .nodes import NodeState
from .registry_wire import (
    CHUNK,
    Envelope,
    Refused,
    asked_node,
    client_fields,
    decode,
    encode,
)
from .status import ClusterStatus

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
RETRY_SECONDS = 0.5
"""Between attempts to reach Redis: well inside the 5 s in which the registry must recover."""
CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 5.0
LISTEN_POLL_SECONDS = 1.0


def cluster_node_name(settings: Settings, port: int) -> str:
    """The ``node_name`` setting, or ``<host name>:<port>``: unique per hub on a machine."""
    return settings.node_name or f"{socket.gethostname()}:{port}"


def registry_channel(settings: Settings) -> str:
    return f"{settings.cluster_name}:registry"


class ClusterRegistry:
    """One node's side of the registry; ``start(port)`` with the hub, ``stop()`` after."""

    def __init__(self, settings: Settings, manager: ConnectionManager,
                 heartbeat: float = HEARTBEAT_SECONDS,
                 directory: ClusterDirectory | None = None,
                 delivery: ClusterStatus | None = None) -> None:
        """``directory``: the view to keep (one that outlives this registry, as the
        desktop's does across restarts); a new one over ``manager`` by default.
        ``delivery``: the message delivery's status, whose losses the status line tells."""
        assert settings.redis_url is not None
        self.settings = settings
        self.heartbeat = heartbeat
        self.channel = registry_channel(settings)
        self.instance = uuid.uuid4().hex
        self.directory = ClusterDirectory(manager, "") if directory is None else directory
        assert self.directory.local is manager
        self.address = ""
        self.delivery = delivery
        self.connected = False
        self.unreachable_since: datetime | None = None
        """When the link to Redis was lost (or the first attempt failed); None while up."""
        self.refused = 0
        """Messages from the channel that were refused, since start."""
        self._refusals_logged: set[str] = set()
        self._impostor_logged = False
        self._pending: dict[str, Connection | None] = {}
        self._snapshot_wanted = True
        self._wake = asyncio.Event()
        self._seq = 0
        self._redis: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.actions = RemoteActions(self._send)
        """Inspector actions on clients of other nodes, and theirs on ours."""

    @property
    def name(self) -> str:
        return self.directory.local_name

    # -- start and stop

    async def start(self, port: int, address: str = "") -> None:
        """Join the cluster as ``cluster_node_name``; returns at once, Redis or not."""
        if self._task is not None:
            return
        self.directory.local_name = cluster_node_name(self.settings, port)
        self.address = address
        self._unsubscribe = self.directory.local.subscribe(self._local_change)
        assert self.settings.redis_url is not None
        self._redis = aioredis.Redis.from_url(
            self.settings.redis_url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=COMMAND_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0))
        self._task = asyncio.create_task(self._run(), name="cluster registry")
        logger.info("cluster node %r joining cluster %r", self.name, self.settings.cluster_name)

    async def stop(self) -> None:
        """Leave the cluster.  Called once the hub's clients are gone, it first says so
        (an empty snapshot), so that the others drop them at once rather than after three
        missed heartbeats."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.actions.close()
        if self.connected:
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                async with asyncio.timeout(COMMAND_TIMEOUT_SECONDS):
                    await self._publish_snapshot()
        if self._redis is not None:
            await self._redis.connection_pool.disconnect()
            self._redis = None
        self.connected = False
        self.directory.leave_cluster()

    # -- what it reports

    def nodes(self) -> list[dict[str, Any]]:
        """``/api/nodes``: this node first, then the others by name."""
        here = {"name": self.name, "address": self.address, "clients": self.directory.local.count(),
                "last_seen": datetime.now(UTC).isoformat(), "state": NodeState.UP.value}
        return [here, *(node.to_dict() for node in self.directory.table.nodes())]

    def nodes_up(self) -> int:
        return 1 + sum(node.state is NodeState.UP for node in self.directory.table.nodes())

    def status_line(self) -> str:
        """``cluster: 3 nodes up, 120 clients`` or ``cluster: Redis unreachable since …``,
        and how many messages for other nodes were lost since the start, if any."""
        dropped = 0 if self.delivery is None else self.delivery.dropped
        lost = (f"; {dropped} message{'' if dropped == 1 else 's'} for other nodes lost"
                if dropped else "")
        return self._link_line() + lost

    def _link_line(self) -> str:
        if self.unreachable_since is not None:
            since = self.unreachable_since.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            return f"cluster: Redis unreachable since {since}"
        if not self.connected:
            return "cluster: connecting to Redis"
        up = self.nodes_up()
        return (f"cluster: {up} node{'' if up == 1 else 's'} up, "
                f"{self.directory.count()} clients in all")

    # -- the link to Redis

    async def _run(self) -> None:
        while True:
            try:
                await self._session()
            except (RedisError, OSError) as exc:
                self._link_lost(exc)
            except Exception as exc:  # a bug must not end the node's part in the cluster
                logger.exception("cluster registry failed; starting over")
                self._link_lost(exc)
            assert self._redis is not None
            # Every pooled connection went with the link: one kept would fail the next try.
            await self._redis.connection_pool.disconnect()
            await asyncio.sleep(RETRY_SECONDS)

    async def _session(self) -> None:
        """One life of the link; its connections are closed with the pool's, by ``_run``
        after a failure or by ``stop``: ``connection_pool.disconnect()`` is there in every
        redis-py this package allows (``aclose()`` came in 5.0.1)."""
        assert self._redis is not None
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self.channel)
        self._link_up()
        await self._send("hello")
        await _first_failure(self._listen(pubsub), self._publish_changes(), self._beat())

    def _link_up(self) -> None:
        if self.unreachable_since is not None:
            logger.info("cluster: Redis reachable again; exchanging snapshots")
        self.connected = True
        self.unreachable_since = None
        self._pending.clear()
        self._snapshot_wanted = True
        self._wake.set()
        self.directory.table.link_restored()

    def _link_lost(self, exc: BaseException) -> None:
        if self.connected or self.unreachable_since is None:
            logger.warning("cluster: Redis unreachable (%s); serving local clients only, "
                           "retrying", exc)
            self.unreachable_since = datetime.now(UTC)
        self.connected = False
        self._pending.clear()
        self.directory.table.link_lost()

    async def _send(self, kind: str, **body: Any) -> None:
        """Publish one message of this node's stream (each one takes the next number)."""
        assert self._redis is not None
        self._seq += 1
        await self._redis.publish(self.channel,
                                  encode(kind, self.name, self.instance, self._seq, **body))

    # -- publishing

    def _local_change(self, change: Change, connection: Connection) -> None:
        if not self.connected or self._snapshot_wanted:
            return  # the snapshot to come will say it
        self._pending[connection.sid] = None if change is Change.REMOVED else connection
        self._wake.set()

    async def _publish_changes(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._snapshot_wanted:
                self._snapshot_wanted = False
                self._pending.clear()
                await self._publish_snapshot()
            pending, self._pending = self._pending, {}
            items = list(pending.items())
            for start in range(0, len(items), CHUNK):
                part = items[start:start + CHUNK]
                await self._send(
                    "changes", upsert=[client_fields(c) for _, c in part if c is not None],
                    remove=[sid for sid, c in part if c is None])

    async def _publish_snapshot(self) -> None:
        """All local clients as they are now, in parts sent back to back."""
        clients = self.directory.local.all()
        starts = range(0, max(len(clients), 1), CHUNK)
        for start in starts:
            part = clients[start:start + CHUNK]
            await self._send("snapshot", first=start == 0, last=start == starts[-1],
                             clients=[client_fields(c) for c in part])

    async def _beat(self) -> None:
        while True:
            await self._send("heartbeat", address=self.address,
                             clients=self.directory.local.count(), interval=self.heartbeat)
            for name in self.directory.table.expire():
                logger.warning("cluster node %r missed its heartbeats: marked down, its "
                               "clients dropped from the view", name)
            await asyncio.sleep(self.heartbeat)

    # -- hearing

    async def _listen(self, pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True,
                                               timeout=LISTEN_POLL_SECONDS)
            if message is not None:
                await self._hear(message.get("data"))

    async def _hear(self, raw: Any) -> None:
        try:
            envelope = decode(raw)
            if envelope.node == self.name:
                self._impostor(envelope)
                return
            await self._apply(envelope)
        except Refused as exc:
            self._refuse(str(exc))

    async def _apply(self, envelope: Envelope) -> None:
        kind, body = envelope.kind, envelope.body
        mine = kind in ("act", "reply") and addressed_to(body) == self.name
        wanted = kind == "hello" or (kind == "ask" and asked_node(body) == self.name)
        if self.directory.table.receive(envelope):
            await self._send("ask", of=envelope.node)
        if wanted:
            self._want_snapshot()
        elif mine and kind == "act":
            self.actions.heard_act(envelope.node, body)
        elif mine:
            self.actions.heard_reply(body)

    def _want_snapshot(self) -> None:
        self._snapshot_wanted = True
        self._wake.set()

    def _impostor(self, envelope: Envelope) -> None:
        if envelope.instance != self.instance and not self._impostor_logged:
            self._impostor_logged = True
            logger.warning("cluster: another node also calls itself %r; its messages are "
                           "ignored (give each node its own node_name)", self.name)

    def _refuse(self, reason: str) -> None:
        """Count a refused message; log each reason once (a flood must not flood the log)."""
        self.refused += 1
        if reason not in self._refusals_logged:
            self._refusals_logged.add(reason)
            logger.warning("cluster: refused a registry message (%s); dropped, and further "
                           "ones refused for the same reason are only counted", reason)


async def _first_failure(*jobs: Awaitable[None]) -> None:
    """Run ``jobs`` together until one ends; cancel the others and raise what it raised."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
