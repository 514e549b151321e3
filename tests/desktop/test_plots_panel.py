"""The Plots tab in the whole app, on the Qt loop, fed by real clients through the hub."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.clients import Client, real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtGui import QColor, QImage

from desktop.app import DesktopApp
from desktop.payload_path import Skip
from desktop.plot_widget import BACKGROUND, series_color
from desktop.plots_panel import PlotsPanel
from server.inspector import Filter

WITHIN = 30.0  # a hang guard under load, not a measure


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file: the app and the hub write to it."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def plots_of(app: DesktopApp) -> PlotsPanel:
    """The Plots tab, brought to the front (its chart refreshes only while shown)."""
    panel = app.window.findChild(PlotsPanel)
    assert panel is not None, "the window has no Plots tab"
    app.window.tabs.setCurrentWidget(panel)
    return panel


def offered(panel: PlotsPanel) -> list[str]:
    return [panel.event_box.itemText(i) for i in range(panel.event_box.count())]


def choose(panel: PlotsPanel, event: str, path: str) -> None:
    """What a user does: type the event name, then the path."""
    panel.event_box.setEditText(event)
    panel.path_edit.setText(path)


async def send_readings(client: Client, *values: Any) -> None:
    for value in values:
        await client.emit("reading", {"temperature": value})


def near(image: QImage, point: QPointF, color: QColor, radius: int = 1) -> bool:
    """Whether a pixel within ``radius`` of ``point`` is about ``color`` (antialiasing)."""
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            pixel = image.pixelColor(round(point.x()) + dx, round(point.y()) + dy)
            if sum(abs(a - b) for a, b in zip(pixel.getRgb()[:3], color.getRgb()[:3],
                                              strict=True)) < 60:
                return True
    return False


def test_a_plot_gets_points_per_client_from_real_clients_and_skips_a_string(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            panel = plots_of(app)
            choose(panel, "reading", "temperature")
            url = app_url(app)
            kitchen = await connect("py", url, "websocket", {"name": "kitchen-sensor"})
            garden = await connect("js", url, "polling", {"name": "garden-probe"})
            await send_readings(kitchen, 21.5, "warm", 23.0)
            await send_readings(garden, 14.0, 15.5, 12.5)
            await kitchen.emit("status", {"temperature": 99})  # another event: not plotted
            await wait_until(lambda: panel.plot is not None and panel.plot.taken == 5
                             and panel.plot.skipped_total == 1, WITHIN, "five points")

            assert panel.plot is not None
            lines = {one.label: (one.current, one.minimum, one.maximum)
                     for one in panel.plot.series.values()}
            assert lines == {"kitchen-sensor": (23.0, 21.5, 23.0),
                             "garden-probe": (12.5, 12.5, 15.5)}
            assert panel.plot.skipped == {Skip.NOT_A_NUMBER: 1}
            assert panel.describe() == ("5 values plotted from 2 clients; "
                                        "skipped 1 (1 not a number)")
            await wait_until(lambda: offered(panel) == ["reading", "status"], WITHIN,
                             "the names seen offered")
            assert panel.event_box.currentText() == "reading"  # what the user typed stays

            # The chart draws each client's line in its colour where its points are.
            chart = panel.chart
            chart.resize(800, 400)
            image = chart.grab().toImage()
            assert chart.frame is not None
            for one in panel.plot.series.values():
                color = series_color(one)
                points = one.points.toList()
                last = chart.to_pixel(points[-1].x(), points[-1].y())
                assert near(image, last, color), f"{one.label}'s dot is not drawn"
                middle = (chart.to_pixel(points[0].x(), points[0].y())
                          + chart.to_pixel(points[1].x(), points[1].y())) / 2
                assert near(image, middle, color), f"{one.label}'s line is not drawn"
                # Left of the points (the plot's first tenth): no line, only background.
                left = QPointF(chart.frame.plot.left() + chart.frame.plot.width() / 10,
                               last.y())
                assert not near(image, left, color)
            assert series_color(next(iter(panel.plot.series.values()))) != BACKGROUND

    qt_run(scenario())


def test_a_bad_path_is_told_inline_and_a_fixed_one_plots_what_the_journal_holds(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            client = await connect("py", app_url(app), "websocket", {"name": "probe"})
            # Sent before anyone picks the event: the journal holds them.
            await client.emit("reading", {"data": {"readings": [4, 5]}})
            await client.emit("reading", {"data": {"readings": ["n/a"]}})
            await client.emit("reading", {"data": {}})
            readings = Filter(event="reading")
            await wait_until(lambda: len(list(app.controller.journal_entries(readings))) == 3,
                             WITHIN, "the events to be journalled")
            panel = plots_of(app)
            await wait_until(lambda: offered(panel) == ["reading"], WITHIN, "the name offered")
            choose(panel, "reading", "data.readings[x]")
            assert panel.error_label.isVisibleTo(panel)
            assert panel.error_label.text() == (
                'Path: at character 14: [x] is not an index: write [0], [-1] or ["key"]')
            assert panel.plot is None and panel.chart.empty_text == "Fix the path to plot."

            panel.path_edit.setText("data.readings[0]")
            assert not panel.error_label.isVisibleTo(panel)
            assert panel.plot is not None
            assert [one.current for one in panel.plot.series.values()] == [4.0]
            assert panel.plot.skipped == {Skip.NOT_A_NUMBER: 1, Skip.MISSING: 1}

            # Clear starts an empty plot; new events fill it.
            panel.clear_button.click()
            assert panel.plot.taken == 0 and not panel.plot.series
            await client.emit("reading", {"data": {"readings": [6]}})
            await wait_until(lambda: panel.plot is not None and panel.plot.taken == 1,
                             WITHIN, "the new point")

    qt_run(scenario())


def test_the_plot_follows_the_journal_across_a_restart(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            panel = plots_of(app)
            choose(panel, "reading", "temperature")
            before = await connect("js", app_url(app), "websocket", {"name": "before"})
            await send_readings(before, 1.0)
            await wait_until(lambda: panel.plot is not None and panel.plot.taken == 1,
                             WITHIN, "the first point")
            assert await app.controller.restart()  # a new hub, and a new journal
            await wait_until(before.disconnected.is_set, WITHIN, "the old hub's goodbye")
            after = await connect("py", app_url(app), "websocket", {"name": "after"})
            await send_readings(after, 2.0)
            await wait_until(lambda: panel.plot is not None and panel.plot.taken == 2,
                             WITHIN, "a point from the new hub's journal")
            assert panel.plot is not None
            assert [one.label for one in panel.plot.series.values()] == ["before", "after"]
            await wait_until(lambda: offered(panel) == ["reading"], WITHIN, "the name offered")

    qt_run(scenario())


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_a_burst_of_points_is_painted_in_a_few_coalesced_repaints(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            panel = plots_of(app)
            choose(panel, "reading", "temperature")
            refreshes: list[None] = []
            panel.chart.refreshed.connect(lambda: refreshes.append(None))
            await wait_until(lambda: len(refreshes) >= 1, WITHIN, "the chart's first refresh")
            counter = PaintCounter()
            panel.chart.installEventFilter(counter)
            refreshes.clear()

            journal = app.controller._hub.journal  # the hub's own recording path
            for number in range(500):  # one burst, with no turn of the loop in between
                journal.record_event_in("sid-1", "reading", [{"temperature": number}],
                                        client="flood")
            await wait_until(lambda: len(refreshes) >= 2 and counter.paints >= 1, WITHIN,
                             "two refreshes after the burst")
            assert panel.plot is not None and panel.plot.taken == 500
            # Not one paint per point.  A relayout (the status line changing) may add a
            # paint of its own, so the bound is generous; a paint per point would be 500.
            assert counter.paints <= 20
            assert panel.status_label.text() == "500 values plotted from 1 client"

    qt_run(scenario())
