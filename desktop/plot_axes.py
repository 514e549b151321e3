"""Readable axes for the live plots: round ticks for values and for clock times.

Pure arithmetic, no Qt: ``value_axis`` widens a range to round bounds with steps of 1, 2
or 5 times a power of ten; ``time_ticks`` picks clock-friendly steps (5 s, 30 s, 2 min…).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 5.0, 10.0)
LARGEST = 1e300
"""Values are clamped to this magnitude, so that a span never overflows a float."""
TINY_SPAN = 1e-290
"""Values closer than this are one value: a step any smaller would underflow."""
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
"""Seconds between time ticks: each divides a minute or an hour evenly."""


@dataclass(frozen=True, slots=True)
class ValueAxis:
    """A value range with round bounds, and its ticks from ``low`` to ``high``."""

    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + index * self.step for index in range(count + 1)]

    def label(self, value: float) -> str:
        """``value`` with as many decimals as the step needs (and no ``-0``)."""
        if abs(value) < self.step / 2:
            value = 0.0
        magnitude = max(abs(self.low), abs(self.high))
        if magnitude >= 1e6 or self.step < 1e-4:  # exponents, with the digits ticks differ in
            digits = math.floor(math.log10(magnitude)) - math.floor(math.log10(self.step)) + 1
            return f"{value:.{max(1, min(17, digits))}g}"
        decimals = max(0, -math.floor(math.log10(self.step) + 1e-9))
        return f"{value:.{decimals}f}"


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about ``count`` steps over ``span``."""
    raw = span / max(1, count)
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in NICE_STEPS:
        if raw <= multiple * power * (1 + 1e-9):
            return multiple * power
    return 10 * power  # unreachable but for rounding: NICE_STEPS ends at 10


def value_axis(low: float, high: float, count: int = 5) -> ValueAxis:
    """Round bounds around ``low``..``high`` with about ``count`` steps; a single value
    gets a band around it, so that its line sits in the middle."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = (min(LARGEST, max(-LARGEST, value)) for value in sorted((low, high)))
    if high - low <= max(abs(low), abs(high)) * 1e-12 or high - low < TINY_SPAN:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, count)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    # A quotient rounded to zero (a subnormal value) could leave a bound inside the range.
    return ValueAxis(bottom - step if bottom > low else bottom,
                     top + step if top < high else top, step)


def time_step(span_seconds: float, count: int) -> int:
    """The smallest clock-friendly step giving at most ``count`` ticks over the span."""
    for step in TIME_STEPS:
        if span_seconds / step <= count:
            return step
    return TIME_STEPS[-1]


def time_ticks(start: float, end: float, count: int) -> tuple[int, list[float]]:
    """The step, and the epoch seconds from ``start`` to ``end`` on its whole multiples (in
    local time, so that a 10-minute step falls on :00, :10…)."""
    step = time_step(end - start, count)
    offset = time.localtime(start).tm_gmtoff
    first = math.ceil((start + offset) / step) * step - offset
    return step, [first + index * step for index in range(int((end - first) // step) + 1)]


def time_label(seconds: float, step: float) -> str:
    """A tick's clock time: with seconds when the ticks are less than a minute apart."""
    return time.strftime("%H:%M:%S" if step < 60 else "%H:%M", time.localtime(seconds))
