"""What a live plot shows: one event's number, per client, over the last minutes.

``LivePlot.take(entry)`` is fed every new journal entry: the events a client sent under
the plot's event name give a point to that client's series (or a count of skipped values,
by reason), the rest are ignored.  Each series is a ``QPolygonF`` of (seconds since the
plot's origin, value): a plain value type, no widget, that the chart draws in one call
through a transform, and whose bounding box is the series' min and max, computed in C++.

Bounds: points older than the window are dropped by ``trim``; a series keeps at most
``max_points`` (past that its oldest go first, so at a high rate the line covers less than
the window), and a plot at most ``max_clients`` series (further clients' values are
counted as skipped): a flood costs bounded memory.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF

from server.inspector.entry import Entry, Kind

from .payload_path import PayloadPath, Skip

DEFAULT_WINDOW_SECONDS = 300
MAX_POINTS = 6000
"""Per client: twenty a second over five minutes (16 bytes each)."""
MAX_CLIENTS = 64

ClientKey = tuple[str, str | None]  # ("name", name) or ("sid", sid)


@dataclass(eq=False)
class ClientSeries:
    """One client's points, oldest first, and where it stands in the legend."""

    label: str
    order: int  # the how-manieth series of its plot: picks its colour
    max_points: int = MAX_POINTS
    points: QPolygonF = field(default_factory=QPolygonF)

    def add(self, x: float, value: float) -> None:
        self.points.append(QPointF(x, value))
        if self.points.size() > self.max_points:
            self.points.removeFirst()

    def trim(self, oldest_x: float) -> None:
        """Drop the points left of ``oldest_x``."""
        points = self.points
        stale = 0
        while stale < points.size() and points.at(stale).x() < oldest_x:
            stale += 1
        if stale:
            points.remove(0, stale)

    @property
    def current(self) -> float | None:
        return self.points.constLast().y() if self.points.size() else None

    @property
    def minimum(self) -> float | None:
        return self.points.boundingRect().top() if self.points.size() else None

    @property
    def maximum(self) -> float | None:
        return self.points.boundingRect().bottom() if self.points.size() else None


class LivePlot:
    """The points of ``event`` at ``path``, per client, over the last ``window_seconds``.

    A client is its name (a device that reconnects under its name continues its line),
    or its sid when it has none.  Only events clients sent are plotted, not the hub's.
    """

    def __init__(self, event: str, path: PayloadPath, *,
                 window_seconds: float = DEFAULT_WINDOW_SECONDS,
                 origin_ms: int | None = None, max_points: int = MAX_POINTS,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.event = event
        self.path = path
        self.window_seconds = window_seconds
        self.origin_ms = int(time.time() * 1000) if origin_ms is None else origin_ms
        self.max_points = max_points
        self.max_clients = max_clients
        self.series: dict[ClientKey, ClientSeries] = {}
        self._next_order = 0
        self.skipped: Counter[str] = Counter()
        self.taken = 0

    def x_of(self, time_ms: float) -> float:
        """The chart's x for an epoch time in milliseconds: seconds since the origin."""
        return (time_ms - self.origin_ms) / 1000

    def take(self, entry: Entry) -> bool:
        """Plot ``entry`` if it is this plot's event; whether it was."""
        if entry.kind is not Kind.EVENT_IN or entry.event != self.event:
            return False
        value = self.path.read_json(entry.payload, entry.truncated)
        if isinstance(value, Skip):
            self.skipped[value] += 1
            return True
        series = self._series_of(entry)
        if series is None:
            self.skipped[f"more than {self.max_clients} clients"] += 1
            return True
        series.add(self.x_of(entry.time), value)
        self.taken += 1
        return True

    @property
    def skipped_total(self) -> int:
        return self.skipped.total()

    def trim(self, now_ms: float) -> None:
        """Drop every point older than the window ending at ``now_ms``, and the series of
        clients that sent nothing in it."""
        oldest_x = self.x_of(now_ms) - self.window_seconds
        for key, series in list(self.series.items()):
            series.trim(oldest_x)
            if not series.points.size():
                del self.series[key]

    def _series_of(self, entry: Entry) -> ClientSeries | None:
        key: ClientKey = ("name", entry.client) if entry.client else ("sid", entry.sid)
        series = self.series.get(key)
        if series is None:
            if len(self.series) >= self.max_clients:
                return None
            label = entry.client or f"sid {entry.sid}"
            series = ClientSeries(label, self._next_order, self.max_points)
            self._next_order += 1
            self.series[key] = series
        return series
