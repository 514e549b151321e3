"""Which log lines of a repeating kind are due: one per subject and reason within a window.

A device that sends an event the hub refuses usually sends it again and again (a reading
twice a second); each is still refused and recorded, but a log that repeats the same line
hides everything else.  The refusal window (``RecentRefusals``, as the journal uses it for
requests refused before a session exists) says which line is due; this adds how many were
held back, for the next line to say.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from ..inspector.refusals import DEFAULT_MAX_PAIRS, DEFAULT_WINDOW_SECONDS, RecentRefusals


class LogWindow:
    """One line per (subject, reason) within ``window`` seconds, and a count of the rest.

    Both memories are bounded by ``max_pairs``: ``RecentRefusals`` forgets its oldest pairs
    (which are then logged again), and the counts forget the pair held back least lately
    (whose next line then says fewer), so a flood of distinct reasons from many clients
    costs at most ``max_pairs`` of each.
    """

    def __init__(self, window: float = DEFAULT_WINDOW_SECONDS,
                 max_pairs: int = DEFAULT_MAX_PAIRS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.recent = RecentRefusals(window, max_pairs)
        self.clock = clock
        self._held_back: OrderedDict[tuple[str, str], int] = OrderedDict()  # least lately first

    def __len__(self) -> int:
        """The pairs remembered, in the window or with a count."""
        return len(self.recent) + len(self._held_back)

    def due(self, subject: str, reason: str) -> int | None:
        """None if ``subject`` had a line for ``reason`` within the window (this one is held
        back and counted); else write it now, with the number held back since its last
        line (0: none)."""
        key = (subject, reason)
        if self.recent.first_in_window(subject, reason, self.clock()):
            return self._held_back.pop(key, 0)
        self._held_back[key] = self._held_back.get(key, 0) + 1
        self._held_back.move_to_end(key)
        if len(self._held_back) > self.recent.max_pairs:
            self._held_back.popitem(last=False)
        return None
