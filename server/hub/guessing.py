"""Wrong auth tokens: an address that keeps guessing is made to wait, longer each time.

Without it one websocket tried thousands of tokens a second.  After ``allowed`` wrong
tokens in a row, each further one refuses the address's connects for a back-off that
doubles up to ``longest``; the right token clears the record.  Loopback is not exempt:
the token guards the hub against this machine's other users and programs too.  The
records are bounded (the least recently seen address is forgotten first).  No I/O.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

WRONG_TOKENS_ALLOWED = 5
FIRST_BACK_OFF = 1.0
LONGEST_BACK_OFF = 300.0
ADDRESSES_KEPT = 4096


@dataclass(slots=True)
class _Record:
    wrong: int = 0
    until: float = 0.0
    """When the address may try again (``clock`` time)."""


class TokenGuessing:
    """Wrong tokens per peer address, and the back-off they earned."""

    def __init__(self, allowed: int = WRONG_TOKENS_ALLOWED, first: float = FIRST_BACK_OFF,
                 longest: float = LONGEST_BACK_OFF, kept: int = ADDRESSES_KEPT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed = allowed
        self.first = first
        self.longest = longest
        self.kept = kept
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def refusal(self, address: str) -> str | None:
        """The message for a connect from ``address`` during its back-off, or None."""
        record = self._records.get(address)
        if record is None:
            return None
        left = record.until - self.clock()
        if left <= 0:
            return None
        return f"too many wrong tokens: try again in {math.ceil(left)} s"

    def wrong(self, address: str) -> None:
        """``address`` sent a wrong token: past ``allowed`` in a row, a back-off starts."""
        record = self._records.pop(address, None) or _Record()
        self._records[address] = record  # the most recently seen, last
        if len(self._records) > self.kept:
            self._records.popitem(last=False)
        record.wrong += 1
        beyond = record.wrong - self.allowed
        if beyond >= 0:
            back_off = min(self.first * 2 ** min(beyond, 32), self.longest)
            record.until = self.clock() + back_off
            logger.warning("%d wrong tokens in a row from %s: its connects are refused "
                           "for %g s", record.wrong, address, back_off)

    def right(self, address: str) -> None:
        """``address`` sent the right token: its record is cleared."""
        self._records.pop(address, None)

    def __len__(self) -> int:
        return len(self._records)
