"""The live plot's numbers and axes, without a widget: series per client, the window's
bounds, what is skipped, and round ticks."""

from __future__ import annotations

import itertools
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from desktop.payload_path import PayloadPath, Skip
from desktop.plot_axes import LARGEST, time_ticks, value_axis
from desktop.plot_series import LivePlot
from server.inspector.entry import Entry, Kind

ORIGIN = 1_800_000_000_000  # epoch milliseconds
_seq = itertools.count(1)


def reading(value: object, *, at: float, client: str | None = "kitchen", sid: str = "s1",
            event: str = "reading", kind: Kind = Kind.EVENT_IN) -> Entry:
    """A journal entry as the hub records an ``emit(event, {"temperature": value})``."""
    return Entry(next(_seq), int(ORIGIN + at * 1000), kind, sid=sid, client=client,
                 event=event, payload=json.dumps([{"temperature": value}]))


def new_plot(**options: int) -> LivePlot:
    return LivePlot("reading", PayloadPath.parse("temperature"), origin_ms=ORIGIN, **options)


def test_points_go_to_their_clients_series_with_current_min_and_max() -> None:
    plot = new_plot()
    for at, value, client in ((0, 20.5, "kitchen"), (1, 14.0, "garden"), (2, 22.5, "kitchen"),
                              (3, 21.0, "kitchen"), (4, 15.5, "garden")):
        assert plot.take(reading(value, at=at, client=client, sid=client + "-sid"))
    kitchen, garden = plot.series.values()
    assert (kitchen.label, kitchen.current, kitchen.minimum, kitchen.maximum) == (
        "kitchen", 21.0, 20.5, 22.5)
    assert (garden.label, garden.current, garden.minimum, garden.maximum) == (
        "garden", 15.5, 14.0, 15.5)
    assert [(p.x(), p.y()) for p in kitchen.points.toList()] == [(0, 20.5), (2, 22.5), (3, 21)]
    assert plot.taken == 5 and not plot.skipped


def test_a_client_is_its_name_across_reconnects_or_its_sid_without_one() -> None:
    plot = new_plot()
    plot.take(reading(1, at=0, client="probe", sid="first"))
    plot.take(reading(2, at=1, client="probe", sid="second"))  # reconnected: a new sid
    plot.take(reading(3, at=2, client=None, sid="anon"))
    plot.take(reading(4, at=3, client="anon", sid="x"))  # a name that looks like a sid
    labels = {one.label: one.points.size() for one in plot.series.values()}
    assert labels == {"probe": 2, "sid anon": 1, "anon": 1}


def test_other_events_and_the_hubs_own_emits_are_not_this_plots() -> None:
    plot = new_plot()
    assert not plot.take(reading(1, at=0, event="status"))
    assert not plot.take(reading(1, at=0, kind=Kind.EVENT_OUT))
    assert not plot.series and not plot.skipped and plot.taken == 0


def test_values_that_are_not_numbers_are_counted_by_reason() -> None:
    plot = new_plot()
    for value in ("21.5", None, True, 19.0, [1]):
        assert plot.take(reading(value, at=0))
    cut = reading(20, at=1)._replace(truncated=True)
    kept_none = reading(20, at=1)._replace(payload=None)
    assert plot.take(cut) and plot.take(kept_none)
    assert plot.skipped == {Skip.NOT_A_NUMBER: 4, Skip.TRUNCATED: 1, Skip.NO_PAYLOAD: 1}
    assert plot.skipped_total == 6
    assert plot.taken == 1 and next(iter(plot.series.values())).current == 19.0


def test_the_window_drops_older_points_and_quiet_clients() -> None:
    plot = new_plot()
    plot.window_seconds = 60
    for at in range(0, 100, 10):
        plot.take(reading(at, at=at, client="busy"))
    plot.take(reading(-5, at=5, client="quiet"))
    plot.trim(ORIGIN + 100_000)  # the window is 40 s .. 100 s
    assert list(plot.series) == [("name", "busy")]
    busy = plot.series["name", "busy"]
    assert [p.x() for p in busy.points.toList()] == [40, 50, 60, 70, 80, 90]
    assert (busy.minimum, busy.maximum, busy.current) == (40, 90, 90)
    plot.trim(ORIGIN + 1_000_000)
    assert not plot.series


def test_a_flood_keeps_at_most_max_points_per_client_and_max_clients() -> None:
    plot = new_plot(max_points=50, max_clients=3)
    for step in range(200):
        plot.take(reading(step, at=step / 100, client=f"c{step % 5}"))
    assert [one.points.size() for one in plot.series.values()] == [40, 40, 40]
    assert [one.current for one in plot.series.values()] == [195, 196, 197]
    assert [one.minimum for one in plot.series.values()] == [0, 1, 2]  # 40 of each kept
    assert plot.skipped == {"more than 3 clients": 80}
    plot = new_plot(max_points=5)
    for step in range(20):
        plot.take(reading(step, at=step))
    assert [p.y() for p in plot.series["name", "kitchen"].points.toList()] == [15, 16, 17,
                                                                               18, 19]


# -- axes ----------------------------------------------------------------------------------

FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(FINITE, FINITE, st.integers(2, 12))
def test_a_value_axis_covers_the_range_with_round_distinct_ticks(low: float, high: float,
                                                                  count: int) -> None:
    axis = value_axis(low, high, count)
    # Values past LARGEST are drawn at its edge (the axis is clamped, not the data).
    shown = sorted(min(LARGEST, max(-LARGEST, value)) for value in (low, high))
    assert axis.low <= shown[0] and axis.high >= shown[1]
    ticks = axis.ticks
    assert 2 <= len(ticks) <= 2 * count + 3
    mantissa = axis.step / 10 ** math.floor(math.log10(axis.step))
    assert any(math.isclose(mantissa, nice) for nice in (1, 2, 5, 10))
    labels = [axis.label(tick) for tick in ticks]
    assert len(set(labels)) == len(labels)
    assert "-0" not in labels


def test_value_axis_examples() -> None:
    axis = value_axis(20.1, 22.7)
    assert (axis.low, axis.high, axis.step) == (20, 23, 1)
    assert [axis.label(t) for t in axis.ticks] == ["20", "21", "22", "23"]
    single = value_axis(21.5, 21.5)  # one value: a band around it
    assert single.low < 21.5 < single.high
    small = value_axis(0, 0.3, 6)
    assert [small.label(t) for t in small.ticks] == [
        "0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"]
    assert value_axis(-1e308, 1e308).high == 1e300  # no overflow to infinity


@given(st.floats(1.7e9, 1.9e9), st.sampled_from([60, 300, 900, 3600]), st.integers(2, 12))
def test_time_ticks_fall_on_round_clock_times_inside_the_window(start: float, window: int,
                                                                count: int) -> None:
    step, ticks = time_ticks(start, start + window, count)
    assert ticks and all(start <= tick <= start + window for tick in ticks)
    assert len(ticks) <= count + 1
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
