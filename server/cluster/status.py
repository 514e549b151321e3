"""Whether this node reaches the cluster's Redis, since when, and what it could not send.

One small object the delivery manager keeps up to date and the dashboard, ``/api`` and
the desktop window read (``describe()`` is the line they show).  It does no I/O.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

logger = logging.getLogger(__name__)

State = Literal["connecting", "connected", "unreachable"]


@dataclass
class ClusterStatus:
    """This node's link to Redis.

    ``since`` (epoch seconds) is when ``state`` last changed; ``dropped`` counts the
    messages for other nodes that could not be published (Redis away, or too slow to keep
    up with the bounded outbox), ``published`` those that were.
    """

    cluster_name: str
    redis: str
    """The Redis URL, its password hidden."""
    state: State = "connecting"
    since: float = field(default_factory=time.time)
    error: str = ""
    """Why Redis is unreachable (password hidden); empty while connected."""
    published: int = 0
    dropped: int = 0
    listeners: list[Callable[[ClusterStatus], None]] = field(default_factory=list, repr=False)
    """Called with the status after each change of ``state`` (a window, a live feed)."""

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    def mark_connecting(self) -> bool:
        """Record that the node is (re)starting its link; True if that is news."""
        self.error = ""
        return self._change("connecting")

    def mark_connected(self) -> bool:
        """Record that Redis answers; True if that is news."""
        self.error = ""
        return self._change("connected")

    def mark_unreachable(self, error: str) -> bool:
        """Record that Redis does not answer; True if that is news."""
        self.error = error
        return self._change("unreachable")

    def _change(self, state: State) -> bool:
        if self.state == state:
            return False
        self.state, self.since = state, time.time()
        for listener in list(self.listeners):
            try:
                listener(self)
            except Exception:  # a display's bug must not cut the node off its cluster
                logger.exception("a listener of the cluster status failed")
        return True

    def describe(self) -> str:
        """One line for people: ``cluster: Redis unreachable since 03:52:10 UTC`` or so."""
        at = datetime.fromtimestamp(self.since, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.state == "connected":
            return f"cluster {self.cluster_name}: connected to Redis since {at}"
        if self.state == "connecting":
            return f"cluster {self.cluster_name}: connecting to Redis since {at}"
        return f"cluster {self.cluster_name}: Redis unreachable since {at}"

    def as_dict(self) -> dict[str, Any]:
        """For ``/api``: every field, and ``describe()`` as ``text``."""
        return {"cluster_name": self.cluster_name, "redis": self.redis, "state": self.state,
                "since": self.since, "error": self.error, "published": self.published,
                "dropped": self.dropped, "text": self.describe()}
