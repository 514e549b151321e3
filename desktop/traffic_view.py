"""The window's Traffic tab: the hub's journal live, filtered, held or followed, exported.

It reads the journal only through ``HubController.entriesRecorded`` (batches, never one
signal per entry).  While the tab is out of sight (another tab in front, the window in the
tray) a batch is only set aside, and the table takes what was set aside when it is shown:
the hub shares its loop with the GUI, so a table nobody sees must cost it nothing.

*Follow* keeps the newest row in sight, and turns itself off when the user scrolls up,
back on at the bottom; *Pause* holds new entries (and counts them) until resumed.  The
oldest rows give way beyond the model's bound; a view scrolled up keeps
showing the same rows meanwhile, and a selected row stays selected.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from server.inspector import Entry, Kind

from .controller import HubController, State
from .traffic_details import EntryDetails
from .traffic_filter import TrafficFilter
from .traffic_model import ENTRY_ROLE, KIND_WORDS, MAX_ROWS, Column, TrafficModel

INSPECTOR_OFF = ("The traffic inspector is off (inspector = false in the settings): the hub "
                 "records no traffic to show here.")
EXPORT_FILTER = "JSON Lines (*.jsonl);;All files (*)"


def write_json_lines(entries: list[Entry], path: Path) -> None:
    """``entries`` as the inspector's export writes them: one JSON object a line."""
    with path.open("wb") as file:
        file.writelines(entry.to_json() + b"\n" for entry in entries)


def counts_text(shown: int, rows: int, *, paused: bool, held: int) -> str:
    """What the counts label says: the rows the filter shows of those the table holds,
    and while paused how many new entries wait."""
    text = f"{shown:,} of {rows:,} shown"
    return text + f"  ·  paused, {held:,} new" if paused else text


