"""The tray icon: the server's state at a glance, and the app's menu."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from .actions import AppActions
from .controller import HubController, State
from .icons import state_icon


def describe(controller: HubController, clients: int) -> str:
    """One or two lines on the server: where it listens and how many are connected (in a
    cluster: the nodes up and the clients of them all)."""
    state = controller.state
    if state is State.RUNNING:
        address = controller.urls[0] if controller.urls else "?"
        noun = "client" if clients == 1 else "clients"
        nodes = controller.nodes_up()
        if nodes is not None:
            return (f"socketio-tray: {address}\n{nodes} node{'' if nodes == 1 else 's'} up, "
                    f"{clients} {noun} in all")
        return f"socketio-tray: {address}\n{clients} {noun} connected"
    if state is State.ERROR:
        return f"socketio-tray: {controller.error}"
    return f"socketio-tray: server {state.value}"


def status_line(controller: HubController, clients: int) -> str:
    """The menu's first line: the server's state and port, and how many are connected."""
    if controller.state is State.RUNNING:
        nodes = controller.nodes_up()
        where = "" if nodes is None else f" of {nodes} node{'' if nodes == 1 else 's'}"
        return f"Running on port {controller.port} — {clients} " \
            f"client{'' if clients == 1 else 's'}{where}"
    if controller.state is State.ERROR:
        return "Not running: see the window"
    return f"Server {controller.state.value}"


class TrayIcon(QSystemTrayIcon):
    """The icon, its tooltip and its menu; activating it shows the window."""

    messageShown = Signal(str, str)
    """A balloon was asked for: its title and text (what tests and logs can observe)."""

    def __init__(self, actions: AppActions, parent: QObject | None = None) -> None:
        super().__init__(state_icon(State.STOPPED), parent)
        self.menu = QMenu()
        # A status line, not a command: disabled, kept current by update_for().
        self.status = QAction(self)
        self.status.setEnabled(False)
        self.menu.addAction(self.status)
        self.menu.addSeparator()
        for action in (actions.show_window, actions.open_dashboard, actions.copy_address,
                       actions.connect_device, actions.start_stop):
            self.menu.addAction(action)
        self.menu.addAction(actions.settings)
        # Checked as the entry is: the app sets it each time the menu opens.
        self.start_at_login = QAction("Start at login", self)
        self.start_at_login.setCheckable(True)
        self.menu.addAction(self.start_at_login)
        self.menu.addSeparator()
        self.menu.addAction(actions.quit)
        self.setContextMenu(self.menu)
        self.activated.connect(self._on_activated)
        self._show_window = actions.show_window
        self.last_message: tuple[str, str] | None = None

    def notify(self, title: str, text: str,
               icon: QSystemTrayIcon.MessageIcon = QSystemTrayIcon.MessageIcon.Information,
               ) -> None:
        """A balloon by the icon; ``last_message`` keeps it, as the platform cannot be
        asked what it showed."""
        self.last_message = (title, text)
        self.showMessage(title, text, icon)
        self.messageShown.emit(title, text)

    def update_for(self, controller: HubController, clients: int) -> None:
        self.setIcon(state_icon(controller.state))
        self.setToolTip(describe(controller, clients))
        self.status.setText(status_line(controller, clients))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self._show_window.trigger()
