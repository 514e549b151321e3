"""The hub's traffic as a Qt table model: journal entries, oldest first, bounded.

A thin adapter over immutable ``Entry`` tuples.  Entries come in batches
(``traffic_feed``); each batch is one ``beginInsertRows`` at the end, and the oldest rows
beyond ``max_rows`` go with one ``beginRemoveRows`` at the top, so a view keeps its
selection and scroll position under a flood.  Texts are made only for the rows a view
asks about; everything a client chose (names, events, rooms, payloads) is returned as
plain data, never as markup.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from server.inspector import Entry, Kind, Target

from .connections_model import NO_NAME

MAX_ROWS = 10_000
"""Rows kept by default: the journal's own default size."""
PREVIEW_CHARS = 300
"""Characters of a payload shown in its cell; the details pane shows all of it."""

ENTRY_ROLE = Qt.ItemDataRole.UserRole
"""The row's ``Entry``, whatever the column."""

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    TIME = 0
    KIND = 1
    CLIENT = 2
    EVENT = 3
    ROOM = 4
    DATA = 5


HEADERS = {Column.TIME: "Time", Column.KIND: "Kind", Column.CLIENT: "Client",
           Column.EVENT: "Event", Column.ROOM: "Room", Column.DATA: "Data"}

KIND_WORDS = {
    Kind.EVENT_IN: "event in", Kind.EVENT_OUT: "event out", Kind.CONNECT: "connected",
    Kind.REFUSED: "refused", Kind.DISCONNECT: "disconnected", Kind.JOIN: "joined",
    Kind.LEAVE: "left", Kind.DROPPED: "dropped",
}
"""Each kind as the window says it."""

KIND_COLOURS = {
    Kind.EVENT_IN: QColor("#1c5fb0"), Kind.EVENT_OUT: QColor("#1e7d48"),
    Kind.CONNECT: QColor("#2e8b2e"), Kind.REFUSED: QColor("#c4211a"),
    Kind.DISCONNECT: QColor("#9a5b00"), Kind.JOIN: QColor("#6b3fa0"),
    Kind.LEAVE: QColor("#6b3fa0"), Kind.DROPPED: QColor("#c4211a"),
}
"""Refusals and drops in red, so that they stand out of a flood."""
REFUSED_EVENT = "event refused"
"""An event the hub refused (an ``event_in`` with its reason), as the window says it."""


def kind_words(entry: Entry) -> str:
    """The entry's kind as the window says it; a refused event says so."""
    return REFUSED_EVENT if entry.refused_event else KIND_WORDS[entry.kind]


def kind_colour(entry: Entry) -> QColor:
    return KIND_COLOURS[Kind.REFUSED] if entry.refused_event else KIND_COLOURS[entry.kind]


def shown_time(entry: Entry) -> str:
    """The entry's local time to the millisecond."""
    return datetime.fromtimestamp(entry.time / 1000).strftime("%H:%M:%S.%f")[:-3]


def who(entry: Entry) -> str:
    """The client an entry is about, or whom an emit went to."""
    if entry.kind is Kind.EVENT_OUT:
        if entry.target is Target.SID:
            return f"→ {entry.sid}"
        if entry.target is Target.ROOM:
            return f"→ room {entry.room}"
        return "→ everyone"
    if entry.client:
        return entry.client
    return entry.sid or entry.ip or NO_NAME


def details(entry: Entry) -> str:
    """One line: the payload, or the reason, or where a client connected from; why a
    refused event was refused, before what it carried."""
    if entry.refused_event:
        carried = "" if entry.payload is None else f" · {entry.payload[:PREVIEW_CHARS]}"
        return f"refused: {entry.reason}{carried}"
    if entry.payload is not None:
        return entry.payload[:PREVIEW_CHARS]
    if entry.reason:
        return entry.reason
    if entry.kind is Kind.CONNECT:
        return f"{entry.ip or '?'} over {entry.transport or '?'}"
    return ""


def display(entry: Entry, column: Column) -> str:
    if column is Column.TIME:
        return shown_time(entry)
    if column is Column.KIND:
        return kind_words(entry)
    if column is Column.CLIENT:
        return who(entry)
    if column is Column.EVENT:
        return entry.event or ""
    if column is Column.ROOM:
        return entry.room or ""
    return details(entry)


class TrafficModel(QAbstractTableModel):
    """One row per journal entry, the newest last, at most ``max_rows``."""

    def __init__(self, max_rows: int = MAX_ROWS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if max_rows < 1:
            raise ValueError("a traffic model must hold at least one row")
        self.max_rows = max_rows
        self.trimmed = 0
        """Rows dropped from the top so far to stay within ``max_rows``."""
        self._rows: list[Entry] = []

    # -- row interface -------------------------------------------------------------------

    def entry(self, row: int) -> Entry:
        return self._rows[row]

    def append(self, entries: Iterable[Entry]) -> None:
        """Add a batch at the end (one insert), then trim the oldest beyond ``max_rows``
        (one removal at the top)."""
        batch = list(entries)
        if len(batch) > self.max_rows:
            self.trimmed += len(batch) - self.max_rows
            batch = batch[-self.max_rows:]
        if not batch:
            return
        excess = len(self._rows) + len(batch) - self.max_rows
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._rows[:excess]
            self.trimmed += excess
            self.endRemoveRows()
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(batch) - 1)
        self._rows.extend(batch)
        self.endInsertRows()

    def clear(self) -> None:
        """Forget every row (the user asked: the one place a reset is right)."""
        self.beginResetModel()
        self._rows.clear()
        self.endResetModel()

    # -- Qt model interface --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.KIND:
            return kind_colour(entry)
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(Column)):
            return HEADERS[Column(section)]
        return None


def _tooltip(entry: Entry, column: Column) -> str | None:
    if column is Column.CLIENT:
        return "  ".join(text for text in (entry.client, entry.sid, entry.ip) if text) or None
    if column is Column.DATA and entry.truncated:
        return f"cut to the first bytes of {entry.size:,}"
    return None
