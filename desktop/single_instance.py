"""One app per user and config file: a second launch brings the first one's window forward.

The first instance listens on a ``QLocalServer``; a later one connects, says ``show`` (a
launch by hand) or ``stay`` (a ``--hidden`` launch at login, which must not pop a window
up over a running app) and exits.  The name comes from the config file path and the user, so two
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
SHOW, STAY = b"show\n", b"stay\n"


def instance_name() -> str:
    """The local socket name of the app running with this user's current config file."""
    key = f"{getpass.getuser()}\0{config_file_path().resolve()}"
    return f"{APP_NAME}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def signal_running_instance(name: str, show: bool = True) -> bool:
    """Tell a running instance of this launch (to come forward if ``show``); False if
    there is none."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(SHOW if show else STAY)
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Holds the name for this process; ``launchedAgain(show)`` when another launch
    hands over to it."""

    launchedAgain = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)

    def claim(self, show: bool = True) -> bool:
        """Become the instance; False when another one runs (it has been told of this
        launch, and to come forward if ``show``)."""
        if signal_running_instance(self.name, show):
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
            socket.readyRead.connect(lambda socket=socket: self._on_message(socket))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._on_message(socket)

    def _on_message(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return  # the rest of the line is on its way
        message = bytes(socket.readLine().data())
        socket.disconnectFromServer()
        self.launchedAgain.emit(message != STAY)
