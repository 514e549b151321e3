"""Whom the composer sends to: a client from the live list, a room, or everyone.

The client list is the clients table's own model, so it follows connections as they come
and go.  A combo box whose current row is removed quietly selects another one; for a
composer that would mean sending to a device the user never chose, so the picker drops
the choice instead and says that the client left.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import (
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QStackedWidget, QWidget

from server.connections import ConnectionManager

from .composer_emit import EVERYONE, Target
from .connections_model import NO_NAME, SID_ROLE, Column, ConnectionsModel


class Kind(enum.IntEnum):
    """Whom to send to; also the page of ``TargetPicker.choice`` that asks which."""

    CLIENT = 0
    ROOM = 1
    EVERYONE = 2


KIND_LABELS = {Kind.CLIENT: "A client", Kind.ROOM: "A room", Kind.EVERYONE: "Everyone"}


class ClientChoices(QIdentityProxyModel):
    """The clients table's rows as the picker lists them: name and sid."""

    def __init__(self, source: ConnectionsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.column() == Column.NAME:
            return f"{super().data(index, role)} · {super().data(index, SID_ROLE)}"
        return super().data(index, role)


def client_target(manager: ConnectionManager, sid: str) -> Target:
    """``{"sid": sid, "name": name}``: the name lets a saved message find the device again
    under its next sid."""
    connection = manager.get(sid)
    return {"sid": sid, "name": connection.name if connection is not None else None}


def live_sid(target: Target, manager: ConnectionManager) -> str | None:
    """The sid a client target reaches now: its own while connected, else that of the one
    client with its name (a device that reconnected); None when there is no such client."""
    sid, name = target.get("sid"), target.get("name")
    if sid in manager:
        return str(sid)
    named = [c.sid for c in manager.all() if name and c.name == name]
    return named[0] if len(named) == 1 else None


def api_target(target: Target) -> Target:
    """``target`` as ``POST /api/emit`` takes it (a client by its sid alone)."""
    return {"sid": target["sid"]} if "sid" in target else target


class TargetPicker(QWidget):
    """A kind (client, room, everyone) and the client or room it needs."""

    changed = Signal()
    clientLeft = Signal(str)
    """The chosen client left; the choice was dropped (``absence`` says which left)."""

    def __init__(self, model: ConnectionsModel, manager: ConnectionManager,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._manager = manager
        self._leaving = False
        self.absence: str | None = None
        """Why no client is chosen when one was: "… has left", "… is not connected"."""
        self.kind = QComboBox()
        self.kind.addItems(list(KIND_LABELS.values()))
        self.clients = QComboBox()
        self.clients.setModel(ClientChoices(model, self))
        # As wide for any list of clients: a long name must not widen the dock.
        self.clients.setMinimumContentsLength(24)
        self.clients.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.clients.setCurrentIndex(-1)
        self.clients.setPlaceholderText("Choose a client")
        self.room = QLineEdit()
        self.room.setPlaceholderText("Room name")
        # One place for the client, the room or nothing (everyone), as wide as the widest:
        # switching between them must not resize the dock and reflow the window.
        self.choice = QStackedWidget()
        for page in (self.clients, self.room, QWidget()):
            self.choice.addWidget(page)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kind)
        layout.addWidget(self.choice, 1)

        choices = self.clients.model()
        choices.rowsAboutToBeRemoved.connect(self._rows_leaving)
        choices.rowsRemoved.connect(self._rows_left)  # after the combo box's own slot
        self.kind.currentIndexChanged.connect(self._show_kind)
        self.clients.currentIndexChanged.connect(self._client_chosen)
        self.clients.currentIndexChanged.connect(self.changed)
        self.room.textChanged.connect(self.changed)
        self._show_kind()

    def _show_kind(self) -> None:
        self.choice.setCurrentIndex(self._kind())
        self.changed.emit()

    def _rows_leaving(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._leaving = first <= self.clients.currentIndex() <= last
        if self._leaving:
            self._say_absent("left", "has left", self.clients.currentText())

    def _rows_left(self) -> None:
        if self._leaving:
            self._leaving = False
            self.clients.setCurrentIndex(-1)
            if self._kind() is Kind.CLIENT:
                self.clientLeft.emit(self.absence)

    def _say_absent(self, state: str, sentence: str, client: str) -> None:
        """The state first in the combo box, where a long name would push it out of
        sight; the whole in its tooltip and in ``absence``."""
        self.absence = f"{client} {sentence}"
        self.clients.setPlaceholderText(f"{state}: {client}")
        self.clients.setToolTip(self.absence)

    def _client_chosen(self, row: int) -> None:
        if row >= 0 and not self._leaving:  # not the combo box's pick of another
            self.absence = None
            self.clients.setToolTip(self.clients.currentText())

    # -- reading and setting the target

    def _kind(self) -> Kind:
        return Kind(self.kind.currentIndex())

    def missing(self) -> str:
        """What is missing while ``target()`` is None."""
        if self._kind() is Kind.CLIENT and self.absence is not None:
            return self.absence
        return "Choose whom to send to"

    def target(self) -> Target | None:
        """The chosen target, ``{"sid", "name"}`` for a client; None while incomplete."""
        kind = self._kind()
        if kind is Kind.EVERYONE:
            return dict(EVERYONE)
        if kind is Kind.ROOM:
            room = self.room.text().strip()
            return {"room": room} if room else None
        sid = self.clients.currentData(SID_ROLE)
        return client_target(self._manager, sid) if sid else None

    def set_target(self, target: Target) -> None:
        """Show ``target``; a client not in the list leaves the choice empty, saying so."""
        if "room" in target:
            self.kind.setCurrentIndex(Kind.ROOM)
            self.room.setText(str(target["room"]))
        elif "sid" in target:
            self.kind.setCurrentIndex(Kind.CLIENT)
            sid = live_sid(target, self._manager)
            row = -1 if sid is None else self.clients.findData(sid, SID_ROLE)
            if row < 0:
                self._say_absent("not connected", "is not connected",
                                 f"{target.get('name') or NO_NAME} · {target['sid']}")
            self.clients.setCurrentIndex(row)
        else:
            self.kind.setCurrentIndex(Kind.EVERYONE)
