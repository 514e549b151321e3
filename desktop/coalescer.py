"""At most one balloon a second: what arrives meanwhile is held, then told as one.

A burst of happenings (a fleet of devices connecting, clients retrying a wrong token)
would otherwise stack balloons faster than anyone reads them, and a platform shows one at
a time anyway.  The first notice after a quiet spell is held ``gather`` seconds too, so a
burst that starts together comes out as one balloon ("12 new devices connected").

Time comes from ``clock``, an attribute the tests replace: nothing here sleeps or starts
a timer, the caller asks ``release()`` when ``due`` has come.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Kind = TypeVar("Kind", bound=Hashable)

INTERVAL_SECONDS = 1.0
GATHER_SECONDS = 0.25
SAMPLES = 3
"""How many notices of a kind are kept word for word; past that they are only counted."""


@dataclass
class Held:
    """The notices of one kind held for the next release: how many, and the first few."""

    count: int = 0
    samples: list[str] = field(default_factory=list)


class Coalescer(Generic[Kind]):
    """Notices by kind, released together no sooner than ``interval`` after the last
    release and ``gather`` after the first one held."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 interval: float = INTERVAL_SECONDS, gather: float = GATHER_SECONDS,
                 samples: int = SAMPLES) -> None:
        self.clock = clock
        self.interval = interval
        self.gather = gather
        self.samples = samples
        self._held: dict[Kind, Held] = {}
        self._first_held_at = 0.0
        self._released_at = -math.inf

    @property
    def held(self) -> int:
        """How many notices wait for the next release."""
        return sum(held.count for held in self._held.values())

    @property
    def due(self) -> float | None:
        """When (on ``clock``) the held notices may be released; None if none is held."""
        if not self._held:
            return None
        return max(self._first_held_at + self.gather, self._released_at + self.interval)

    def add(self, kind: Kind, sample: str) -> None:
        """Hold one notice of ``kind``, described by ``sample``."""
        if not self._held:
            self._first_held_at = self.clock()
        held = self._held.setdefault(kind, Held())
        held.count += 1
        if len(held.samples) < self.samples:
            held.samples.append(sample)

    def release(self) -> dict[Kind, Held]:
        """Everything held, by kind in the order first seen, once ``due`` has come (and
        nothing is held any more); an empty dict before that."""
        due = self.due
        now = self.clock()
        if due is None or now < due:
            return {}
        released, self._held = self._held, {}
        self._released_at = now
        return released
