"""The client manager of a hub that is a node of a cluster: python-socketio's Redis
manager on top of the single hub's ``FanOutManager``.

python-socketio's ``AsyncRedisManager`` delivers an emit to this node's clients at once
and then publishes it for the other nodes, whose listeners deliver it to theirs.  Its
own ``_publish`` awaits Redis (twice, logging each failure) inside the emit, and its
listener backs off up to 60 s.  Here:

- an emit never waits for Redis: its message goes to a bounded ``Outbox`` that one task
  publishes in order (so the other nodes see one node's messages in the order it sent
  them); while Redis is unreachable, or when the outbox is full, the message for the
  other nodes is counted as dropped and this node's clients are served all the same;
- the listener retries every 0.25 s to 2 s, so that delivery comes back within a few
  seconds of Redis; the status (``ClusterStatus``) and one log line tell each change.

Delivery to this node's clients is ``FanOutManager``'s: per-client order, the room index,
a yield every ``chunk`` recipients.  The multiple inheritance is python-socketio's own
cooperative chain: ``AsyncPubSubManager`` hands local delivery to ``super().emit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..wire.fanout import FanOutManager
from .outbox import Outbox
from .redaction import redacted_url, scrubbed
from .status import ClusterStatus

logger = logging.getLogger(__name__)

RETRY_FIRST = 0.25
RETRY_MAX = 2.0
"""Seconds between the listener's tries to reach Redis, doubling from the first to the
most: the issue asks for cross-node delivery back within 5 s of Redis."""
BATCH = 100
"""Messages published in one round trip (a Redis pipeline)."""
REDIS_OPTIONS: dict[str, Any] = {
    # Our loops retry; redis-py's own retries (3, backing off up to 10 s) would hide an
    # outage from the status and hold the publisher.
    "retry": Retry(NoBackoff(), 0),
    "socket_connect_timeout": 2.0,
    "socket_timeout": 5.0,  # a publish; the listener's reads wait without limit
}


def channel_of(cluster_name: str) -> str:
    """The Redis channel that carries the cluster's messages."""
    return f"{cluster_name}:messages"


