"""What the hub counts as it serves, for whoever shows it (the dashboard, the window)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

RATE_WINDOW_SECONDS = 3


class RelayMeter:
    """Messages relayed: a total, and a rate over the last few whole seconds.

    Counts go into one bucket per second of the monotonic clock, so recording is O(1)
    and the rate needs no timestamps per message.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = 0
        self._clock = clock
        self._buckets: deque[list[int]] = deque()  # [second, count], oldest first

    def record(self, count: int = 1) -> None:
        second = int(self._clock())
        self.total += count
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        while self._buckets[0][0] < second - RATE_WINDOW_SECONDS:
            self._buckets.popleft()

    def per_second(self) -> float:
        """Messages per second over the last RATE_WINDOW_SECONDS complete seconds."""
        now = int(self._clock())
        start = now - RATE_WINDOW_SECONDS
        relayed = sum(count for second, count in self._buckets if start <= second < now)
        return relayed / RATE_WINDOW_SECONDS
