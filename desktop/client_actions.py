"""What the window offers on one client: its traffic, disconnect, a room, an event.

The clients table's context menu and a client's details pane both take their commands
from here.  Joining or leaving a room asks for the room in a small dialog that does not
block the hub's loop, and goes through the hub protocol's own ``join`` / ``leave``.
Sending an event is the composer's job: this only asks for it, with the client as target.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from .background import run_in_background
from .connections_model import NO_NAME
from .controller import HubController


class ClientActions(QObject):
    """Commands on a client by sid; what they lead to comes out as signals."""

    trafficRequested = Signal(str)
    """Show this sid's traffic."""
    composeRequested = Signal(dict)
    """Open the composer with this target: ``{"sid": sid}``, as ``/api/emit``'s ``to``."""
    message = Signal(str)
    """How a command went, for the status bar."""

    def __init__(self, controller: HubController, window: QWidget) -> None:
        super().__init__(window)
        self.controller = controller
        self.dialog_parent = window
        self.room_dialog: QInputDialog | None = None

    def actions_for(self, sid: str, parent: QObject) -> list[QAction]:
        """The commands on ``sid`` as actions, in menu order."""
        commands = (("Show its traffic", lambda: self.trafficRequested.emit(sid)),
                    ("Send it an event…", lambda: self.composeRequested.emit({"sid": sid})),
                    ("Join a room…", lambda: self.ask_room(sid, join=True)),
                    ("Leave a room…", lambda: self.ask_room(sid, join=False)),
                    ("Disconnect", lambda: self.disconnect_client(sid)))
        actions = []
        for text, command in commands:
            action = QAction(text, parent)
            action.triggered.connect(command)
            actions.append(action)
        return actions

    def disconnect_client(self, sid: str) -> None:
        run_in_background(self.controller.disconnect_client(sid))

    def ask_room(self, sid: str, *, join: bool) -> QInputDialog:
        """The room to join (typed) or leave (one of the client's, or typed)."""
        connection = self.controller.manager.get(sid)
        name = (connection.name or NO_NAME) if connection else sid
        dialog = QInputDialog(self.dialog_parent)
        dialog.setWindowTitle("Join a room" if join else "Leave a room")
        dialog.setLabelText(f"Room for {name} to {'join' if join else 'leave'}:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        if not join and connection is not None and connection.rooms:
            dialog.setComboBoxItems(sorted(connection.rooms))
            dialog.setComboBoxEditable(True)
        dialog.textValueSelected.connect(
            lambda room: run_in_background(self.change_room(sid, room, join=join)))
        dialog.finished.connect(dialog.deleteLater)
        self.room_dialog = dialog
        dialog.open()
        return dialog

    async def change_room(self, sid: str, room: str, *, join: bool) -> dict[str, Any]:
        connection = self.controller.manager.get(sid)
        who = (connection.name or sid) if connection else sid
        result = await self.controller.change_room(sid, room, join=join)
        if result.get("ok"):
            rooms = ", ".join(result.get("rooms", [])) or "none"
            self.message.emit(f"{who} {'joined' if join else 'left'} {room!r}; "
                              f"its rooms: {rooms}")
        else:
            self.message.emit(f"{who} could not {'join' if join else 'leave'} {room!r}: "
                              f"{result.get('error')}")
        return result
