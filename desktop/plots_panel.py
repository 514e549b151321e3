"""The "Plots" tab: pick an event and a path into its payload, and watch that number live.

The panel listens to the hub's journal through the controller (``subscribe_journal``):
each event a client sends is offered to the current ``LivePlot``, which keeps the numbers
and counts what it skipped; the chart and the labels below it catch up on the chart's
coalesced repaint, never per event.  Choosing another event, path or window starts the
plot over from what the journal still holds, so the last minutes show at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from server.inspector import Entry, Filter, Kind

from .controller import HubController
from .payload_path import PathError, PayloadPath, Skip
from .plot_series import DEFAULT_WINDOW_SECONDS, LivePlot
from .plot_widget import PlotWidget

MAX_EVENT_NAMES = 200
"""Names offered in the event box: clients choose them, so the list is bounded."""
CLIENT_EVENTS = Filter(kind=Kind.EVENT_IN)
PATH_HINT = "e.g. temperature or data.readings[0]; empty: the first argument itself"


class PlotsPanel(QWidget):
    """The event and path fields, the chart, and what was plotted or skipped."""

    def __init__(self, controller: HubController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.plot: LivePlot | None = None
        self._names: set[str] = set()
        self._names_changed = False

        self.event_box = QComboBox()
        event_edit = QLineEdit()  # makes the box editable: an event not seen yet can be typed
        event_edit.setPlaceholderText("event name")
        self.event_box.setLineEdit(event_edit)
        self.event_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_box.setMinimumContentsLength(16)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(PATH_HINT)
        self.path_edit.setToolTip(PATH_HINT + "; $[1] is the second argument")
        self.window_box = QSpinBox()
        self.window_box.setRange(1, 60)
        self.window_box.setSuffix(" min")
        self.window_box.setValue(DEFAULT_WINDOW_SECONDS // 60)
        self.clear_button = QPushButton("Clear")
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()
        self.chart = PlotWidget()
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        self._build_layout()

        self.event_box.currentTextChanged.connect(self.restart_plot)
        self.path_edit.textChanged.connect(self.restart_plot)
        self.window_box.valueChanged.connect(self.restart_plot)
        self.clear_button.clicked.connect(lambda: self.restart_plot(from_journal=False))
        self.chart.refreshed.connect(self._refresh_labels)
        for entry in controller.journal_entries(CLIENT_EVENTS):
            self._note_name(entry.event)
        self._show_names()
        unsubscribe = controller.subscribe_journal(self._take, CLIENT_EVENTS)
        self.destroyed.connect(lambda *_: unsubscribe())
        self.restart_plot()

    def _build_layout(self) -> None:
        fields = QHBoxLayout()
        # Alt+V, Alt+H and Alt+L reach the fields (scripts/screenshots types into them so).
        for text, field, stretch in (("E&vent", self.event_box, 1),
                                     ("Pat&h", self.path_edit, 2),
                                     ("&Last", self.window_box, 0)):
            label = QLabel(text)
            label.setBuddy(field)
            fields.addWidget(label)
            fields.addWidget(field, stretch)
        fields.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.addLayout(fields)
        layout.addWidget(self.error_label)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.status_label)

    # -- the plot --------------------------------------------------------------------------

    def restart_plot(self, *, from_journal: bool = True) -> None:
        """A new plot for the fields as they are, filled from what the journal holds
        (unless ``from_journal`` is off: "Clear" starts an empty one)."""
        event = self.event_box.currentText().strip()
        try:
            path = PayloadPath.parse(self.path_edit.text())
        except PathError as exc:
            self.error_label.setText(f"Path: {exc}")
            self.error_label.show()
            self._show_plot(None, "Fix the path to plot.")
            return
        self.error_label.hide()
        if not event:
            self._show_plot(None, "Pick an event to plot.")
            return
        plot = LivePlot(event, path, window_seconds=self.window_box.value() * 60)
        if from_journal:
            since_ms = plot.origin_ms - plot.window_seconds * 1000
            for entry in self.controller.journal_entries(Filter(event=event,
                                                                kind=Kind.EVENT_IN)):
                if entry.time >= since_ms:
                    plot.take(entry)
        self._show_plot(plot, self._waiting_text(event))

    def _show_plot(self, plot: LivePlot | None, empty_text: str) -> None:
        self.plot = plot
        self.chart.set_plot(plot, empty_text)
        self._refresh_labels()

    def _waiting_text(self, event: str) -> str:
        if not self.controller.settings.inspector:
            return "The traffic journal is off (setting inspector = false): nothing to plot."
        return f"Waiting for “{event}” events from clients…"

    def _take(self, entry: Entry) -> None:
        """Every event a client sends, on the hub's hot path: a few attribute reads, and a
        payload parsed only for the plotted event."""
        if entry.event is not None and entry.event not in self._names:
            self._note_name(entry.event)
        if self.plot is not None and self.plot.take(entry):
            self.chart.schedule_repaint()

    # -- the labels ------------------------------------------------------------------------

    def _note_name(self, name: str | None) -> None:
        if name is not None and len(self._names) < MAX_EVENT_NAMES:
            self._names.add(name)
            self._names_changed = True

    def _show_names(self) -> None:
        """Offer the names seen, keeping what the user typed."""
        if not self._names_changed:
            return
        self._names_changed = False
        typed = self.event_box.currentText()
        self.event_box.blockSignals(True)
        try:
            self.event_box.clear()
            self.event_box.addItems(sorted(self._names))
            self.event_box.setEditText(typed)
        finally:
            self.event_box.blockSignals(False)

    def _refresh_labels(self) -> None:
        self._show_names()
        self.status_label.setText(self.describe())

    def describe(self) -> str:
        """One line: what the plot holds and what it skipped, and why."""
        plot = self.plot
        if plot is None:
            return ""
        clients = len(plot.series)
        text = (f"{plot.taken} value{'' if plot.taken == 1 else 's'} plotted from "
                f"{clients} client{'' if clients == 1 else 's'}")
        if plot.skipped:
            reasons = ", ".join(f"{count} {reason}" for reason, count in
                                plot.skipped.most_common())
            text += f"; skipped {plot.skipped_total} ({reasons})"
        if Skip.NO_PAYLOAD in plot.skipped:
            text += ". The journal keeps no payloads: turn on inspector_payloads."
        return text


def make_plots_panel(controller: HubController) -> QWidget:
    """The "Plots" tab of the main window."""
    return PlotsPanel(controller)
