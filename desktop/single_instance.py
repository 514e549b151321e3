"""One app per user and config file: a second launch brings the first one's window forward.

The first instance listens on a ``QLocalServer``; a later one connects, which is the whole
message, and exits.  The name comes from the config file path and the user, so two
configurations (and every test, with its own temporary config file) never collide.
"""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from server.config import APP_NAME, config_file_path

from . import LOGGER_NAME

logger = logging.getLogger(LOGGER_NAME)

CONNECT_TIMEOUT_MS = 1000


def instance_name() -> str:
    """The local socket name of the app running with this user's current config file."""
    key = f"{getpass.getuser()}\0{config_file_path().resolve()}"
    return f"{APP_NAME}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def signal_running_instance(name: str) -> bool:
    """Ask a running instance to come forward; False if there is none."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Holds the name for this process; ``activationRequested`` when another launch asks."""

    activationRequested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)

    def claim(self) -> bool:
        """Become the instance; False when another one runs (it has been told to show)."""
        if signal_running_instance(self.name):
            return False
        # Nobody answered: a socket file left by a crashed instance must not block us.
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            # Not worth refusing to start over: the app runs, only unguarded.
            logger.warning("a second launch will not find this one: local socket %s: %s",
                           self.name, self._server.errorString())
        return True

    def release(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.disconnected.connect(socket.deleteLater)
            socket.disconnectFromServer()
            self.activationRequested.emit()
