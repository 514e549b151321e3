"""What the hub counts as it serves: the relay meter's total and rate."""

from __future__ import annotations

from server.hub.metrics import RATE_WINDOW_SECONDS, RelayMeter


def test_relay_meter_rate_is_over_the_last_whole_seconds():
    now = [100.0]
    meter = RelayMeter(clock=lambda: now[0])
    for _ in range(6):
        meter.record()
    assert meter.per_second() == 0  # the current second is not over yet
    now[0] = 101.2
    assert meter.per_second() == 6 / RATE_WINDOW_SECONDS
    now[0] = 100.0 + RATE_WINDOW_SECONDS + 1
    assert meter.per_second() == 0 and meter.total == 6
