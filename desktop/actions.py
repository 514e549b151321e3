"""The app's commands as ``QAction``s, shared by the tray menu and the window's menu.

Without a tray the window holds every one of them, so nothing is out of reach.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from .controller import State


class AppActions(QObject):
    """Show window, Open dashboard, Copy LAN address, Connect a device, Start/Stop,
    Settings, Quit."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_window = QAction("Show window", self)
        self.open_dashboard = QAction("Open dashboard in browser", self)
        self.copy_address = QAction("Copy LAN address", self)
        self.connect_device = QAction("Connect a device…", self)
        self.start_stop = QAction("Start server", self)
        self.settings = QAction("Settings…", self)
        self.quit = QAction("Quit", self)
        self.quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.update_for(State.STOPPED)
        self.show_lan_address(None, None)

    def update_for(self, state: State) -> None:
        """Label and enable the commands for the server's ``state``."""
        running = state is State.RUNNING
        self.start_stop.setText("Stop server" if running else "Start server")
        self.start_stop.setEnabled(state not in (State.STARTING, State.STOPPING))
        self.open_dashboard.setEnabled(running)

    def show_lan_address(self, url: str | None, problem: str | None) -> None:
        """"Copy LAN address" only while there is one: a loopback address pasted into a
        device cannot work.  Without one, the item is disabled and says why."""
        self.copy_address.setEnabled(url is not None)
        label = "Copy LAN address"
        self.copy_address.setText(f"{label} ({problem})" if problem else label)
        self.copy_address.setToolTip(url or problem or "The server is not running")
