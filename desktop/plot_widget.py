"""The live plot's chart: a line per client over the last minutes, drawn with QPainter.

Points arrive as fast as the journal records them; the chart never paints per point.
``schedule_repaint()`` only marks it stale, and a timer repaints at most every
``REPAINT_MS`` (and once a second anyway, so that the time axis moves on).  A paint that
takes long stretches the timer, so that however many points there are, painting takes at
most about a quarter of the loop's time and a flood cannot freeze the window.

Each series is drawn in one ``drawPolyline`` call through a transform from (seconds,
value) to pixels, with a cosmetic pen; the legend on the right gives each client's
current value, min and max over the window.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QShowEvent,
    QTransform,
)
from PySide6.QtWidgets import QWidget

from .plot_axes import ValueAxis, time_label, time_ticks, value_axis
from .plot_series import ClientSeries, LivePlot

REPAINT_MS = 100
MAX_REPAINT_MS = 1000
IDLE_REPAINT_SECONDS = 1.0
PAINT_SHARE = 4  # the timer's interval is at least this many times the last paint's
THICK_LINE_POINTS = 4000

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf")
BACKGROUND = QColor("#ffffff")
GRID = QColor("#e6e6e6")
AXIS = QColor("#9a9a9a")
TEXT = QColor("#303030")
MUTED = QColor("#808080")
LEGEND_NAME_WIDTH = 150
PAD = 10


def series_color(series: ClientSeries) -> QColor:
    return QColor(COLORS[series.order % len(COLORS)])


def format_value(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


@dataclass(frozen=True, slots=True)
class _Frame:
    """Where things go in one paint: the plot area and its mapping, and the legend."""

    plot: QRectF
    legend: QRectF
    axis: ValueAxis
    start: float  # the plot's x (seconds since its origin) at the left edge
    transform: QTransform


class PlotWidget(QWidget):
    """Draws a ``LivePlot``; ``schedule_repaint()`` after feeding it points."""

    refreshed = Signal()
    """A coalesced repaint was just requested (the plot was trimmed to its window)."""

    def __init__(self, parent: QWidget | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.plot: LivePlot | None = None
        self.empty_text = "Pick an event and a path to plot."
        self.frame: _Frame | None = None
        """The last paint's layout: where a point was drawn (``to_pixel``)."""
        self._clock = clock
        self._stale = True
        self._painted_at = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self._tick)
        self.setMinimumSize(480, 240)

    # -- what the panel calls --------------------------------------------------------------

    def set_plot(self, plot: LivePlot | None, empty_text: str | None = None) -> None:
        self.plot = plot
        if empty_text is not None:
            self.empty_text = empty_text
        self.schedule_repaint()

    def schedule_repaint(self) -> None:
        """Mark the chart stale: the timer repaints it soon, once for many calls."""
        self._stale = True

    def to_pixel(self, x: float, value: float) -> QPointF:
        """Where the last paint drew the point (``x``, ``value``)."""
        if self.frame is None:
            raise RuntimeError("the chart has not been painted yet")
        return self.frame.transform.map(QPointF(x, value))

    # -- the repaint timer -----------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        self._stale = True
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _tick(self) -> None:
        now = self._clock()
        if not self._stale and now - self._painted_at < IDLE_REPAINT_SECONDS:
            return
        self._stale = False
        self._painted_at = now
        if self.plot is not None:
            self.plot.trim(now * 1000)
        self.update()
        self.refreshed.emit()

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), BACKGROUND)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            series = list(self.plot.series.values()) if self.plot is not None else []
            self.frame = self._layout(painter.fontMetrics(), series)
            self._paint_axes(painter, self.frame)
            if series:
                self._paint_lines(painter, self.frame, series)
                self._paint_legend(painter, self.frame.legend, series)
            else:
                painter.setPen(MUTED)
                painter.drawText(self.frame.plot, Qt.AlignmentFlag.AlignCenter, self.empty_text)
        finally:
            painter.end()
        spent_ms = (time.perf_counter() - started) * 1000
        interval = int(min(MAX_REPAINT_MS, max(REPAINT_MS, PAINT_SHARE * spent_ms)))
        self._timer.setInterval(interval)

    def _layout(self, metrics: QFontMetrics, series: list[ClientSeries]) -> _Frame:
        low, high = _value_range(series)
        axis = value_axis(low, high, max(2, self.height() // 60))
        label_width = max(metrics.horizontalAdvance(axis.label(t)) for t in axis.ticks)
        legend_width = _legend_width(metrics, series) if series else 0
        # Margins: the tick labels left, below and over the top line; the legend right.
        top = metrics.height()
        plot = QRectF(label_width + 2 * PAD, top,
                      self.width() - label_width - 5 * PAD - legend_width,
                      self.height() - top - metrics.height() - 2 * PAD)
        legend = QRectF(plot.right() + 2 * PAD, top, legend_width, plot.height())
        window = self.plot.window_seconds if self.plot is not None else 300.0
        now = self.plot.x_of(self._clock() * 1000) if self.plot is not None else 0.0
        sx = plot.width() / window
        sy = plot.height() / (axis.high - axis.low)
        transform = QTransform(sx, 0, 0, -sy, plot.left() - sx * (now - window),
                               plot.bottom() + sy * axis.low)
        return _Frame(plot, legend, axis, now - window, transform)

    def _paint_axes(self, painter: QPainter, frame: _Frame) -> None:
        plot, axis = frame.plot, frame.axis
        metrics = painter.fontMetrics()
        for tick in axis.ticks:
            y = frame.transform.map(QPointF(0, tick)).y()
            painter.setPen(GRID)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT)
            label = QRectF(0, y - metrics.height() / 2, plot.left() - PAD, metrics.height())
            painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             axis.label(tick))
        if self.plot is not None:
            self._paint_time_ticks(painter, frame, self.plot)
        painter.setPen(AXIS)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())

    def _paint_time_ticks(self, painter: QPainter, frame: _Frame, plot: LivePlot) -> None:
        metrics = painter.fontMetrics()
        origin = plot.origin_ms / 1000
        start = origin + frame.start
        wide = metrics.horizontalAdvance("00:00:00") + 3 * PAD
        step, ticks = time_ticks(start, start + plot.window_seconds,
                                 max(1, int(frame.plot.width() // wide)))
        for tick in ticks:
            x = frame.transform.map(QPointF(tick - origin, 0)).x()
            painter.setPen(GRID)
            painter.drawLine(QPointF(x, frame.plot.top()), QPointF(x, frame.plot.bottom()))
            painter.setPen(TEXT)
            label = QRectF(x - wide / 2, frame.plot.bottom() + PAD / 2, wide, metrics.height())
            painter.drawText(label, Qt.AlignmentFlag.AlignHCenter, time_label(tick, step))

    def _paint_lines(self, painter: QPainter, frame: _Frame,
                     series: list[ClientSeries]) -> None:
        # Two pixels wide (cosmetic: whatever the transform's scale) while there are few
        # points; past that, one pixel: Qt draws hairlines by a fast path, and a thick pen
        # would make a flood's paint take seconds.
        width = 2 if sum(one.points.size() for one in series) <= THICK_LINE_POINTS else 1
        pens: dict[int, QPen] = {}
        for one in series:
            pen = QPen(series_color(one), width)
            pen.setCosmetic(True)
            pens[one.order] = pen
        painter.save()
        painter.setClipRect(frame.plot)
        painter.setTransform(frame.transform)
        for one in series:
            painter.setPen(pens[one.order])
            painter.drawPolyline(one.points)
        painter.restore()
        for one in series:  # the current value: a dot at the end, unclipped (it is in range)
            painter.setPen(pens[one.order])
            painter.setBrush(series_color(one))
            painter.drawEllipse(frame.transform.map(one.points.constLast()), 3.5, 3.5)

    def _paint_legend(self, painter: QPainter, legend: QRectF,
                      series: list[ClientSeries]) -> None:
        metrics = painter.fontMetrics()
        row = metrics.height() + 6
        columns = _number_columns(metrics, series)
        rows = max(1, int(legend.height() // row) - 1)
        painter.setPen(MUTED)
        self._paint_row(painter, legend.left(), legend.top(), columns, "", ("now", "min", "max"))
        for index, one in enumerate(series[:rows]):
            y = legend.top() + (index + 1) * row
            if index == rows - 1 and len(series) > rows:
                painter.setPen(MUTED)
                painter.drawText(QPointF(legend.left(), y + metrics.ascent()),
                                 f"and {len(series) - index} more")
                break
            painter.fillRect(QRectF(legend.left(), y + 3, 10, metrics.height() - 6),
                             series_color(one))
            painter.setPen(TEXT)
            name = metrics.elidedText(one.label, Qt.TextElideMode.ElideRight,
                                      LEGEND_NAME_WIDTH - 16)
            self._paint_row(painter, legend.left(), y, columns, name, _numbers(one))

    @staticmethod
    def _paint_row(painter: QPainter, left: float, top: float, columns: list[float],
                   name: str, numbers: tuple[str, str, str]) -> None:
        metrics = painter.fontMetrics()
        painter.drawText(QPointF(left + 16, top + metrics.ascent()), name)
        right = left + LEGEND_NAME_WIDTH
        for width, text in zip(columns, numbers, strict=True):
            right += width + PAD
            painter.drawText(QPointF(right - metrics.horizontalAdvance(text),
                                     top + metrics.ascent()), text)


def _numbers(series: ClientSeries) -> tuple[str, str, str]:
    return (format_value(series.current), format_value(series.minimum),
            format_value(series.maximum))


def _number_columns(metrics: QFontMetrics, series: list[ClientSeries]) -> list[float]:
    texts = [("now", "min", "max"), *(_numbers(one) for one in series)]
    return [max(metrics.horizontalAdvance(row[column]) for row in texts)
            for column in range(3)]


def _legend_width(metrics: QFontMetrics, series: list[ClientSeries]) -> float:
    return LEGEND_NAME_WIDTH + sum(_number_columns(metrics, series)) + 3 * PAD


def _value_range(series: list[ClientSeries]) -> tuple[float, float]:
    """The lowest and highest value shown (0 to 1 before any)."""
    boxes = [one.points.boundingRect() for one in series if one.points.size()]
    if not boxes:
        return 0.0, 1.0
    return min(box.top() for box in boxes), max(box.bottom() for box in boxes)
