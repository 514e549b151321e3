"""Which refusals were recorded lately, so that a flood records each (address, reason) once.

A request refused before any session exists costs its sender nothing and can be repeated
thousands of times a second; the journal records it once per client address and reason
within ``window`` seconds.  The memory of recent pairs is itself bounded: past
``max_pairs``, the oldest are forgotten first (a flood from that many addresses at once
then records some pairs again, which the journal's own caps still bound).
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_WINDOW_SECONDS = 5.0
DEFAULT_MAX_PAIRS = 4096


class RecentRefusals:
    """A bounded memory of (address, reason) pairs and when each was last recorded."""

    def __init__(self, window: float = DEFAULT_WINDOW_SECONDS,
                 max_pairs: int = DEFAULT_MAX_PAIRS) -> None:
        self.window = window
        self.max_pairs = max_pairs
        self.suppressed = 0
        self._recorded_at: OrderedDict[tuple[str, str], float] = OrderedDict()  # oldest first

    def __len__(self) -> int:
        return len(self._recorded_at)

    def first_in_window(self, ip: str, reason: str, now: float) -> bool:
        """True if this pair was not recorded in the last ``window`` seconds (it is now
        remembered as recorded at ``now``); False, and counted as suppressed, if it was."""
        self._forget_older_than(now - self.window)
        key = (ip, reason)
        if key in self._recorded_at:
            self.suppressed += 1
            return False
        self._recorded_at[key] = now
        if len(self._recorded_at) > self.max_pairs:
            self._recorded_at.popitem(last=False)
        return True

    def _forget_older_than(self, cutoff: float) -> None:
        # Pairs are kept in the order they were recorded, so the expired ones lead.
        while self._recorded_at:
            key, recorded_at = next(iter(self._recorded_at.items()))
            if recorded_at > cutoff:
                break
            del self._recorded_at[key]
