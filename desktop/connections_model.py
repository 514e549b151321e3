"""The connected clients as a Qt table model, fed by the ``ConnectionManager``'s changes
(or a cluster's ``ClusterDirectory``'s: then a Node column says where each client is).

A thin adapter: it holds the rows in arrival order and an index by sid.  Changes are
queued as they come and applied together a moment later, so that a thousand clients
joining at once cost a few row operations instead of a thousand repaints.  Every applied
change is a precise ``beginInsertRows`` / ``beginRemoveRows`` / ``dataChanged`` over the
smallest ranges: a view keeps its selection and scroll position; there is no reset.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)

from server.connections import Change, ClientView, Connection

COALESCE_MS = 50
"""Changes arriving within this long are applied in one go: faster than the eye follows."""

SID_ROLE = Qt.ItemDataRole.UserRole
"""The row's sid, whatever the column: what the context menu acts on."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""A value that sorts as the column means (times as times, not as text)."""

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    NAME = 0
    SID = 1
    CLIENT_IP = 2
    TRANSPORT = 3
    CONNECTED_SINCE = 4
    ROOMS = 5


NODE_COLUMN = len(Column)
"""The Node column, after the others: only while the hub is a node of a cluster."""
NODE_HEADER = "Node"


HEADERS = {
    Column.NAME: "Name",
    Column.SID: "SID",
    Column.CLIENT_IP: "Client IP",
    Column.TRANSPORT: "Transport",
    Column.CONNECTED_SINCE: "Connected since",
    Column.ROOMS: "Rooms",
}


NO_NAME = "(no name)"
"""What the window and the dashboard show for a client that gave no name."""


def local_time(moment: datetime) -> str:
    """Date and time to the second in the user's locale, as the dashboard shows them
    (``toLocaleString`` with a short date and a medium time): ``11/27/26, 1:45:41 AM``."""
    locale = QLocale()
    shown = QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000)).toLocalTime()
    # The long time format is the one with seconds; its time zone is left out, as there.
    time_format = re.sub(r"\s*\bt+\b", "", locale.timeFormat(QLocale.FormatType.LongFormat))
    return (f"{locale.toString(shown.date(), QLocale.FormatType.ShortFormat)}, "
            f"{locale.toString(shown.time(), time_format)}")


def _display(connection: Connection, number: int) -> str:
    if number == NODE_COLUMN:
        return connection.node or ""
    column = Column(number)
    if column is Column.NAME:
        return connection.name or NO_NAME
    if column is Column.SID:
        return connection.sid
    if column is Column.CLIENT_IP:
        return connection.client_ip
    if column is Column.TRANSPORT:
        return connection.transport
    if column is Column.CONNECTED_SINCE:
        return local_time(connection.connected_at)
    return ", ".join(sorted(connection.rooms))


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class ConnectionsModel(QAbstractTableModel):
    """One row per connected client, in the order they connected."""

    def __init__(self, manager: ClientView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clustered = False
        self._rows: list[Connection] = manager.all()
        self._row_of: dict[str, int] = {}
        self._reindex()
        # sid -> its latest state, or None once it has gone; applied by _flush().
        self._pending: dict[str, Connection | None] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._unsubscribe: Callable[[], None] | None = manager.subscribe(self._on_change)

    def detach(self) -> None:
        """Stop listening to the manager: its owner calls this before dropping the model."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def set_clustered(self, clustered: bool) -> None:
        """Show the Node column (the hub is a node of a cluster) or hide it."""
        if clustered == self._clustered:
            return
        if clustered:
            self.beginInsertColumns(QModelIndex(), NODE_COLUMN, NODE_COLUMN)
            self._clustered = True
            self.endInsertColumns()
        else:
            self.beginRemoveColumns(QModelIndex(), NODE_COLUMN, NODE_COLUMN)
            self._clustered = False
            self.endRemoveColumns()

    # -- row interface -----------------------------------------------------------------

    def connection(self, row: int) -> Connection:
        return self._rows[row]

    def sids(self) -> list[str]:
        return [connection.sid for connection in self._rows]

    # -- applying changes ----------------------------------------------------------------

    def _on_change(self, change: Change, connection: Connection) -> None:
        self._pending[connection.sid] = None if change is Change.REMOVED else connection
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        gone = {sid for sid, new in pending.items() if new is None and sid in self._row_of}
        changed = {sid: new for sid, new in pending.items()
                   if new is not None and sid in self._row_of}
        added = [new for sid, new in pending.items()
                 if new is not None and sid not in self._row_of]

        # Removals from the bottom up, so the row numbers of earlier runs stay valid.
        for first, last in reversed(_runs(self._row_of[sid] for sid in gone)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first:last + 1]
            self.endRemoveRows()
        if gone:
            self._reindex()

        for sid, new in changed.items():
            self._rows[self._row_of[sid]] = new
        last_column = self.columnCount() - 1
        for first, last in _runs(self._row_of[sid] for sid in changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))

        if added:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._rows.extend(added)
            for offset, connection in enumerate(added):
                self._row_of[connection.sid] = start + offset
            self.endInsertRows()

    def _reindex(self) -> None:
        self._row_of = {connection.sid: row for row, connection in enumerate(self._rows)}

    # -- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column) + self._clustered

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or index.column() >= self.columnCount():
            return None
        connection = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and column == Column.NAME:
                # The whole name, which a narrow column cuts, then what the client runs.
                name = _display(connection, column)
                return f"{name}\n{connection.user_agent}" if connection.user_agent else name
            return _display(connection, column)
        if role == SID_ROLE:
            return connection.sid
        if role == SORT_ROLE:
            if column == Column.CONNECTED_SINCE:
                return connection.connected_at.timestamp()
            return _display(connection, column).casefold()
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < self.columnCount()):
            return HEADERS[Column(section)] if section < len(Column) else NODE_HEADER
        return None


def matches(connection: Connection, query: str) -> bool:
    """The dashboard's filter (``server/dashboard/page.py``): ``query`` in the name, sid,
    address, transport or a room, ignoring case; the connection time is not searched."""
    query = query.strip().casefold()
    if not query:
        return True
    fields = [connection.name or "", connection.sid, connection.client_ip,
              connection.transport, *connection.rooms]
    return any(query in field.casefold() for field in fields)


class ConnectionsFilter(QSortFilterProxyModel):
    """Sorting by any column, and the dashboard's text filter (``set_query``)."""

    def __init__(self, source: ConnectionsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._query = ""
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_query(self, query: str) -> None:
        self.beginFilterChange()
        self._query = query
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        return matches(self._source.connection(source_row), self._query)
