"""Which traffic rows the view shows: by client, room, event name, kind and free text.

The kind and the free text mean what the inspector's API means by ``kind`` and ``q``
(``server.inspector.Filter``: the text is looked for, ignoring case, in the client's name,
the event name and the payload's JSON; *refused* also finds the events the hub refused).
Client, room and event are typed by a person, so they match as the window's other filter
does: any part of the name, ignoring case; a client also matches by its whole sid,
including the sender a relay skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel

from server.inspector import Entry, Filter, Kind

from .traffic_model import AnyIndex, TrafficModel


@dataclass(frozen=True, slots=True)
class TrafficQuery:
    """What the filter bar asks for; empty fields ask for nothing."""

    client: str = ""
    room: str = ""
    event: str = ""
    kind: Kind | None = None
    text: str = ""

    def matcher(self) -> Filter:
        """The inspector's filter for the kind and text."""
        return Filter(kind=self.kind, q=self.text.strip() or None)


def _contains(value: str | None, wanted: str) -> bool:
    return wanted in (value or "").casefold()


class TrafficFilter(QSortFilterProxyModel):
    """The rows of a ``TrafficModel`` that match a ``TrafficQuery``, in the model's order."""

    def __init__(self, source: TrafficModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.query = TrafficQuery()
        self._matcher = self.query.matcher()
        self._sid = self._client = self._room = self._event = ""
        self.setSourceModel(source)

    def set_query(self, query: TrafficQuery) -> None:
        self.beginFilterChange()
        self.query = query
        self._matcher = query.matcher()
        self._sid = query.client.strip()
        self._client = self._sid.casefold()
        self._room = query.room.strip().casefold()
        self._event = query.event.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def change(self, **fields: Any) -> None:
        """``set_query`` with some of its fields changed."""
        self.set_query(replace(self.query, **fields))

    def accepts(self, entry: Entry) -> bool:
        if not self._matcher.matches(entry):
            return False
        if self._room and not _contains(entry.room, self._room):
            return False
        if self._event and not _contains(entry.event, self._event):
            return False
        return (not self._client or _contains(entry.client, self._client)
                or self._sid in (entry.sid, entry.skip_sid))

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        return self.accepts(self._source.entry(source_row))
