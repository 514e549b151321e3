"""What the dashboard reports about the hub as a whole: uptime, rooms, messages relayed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..connections import ClientView
from ..hub.metrics import RelayMeter

if TYPE_CHECKING:
    from ..cluster.registry import ClusterRegistry


class HubStatus:
    """The hub-wide numbers of one server, read on demand for pages and the live feed.

    In a cluster ``manager`` is the cluster's ``ClusterDirectory`` and ``cluster`` the
    node's registry (see ``join_cluster``)."""

    def __init__(self, manager: ClientView, relays: RelayMeter | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.manager = manager
        self.relays = RelayMeter() if relays is None else relays
        self.version = __version__
        self.clock = clock
        self.started_at = clock()
        self.cluster: ClusterRegistry | None = None

    def join_cluster(self, registry: ClusterRegistry) -> None:
        """Show every client of the cluster, with its node, and the cluster's state."""
        self.manager = registry.directory
        self.cluster = registry

    def mark_started(self) -> None:
        """The server (re)started now: uptime counts from each start, not from the build."""
        self.started_at = self.clock()

    def uptime_seconds(self) -> int:
        return int(self.clock() - self.started_at)

    def summary(self) -> dict[str, Any]:
        """The numbers above the table; cheap, so the feed can send them every second."""
        summary = {
            "version": self.version,
            "uptime_seconds": self.uptime_seconds(),
            "count": self.manager.count(),
            "relays_per_second": round(self.relays.per_second(), 1),
            "relays_total": self.relays.total,
        }
        if self.cluster is not None:
            summary["cluster"] = {"status": self.cluster.status_line(),
                                  "nodes": [node["name"] for node in self.cluster.nodes()]}
        return summary

    def rooms(self) -> list[list[Any]]:
        """``[[room, members], ...]`` by name: a list, since JS reorders numeric keys."""
        return [[room, members] for room, members in self.manager.rooms().items()]

    def snapshot(self) -> dict[str, Any]:
        """Everything a fresh view needs: summary, rooms and every connection."""
        return {
            "summary": self.summary(),
            "rooms": self.rooms(),
            "connections": [c.to_dict() for c in self.manager.all()],
        }


def format_duration(seconds: int) -> str:
    """``3d 4h``, ``2h 5m``, ``4m 10s``, ``12s``: two units at most (dashboard.js agrees)."""
    days, rest = divmod(max(0, seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
