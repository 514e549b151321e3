"""The tray icon: the server's state at a glance, and the app's menu."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from .actions import AppActions
from .controller import HubController, State
from .icons import state_icon


def describe(controller: HubController, clients: int) -> str:
    """One or two lines on the server: where it listens and how many are connected."""
    state = controller.state
    if state is State.RUNNING:
        address = controller.urls[0] if controller.urls else "?"
        noun = "client" if clients == 1 else "clients"
        return f"socketio-tray: {address}\n{clients} {noun} connected"
    if state is State.ERROR:
        return f"socketio-tray: {controller.error}"
    return f"socketio-tray: server {state.value}"


class TrayIcon(QSystemTrayIcon):
    """The icon, its tooltip and its menu; activating it shows the window."""

    def __init__(self, actions: AppActions, parent: QObject | None = None) -> None:
        super().__init__(state_icon(State.STOPPED), parent)
        self.menu = QMenu()
        for action in (actions.show_window, actions.open_dashboard, actions.copy_address,
                       actions.connect_device, actions.start_stop):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(actions.quit)
        self.setContextMenu(self.menu)
        self.activated.connect(self._on_activated)
        self._show_window = actions.show_window

    def update_for(self, controller: HubController, clients: int) -> None:
        self.setIcon(state_icon(controller.state))
        self.setToolTip(describe(controller, clients))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self._show_window.trigger()
