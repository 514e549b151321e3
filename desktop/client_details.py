"""One client's details, as the dashboard's details panel shows them, kept current.

Its message counts change without a registry notification (``server.hub.traffic``), so the
pane reads the client again on a timer while it is open, not on every message.  In a
cluster it reads every node's clients (another node's counts as that node last reported
them) and names the client's node.  Under the
facts, the commands on a client (``ClientActions``): its traffic, an event, a room,
disconnect.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from server.connections import ClientView, Connection

from .client_actions import ClientActions
from .connections_model import NO_NAME, local_time

REFRESH_MS = 1000

FIELDS = (  # (label, key): the dashboard's (server/dashboard/page.py DETAILS)
    ("Name", "name"), ("SID", "sid"), ("Client IP", "client_ip"), ("Transport", "transport"),
    ("Connected since", "connected_at"), ("Rooms", "rooms"), ("User agent", "user_agent"),
    ("Messages sent", "messages_sent"), ("Messages received", "messages_received"),
    ("Last seen", "last_seen"),
)
NODE_FIELD = ("Node", "node")
"""Shown only when the client belongs to a cluster node: the hub it is connected to."""


def facts(connection: Connection) -> dict[str, str]:
    """Each field's text, by key."""
    traffic = connection.traffic
    return {
        "name": connection.name or NO_NAME,
        "sid": connection.sid,
        "client_ip": connection.client_ip,
        "transport": connection.transport,
        "connected_at": local_time(connection.connected_at),
        "rooms": ", ".join(sorted(connection.rooms)) or "-",
        "user_agent": connection.user_agent or "-",
        "messages_sent": str(traffic.sent),
        "messages_received": str(traffic.received),
        "last_seen": local_time(datetime.fromtimestamp(traffic.last_seen, UTC)),
        "node": connection.node or "-",
    }


class ClientDetails(QDialog):
    """A pane on one client; it stays, marked as gone, after the client leaves."""

    def __init__(self, clients: ClientView, sid: str, actions: ClientActions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.sid = sid
        self._clients = clients
        self.values: dict[str, QLabel] = {}
        form = self._form = QFormLayout()
        for label, key in (*FIELDS, NODE_FIELD):
            value = QLabel()
            # Names, rooms and user agents come from clients: never read them as rich text.
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(key == "user_agent")
            self.values[key] = value
            form.addRow(label, value)
        self.status = QLabel()
        self.commands = QHBoxLayout()
        self.command_actions = actions.actions_for(sid, self)
        for action in self.command_actions:
            button = QToolButton()
            button.setDefaultAction(action)
            self.commands.addWidget(button)
        self.commands.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(self.commands)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()
        self.setMinimumWidth(460)

    def refresh(self) -> None:
        connection = self._clients.get(self.sid)
        if connection is None:
            self.status.setText("This client has disconnected.")
            self.setWindowTitle("Client details (disconnected)")
            for action in self.command_actions[1:]:  # its traffic stays worth reading
                action.setEnabled(False)
            self._timer.stop()
            return
        self.setWindowTitle(f"Client details: {connection.name or NO_NAME}")
        for key, text in facts(connection).items():
            self.values[key].setText(text)
        self._form.setRowVisible(self.values["node"], connection.node is not None)
