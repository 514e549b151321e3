"""The words over an empty clients table: how to connect a first device, or why the
filter shows nobody."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QTableView

from .connections_model import ConnectionsFilter

NO_CLIENTS = (
    "No devices connected yet.\n\n"
    "Point a Socket.IO client at one of the addresses on the right, "
    "or scan the QR code with a phone to open the dashboard.")
NO_MATCH = "No client matches the filter."


class EmptyTableNote(QLabel):
    """A label over the table's viewport, shown while the table has no rows."""

    def __init__(self, table: QTableView, proxy: ConnectionsFilter) -> None:
        super().__init__(table.viewport())
        self._viewport = table.viewport()
        self._proxy = proxy
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: palette(placeholder-text); padding: 24px;")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        table.viewport().installEventFilter(self)
        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset,
                       proxy.layoutChanged):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        empty = self._proxy.rowCount() == 0
        if empty:
            source = self._proxy.sourceModel()
            self.setText(NO_CLIENTS if source.rowCount() == 0 else NO_MATCH)
        self.setVisible(empty)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self.resize(self._viewport.size())
        return False
