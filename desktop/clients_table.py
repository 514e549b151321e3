"""The table of connected clients, and which row its context menu is about.

Qt gives a context menu's position in two coordinate systems: a mouse click in the
viewport's (the rows' area), the Menu key in the table's own, which includes the header.
Looking that second position up among the rows found the row below the highlighted one,
or none under the last.  The Menu key means the highlighted row: its current index.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from .connections_model import SID_ROLE, Column, ConnectionsFilter

COLUMN_WIDTHS = ((Column.NAME, 140), (Column.SID, 190), (Column.CLIENT_IP, 120),
                 (Column.TRANSPORT, 90), (Column.CONNECTED_SINCE, 150))


class ClientsTable(QTableView):
    """Sortable rows of clients, and a row's menu by mouse or keyboard."""

    rowMenuRequested = Signal(str, QPoint)
    """The sid of the row a context menu is about, and where on screen to open it."""

    def __init__(self, proxy: ConnectionsFilter) -> None:
        super().__init__()
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.CONNECTED_SINCE, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in COLUMN_WIDTHS:
            self.setColumnWidth(column, width)

    def _menu_index(self, event: QContextMenuEvent) -> QModelIndex:
        """The row a context menu event is about: the highlighted one for the keyboard,
        the one under the pointer for the mouse (its position is the viewport's)."""
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            return self.currentIndex()
        return self.indexAt(event.pos())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self._menu_index(event)
        if index.isValid():
            self.rowMenuRequested.emit(index.data(SID_ROLE), event.globalPos())
