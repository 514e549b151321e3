"""The inspector's unit tests: a journal on a clock the tests move by hand, so that nothing
depends on how fast the machine runs."""

from __future__ import annotations

import pytest

from server.inspector import Journal


class ManualClock:
    """Epoch seconds that change only when a test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def journal(clock: ManualClock) -> Journal:
    return Journal(clock=clock)