class ClusterManager(socketio.AsyncRedisManager, FanOutManager):  # type: ignore[misc]  # untyped library
    """A node's client manager: local delivery at once, the other nodes over Redis."""

    name = "cluster"
    redis: Any
    """redis-py's client, made by python-socketio's ``_redis_connect``; None unconnected."""
    pubsub: Any

    def __init__(self, url: str, cluster_name: str) -> None:
        # Named, not super(): mypy sees only FanOutManager (socketio has no types).  The
        # chain is the same: AsyncPubSubManager's super().__init__() reaches FanOutManager.
        socketio.AsyncRedisManager.__init__(self, url, channel=channel_of(cluster_name),
                                            logger=logger, redis_options=dict(REDIS_OPTIONS))
        self.status = ClusterStatus(cluster_name, redacted_url(url))
        self._outbox = Outbox()
        self._tasks: list[asyncio.Task[None]] = []
        self._dropped_when_lost = 0
        self._publish_failing = False

    # -- lifecycle -------------------------------------------------------------------------

    def initialize(self) -> None:
        """python-socketio's hook at the first client; ``start()`` has usually run."""
        self.start()

    def start(self) -> None:
        """Start listening and publishing (on the running loop); idempotent."""
        if self._tasks:
            return
        self._outbox = Outbox()  # its event belongs to this loop (a restart may bring another)
        self.status.mark_connecting()  # nothing is published until Redis confirms
        self._tasks = [asyncio.create_task(self._thread(), name="cluster listener"),
                       asyncio.create_task(self._publishing(), name="cluster publisher")]
        logger.info("cluster %s: joining over Redis at %s", self.status.cluster_name,
                    self.status.redis)

    async def stop(self) -> None:
        """Stop both tasks and close the connections to Redis; ``start()`` may follow."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._close_connections()
        self.status.dropped += self._outbox.clear()

    # -- publishing ------------------------------------------------------------------------

    async def _publish(self, data: Any) -> None:
        """Queue ``data`` for the other nodes; never waits for Redis (see the module)."""
        if not self.status.connected:
            self.status.dropped += 1  # the loss of Redis was logged once
        elif not self._outbox.offer(self.json.dumps(data)):
            self.status.dropped += 1
            self._publish_failed(f"{len(self._outbox)} messages already wait for Redis")

    async def _publishing(self) -> None:
        while True:
            batch = await self._outbox.take(BATCH)
            try:
                await self._send(batch)
            except Exception as exc:  # whatever redis-py or the OS raise, the node serves on
                self.status.dropped += len(batch)
                self._publish_failed(self._reason(exc))
            else:
                self.status.published += len(batch)
                self._publish_failing = False

    async def _send(self, batch: list[str]) -> None:
        redis = self.redis
        if redis is None:
            raise ConnectionError("not connected")
        async with redis.pipeline(transaction=False) as pipe:
            for text in batch:
                pipe.publish(self.channel, text)
            await pipe.execute()

    def _publish_failed(self, reason: str) -> None:
        """Say once, until a publish succeeds again, that messages are being dropped."""
        if not self._publish_failing:
            self._publish_failing = True
            logger.warning("cluster %s: messages for other nodes dropped (%s); counted in "
                           "the cluster status", self.status.cluster_name, reason)

    # -- listening -------------------------------------------------------------------------

    async def _redis_listen_with_retries(self) -> AsyncIterator[dict[str, Any]]:
        """python-socketio's listener loop, retrying sooner and keeping the status."""
        delay = RETRY_FIRST
        while True:
            try:
                await self._close_connections()
                await self._subscribe()
                self._reached()
                delay = RETRY_FIRST
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # whatever redis-py or the OS raise, the node serves on
                self._lost(self._reason(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def _subscribe(self) -> None:
        """Connect and subscribe, returning once Redis has confirmed the subscription:
        from then on, whatever any node publishes reaches this one."""
        self._redis_connect()
        self.pubsub.ignore_subscribe_messages = False  # to see the confirmation
        await self.pubsub.subscribe(self.channel)
        async with asyncio.timeout(REDIS_OPTIONS["socket_timeout"]):
            while True:
                reply = await self.pubsub.get_message(timeout=None)
                if reply is not None and reply["type"] == "subscribe":
                    return

    async def _close_connections(self) -> None:
        pubsub, redis = self.pubsub, self.redis
        self.pubsub = self.redis = None
        self.connected = False
        for connection in (pubsub, redis):
            if connection is not None:
                with contextlib.suppress(Exception):  # it is being thrown away
                    await connection.aclose()

    def _reached(self) -> None:
        was = self.status.state
        lost_at = self.status.since
        if not self.status.mark_connected():
            return
        name = self.status.cluster_name
        if was == "unreachable":
            logger.warning("cluster %s: Redis at %s reachable again after %.1f s; %d messages "
                           "for other nodes were dropped meanwhile", name, self.status.redis,
                           time.time() - lost_at, self.status.dropped - self._dropped_when_lost)
        else:
            logger.info("cluster %s: connected to Redis at %s", name, self.status.redis)

    def _lost(self, reason: str) -> None:
        if not self.status.mark_unreachable(reason):
            return
        self._dropped_when_lost = self.status.dropped
        self.status.dropped += self._outbox.clear()
        logger.warning("cluster %s: Redis at %s unreachable (%s): serving this node's clients "
                       "only; messages for other nodes are counted and dropped until it "
                       "returns", self.status.cluster_name, self.status.redis, reason)

    def _reason(self, exc: BaseException) -> str:
        """An exception as a log line may show it: never with the URL's password."""
        return scrubbed(f"{type(exc).__name__}: {exc}", self.redis_url)