class TrafficView(QWidget):
    """Filter bar and controls, the table of entries, and the selected entry's details."""

    message = Signal(str)
    """Something to tell the user in passing (the window's status bar shows it)."""

    def __init__(self, controller: HubController, max_rows: int = MAX_ROWS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = TrafficModel(max_rows, self)
        self.proxy = TrafficFilter(self.model, self)
        self.paused = False
        self.held: deque[Entry] = deque(maxlen=max_rows)
        """Entries not in the table yet, newest last: they came while paused or out of
        sight."""
        self.held_count = 0
        """How many came while paused (more than ``held`` keeps, under a flood)."""
        self.save_dialog: QFileDialog | None = None
        self.off_note = QLabel(INSPECTOR_OFF)
        self.off_note.setWordWrap(True)
        self.table = self._make_table()
        self.details = EntryDetails()
        self.details.message.connect(self.message)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(self._make_filter_bar())
        layout.addLayout(self._make_controls())
        layout.addWidget(self.off_note)
        layout.addWidget(splitter, 1)

        controller.entriesRecorded.connect(self.receive)
        controller.stateChanged.connect(self._show_inspector_state)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved,
                       self.proxy.modelReset, self.proxy.layoutChanged):
            signal.connect(self._show_counts)
        self.proxy.rowsAboutToBeRemoved.connect(self._keep_place)
        self._show_inspector_state()
        self._show_counts()

    # -- building ------------------------------------------------------------------------

    def _make_filter_bar(self) -> QHBoxLayout:
        self.client_filter = self._filter_field("Client: name or sid", "client")
        self.room_filter = self._filter_field("Room", "room")
        self.event_filter = self._filter_field("Event name", "event")
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("All kinds", None)
        for kind, words in KIND_WORDS.items():
            self.kind_filter.addItem(words.capitalize(), kind)
        self.kind_filter.setItemData(self.kind_filter.findData(Kind.REFUSED),
                                     "Refused connects and requests, and refused events",
                                     Qt.ItemDataRole.ToolTipRole)
        self.kind_filter.currentIndexChanged.connect(
            lambda: self.proxy.change(kind=self.kind_filter.currentData()))
        self.text_filter = self._filter_field("Search names, events and payloads", "text")
        bar = QHBoxLayout()
        for widget, stretch in ((self.client_filter, 2), (self.room_filter, 1),
                                (self.event_filter, 1), (self.kind_filter, 0),
                                (self.text_filter, 3)):
            bar.addWidget(widget, stretch)
        return bar

    def _filter_field(self, placeholder: str, field: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        edit.textChanged.connect(lambda text: self.proxy.change(**{field: text}))
        return edit

    def _make_controls(self) -> QHBoxLayout:
        self.follow = QCheckBox("Follow newest")
        self.follow.setChecked(True)
        self.follow.toggled.connect(self._follow_toggled)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        self.export_button = QPushButton("Export shown…")
        self.export_button.clicked.connect(self.ask_export)
        self.counts = QLabel()
        # A fixed size: a label whose text changes with every batch would otherwise ask
        # the whole window to lay out and repaint again, twenty times a second.  Wide
        # enough for the most rows the model holds, and no wider: this row sets the
        # window's narrowest width, which must leave room for the composer on a laptop.
        most = self.model.max_rows
        widest = counts_text(most, most, paused=True, held=1000 * most)
        metrics = self.counts.fontMetrics()
        self.counts.setFixedSize(metrics.horizontalAdvance(widest) + 8, metrics.height() + 4)
        controls = QHBoxLayout()
        for widget in (self.follow, self.pause_button, clear, self.export_button):
            controls.addWidget(widget)
        controls.addWidget(self.counts)
        controls.addStretch(1)
        return controls

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        columns = table.horizontalHeader()
        columns.setStretchLastSection(True)
        for column, width in ((Column.TIME, 95), (Column.KIND, 95), (Column.CLIENT, 150),
                              (Column.EVENT, 120), (Column.ROOM, 90)):
            table.setColumnWidth(column, width)
        table.selectionModel().currentRowChanged.connect(self._show_current)
        table.verticalScrollBar().actionTriggered.connect(self._user_scrolled)
        return table

    # -- entries coming in ---------------------------------------------------------------

    def receive(self, entries: list[Entry]) -> None:
        """A batch from the journal: shown now, or held while paused or out of sight."""
        if self.paused or not self.isVisible():
            self.held.extend(entries)
            if self.paused:
                self.held_count += len(entries)
                self._show_counts()
            return
        self.model.append(entries)
        if self.follow.isChecked():
            self.table.scrollToBottom()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_held()

    def set_paused(self, paused: bool) -> None:
        """Hold new entries, or show those held and carry on."""
        self.paused = paused
        self.pause_button.setChecked(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        if not paused:
            self.held_count = 0
            self._show_held()
        self._show_counts()

    def _show_held(self) -> None:
        if self.held and not self.paused and self.isVisible():
            held = list(self.held)
            self.held.clear()
            self.receive(held)

    def clear(self) -> None:
        self.model.clear()
        self.held.clear()
        self.held_count = 0
        self.details.show_entry(None)
        self._show_counts()

    def show_client(self, sid: str) -> None:
        """Only this client's traffic: the other criteria are cleared."""
        for edit in (self.room_filter, self.event_filter, self.text_filter):
            edit.clear()
        self.kind_filter.setCurrentIndex(0)
        self.client_filter.setText(sid)

    def shown_entries(self) -> list[Entry]:
        """The entries the filter shows, oldest first."""
        proxy = self.proxy
        return [proxy.index(row, 0).data(ENTRY_ROLE) for row in range(proxy.rowCount())]

    # -- export --------------------------------------------------------------------------

    def ask_export(self) -> None:
        """A save dialog (not blocking the hub's loop); choosing a file writes it."""
        dialog = QFileDialog(self, "Export the shown entries", "socketio-tray-events.jsonl",
                             EXPORT_FILTER)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("jsonl")
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def export_to(self, path: Path) -> int:
        """Write the shown entries to ``path`` as JSON Lines; how many, or -1 on failure."""
        entries = self.shown_entries()
        try:
            write_json_lines(entries, path)
        except OSError as exc:
            self.message.emit(f"The entries could not be exported: {exc}")
            return -1
        self.message.emit(f"Exported {len(entries):,} entries to {path}")
        return len(entries)

    # -- keeping the view in step --------------------------------------------------------

    def _show_current(self, current: QModelIndex) -> None:
        # A selected row trimmed away leaves its entry shown: it is still worth reading.
        if current.isValid():
            self.details.show_entry(current.data(ENTRY_ROLE))

    def _follow_toggled(self, on: bool) -> None:
        if on:
            self.table.scrollToBottom()

    def _user_scrolled(self, action: int) -> None:
        """Scrolling up stops following; scrolling to the bottom follows again."""
        if action == QAbstractSlider.SliderAction.SliderNoAction.value:
            return
        bar = self.table.verticalScrollBar()
        self.follow.setChecked(bar.sliderPosition() >= bar.maximum())

    def _keep_place(self, parent: QModelIndex | QPersistentModelIndex, first: int,
                    last: int) -> None:
        """Rows trimmed above a view scrolled up: scroll by as much, so the rows in sight
        stay in sight."""
        if first != 0 or self.follow.isChecked():
            return
        bar = self.table.verticalScrollBar()
        removed = last - first + 1
        step = 1 if self.table.verticalScrollMode() is \
            QAbstractItemView.ScrollMode.ScrollPerItem else self.table.rowHeight(0)
        bar.setValue(max(0, bar.value() - removed * step))

    def _show_counts(self) -> None:
        self.counts.setText(counts_text(self.proxy.rowCount(), self.model.rowCount(),
                                        paused=self.paused, held=self.held_count))

    def _show_inspector_state(self) -> None:
        self.off_note.setVisible(self.controller.state is State.RUNNING
                                 and not self.controller.inspector_enabled)
