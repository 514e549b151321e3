"""Hub processes (``python -m server``) that are nodes of one cluster over a test Redis."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from helpers.support import LoggedProcess, wait_until

CLUSTER = "test-cluster"
WITHIN = 60.0
"""Seconds a node may take to start or to see Redis come and go: a hang guard on a loaded
machine, not a measure."""
CONNECTED = re.compile(r"cluster \S+: connected to Redis")
UNREACHABLE = re.compile(r"cluster \S+: Redis at \S+ unreachable")
REACHABLE_AGAIN = re.compile(r"cluster \S+: Redis at \S+ reachable again")


class Node(LoggedProcess):
    """One hub process of the cluster; ``url`` once started."""

    def __init__(self, redis_url: str, cluster: str = CLUSTER) -> None:
        env = {**os.environ, "SOCKETIO_REDIS_URL": redis_url, "SOCKETIO_CLUSTER_NAME": cluster}
        super().__init__([sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0"],
                         env, start_within=WITHIN)
        self.url = ""

    async def start(self) -> None:
        await super().start()
        self.url = await super().url()

    def count(self, pattern: re.Pattern[str]) -> int:
        """Log lines matching ``pattern`` so far."""
        return sum(1 for line in self.lines if pattern.search(line))

    async def wait_for_count(self, pattern: re.Pattern[str], count: int) -> None:
        """Until the log has ``count`` lines matching ``pattern``."""
        await wait_until(lambda: self.count(pattern) >= count, within=WITHIN,
                         message=f"{count} log lines matching {pattern.pattern!r}")


@asynccontextmanager
async def running_nodes(redis_url: str, count: int,
                        joined: bool = True) -> AsyncIterator[list[Node]]:
    """``count`` nodes on ``redis_url``, killed after; with ``joined``, once each has
    subscribed to Redis (its log says so)."""
    nodes = [Node(redis_url) for _ in range(count)]
    try:
        for node in nodes:
            await node.start()
        if joined:
            for node in nodes:
                await node.wait_for_line(CONNECTED)
        yield nodes
    finally:
        for node in nodes:
            await node.kill()
