"""The settings dialog: port, bind address, tokens, ping timings, LAN announcement and
traffic recording; and the tray app's own: start at login, notifications.

Each field is checked as it is typed, by ``server.config.Settings`` itself (see
``setting_fields``); a wrong one is marked, its reason shown under it, and Save stays
disabled until every field is right.  Before saving, the dialog says what applying will do
to the connected clients: the hub restarts only when a setting it serves has changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from server.config import Settings, SettingsError, config_file_path, save_config_file
from server.discovery.naming import default_node_name

from .autostart import Autostart, set_start_at_login
from .controller import HubController
from .preferences import (
    NOTIFICATION_LABELS,
    Notifications,
    preferences_path,
    save_notifications,
)
from .setting_fields import INVALID_STYLE, Checked, PlaceholderLineEdit, SettingRow

BIND_CHOICES = ("0.0.0.0", "127.0.0.1")
"""Offered in the address box: the whole LAN, or this machine only. Any IP may be typed."""

SWITCHES = (("discovery", "Announce the hub on the LAN (mDNS)"),
            ("inspector", "Record the traffic for the inspector"))
"""The on/off settings, as checkboxes: always valid, so they need no ``SettingRow``."""


def _number_box(value: float) -> QLineEdit:
    return QLineEdit(f"{value:g}")


def _text_box(value: str | None, when_empty: str) -> QLineEdit:
    box = PlaceholderLineEdit(value or "")
    box.setPlaceholderText(when_empty)
    return box


def _token_box(value: str | None, when_empty: str) -> QLineEdit:
    box = _text_box(value, when_empty)
    box.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
    return box


def _switch(name: str, text: str, checked: bool) -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(checked)
    box.setToolTip(Settings.model_fields[name].description or "")
    return box


def _plural(count: int) -> str:
    return f"{count} client{'' if count == 1 else 's'}"


class SettingsDialog(QDialog):
    """Edit, check and save the settings; ``settings`` holds the result once accepted.

    With ``autostart``, a "Start at login" checkbox shows and sets that entry; with
    ``notifications`` (there is a tray), a switch for each kind, saved apart from the
    hub's settings and held in ``notifications`` once accepted.
    """

    def __init__(self, controller: HubController, parent: QWidget | None = None, *,
                 autostart: Autostart | None = None,
                 notifications: Notifications | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("socketio-tray settings")
        self.setStyleSheet(INVALID_STYLE)
        self.settings: Settings | None = None
        self.notifications = notifications
        self._autostart = autostart
        self._controller = controller
        current = controller.settings

        self.port = _number_box(current.port)
        self.host = QComboBox()
        self.host.setEditable(True)
        self.host.addItems(BIND_CHOICES)
        self.host.setCurrentText(current.host)
        self.auth_token = _token_box(current.auth_token, "none: any client may connect")
        # The hub generates a dashboard token when there is none, so clearing this field
        # revokes every phone's access: say so where the user clears it.
        self.dashboard_token = _token_box(
            current.dashboard_token, "a new one is generated: phones must scan the QR again")
        self.ping_interval = _number_box(current.ping_interval)
        self.ping_timeout = _number_box(current.ping_timeout)
        self.node_name = _text_box(current.node_name, f"empty: {default_node_name()}")
        self.switches = {name: _switch(name, text, getattr(current, name))
                         for name, text in SWITCHES}
        self.rows = {row.name: row for row in [
            SettingRow("port", "Port", self.port),
            SettingRow("host", "Bind address", self.host),
            SettingRow("auth_token", "Client token", self.auth_token),
            SettingRow("dashboard_token", "Dashboard token", self.dashboard_token),
            SettingRow("ping_interval", "Ping interval", self.ping_interval, "seconds"),
            SettingRow("ping_timeout", "Ping timeout", self.ping_timeout, "seconds"),
            SettingRow("node_name", "Name on the LAN", self.node_name),
        ]}

        self.form = QFormLayout()
        for row in self.rows.values():
            label = f"{row.label} ({row.unit}):" if row.unit else f"{row.label}:"
            self.form.addRow(label, row.editor)
            self.form.addRow("", row.message)
            row.line.textChanged.connect(self.refresh)
        for box in self.switches.values():
            self.form.addRow("", box)
            box.toggled.connect(self.refresh)
        self.start_at_login = QCheckBox("Start at login, in the tray")
        self.notify: dict[str, QCheckBox] = {}
        self._add_own_switches(autostart, notifications)

        self.restart_note = QLabel()
        self.restart_note.setWordWrap(True)
        where = QLabel(f"Saved to {config_file_path()}" + (
            f" (the tray's own: {preferences_path().name})" if notifications else ""))
        where.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # Never smaller than the layout needs: a message appearing must not squash a field.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addLayout(self.form)
        layout.addWidget(self.restart_note)
        layout.addWidget(where)
        layout.addStretch()
        layout.addWidget(self.buttons)

        # The note counts the clients a restart would drop, as they come and go.
        unsubscribe = controller.manager.subscribe(lambda _change, _connection: self.refresh())
        self.finished.connect(lambda _result: unsubscribe())
        self.refresh()

    def _add_own_switches(self, autostart: Autostart | None,
                          notifications: Notifications | None) -> None:
        """The tray app's own checkboxes, each showing what is in force now."""
        if autostart is not None:
            self.start_at_login.setChecked(autostart.is_enabled())
            self.start_at_login.setToolTip(autostart.location)
            self.form.addRow("", self.start_at_login)
        if notifications is None:
            return
        for name, text in NOTIFICATION_LABELS.items():
            box = self.notify[name] = QCheckBox(text)
            box.setChecked(getattr(notifications, name))
            self.form.addRow("", box)

    def values(self) -> dict[str, Any] | None:
        """The settings as typed, as config-file keys; None while any field is wrong."""
        return self._values({name: row.check() for name, row in self.rows.items()})

    def _values(self, checked: dict[str, Checked]) -> dict[str, Any] | None:
        if any(result.problem for result in checked.values()):
            return None
        return {**{name: result.value for name, result in checked.items()},
                **{name: box.isChecked() for name, box in self.switches.items()}}

    def refresh(self) -> None:
        """Mark each field, enable Save only when all are right, and say what Save does."""
        checked = {name: row.check() for name, row in self.rows.items()}
        for name, row in self.rows.items():
            row.show(checked[name])
            self.form.setRowVisible(row.message, checked[name].problem is not None)
        values = self._values(checked)
        self.save_button.setEnabled(values is not None)
        if values is not None:
            self._describe_saving(self._controller.settings.model_copy(update=values))
        else:
            self.save_button.setText("Save")
            self.restart_note.setText("Correct the marked fields to save.")
        self._grow()

    def _describe_saving(self, wanted: Settings) -> None:
        controller = self._controller
        restart = controller.restart_needed(wanted)
        self.save_button.setText("Save and restart" if restart and controller.is_running
                                 else "Save")
        if not controller.is_running:
            note = "The hub is not running: saving starts it with these settings."
        elif not restart:
            note = "Nothing here has changed that needs a restart: clients stay connected."
        elif controller.client_count == 0:
            note = "Applying this restarts the hub; no client is connected."
        else:
            served = controller.settings
            moves = (wanted.host, wanted.port) != (served.host, served.port) or wanted.port == 0
            # socket.io-client retries after the hub's close; python-socketio's does not.
            then = ("they must reconnect to the new address" if moves
                    else "those that retry, as socket.io-client does, will reconnect")
            note = (f"Applying this restarts the hub and disconnects "
                    f"{_plural(controller.client_count)}; {then}.")
        self.restart_note.setText(note)

    def _grow(self) -> None:
        """Grow (never shrink) to what the layout now asks for, messages included."""
        # Lay out now what Qt would on the next turn (a button's longer text, a message),
        # so that the size asked for below counts them.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.resize(self.size().expandedTo(self.sizeHint()))

    def save(self) -> None:
        """Check, save and close; or stay open, the wrong fields marked."""
        values = self.values()
        if values is None:
            self.refresh()
            return
        try:
            save_config_file(values)
        except (SettingsError, OSError) as exc:
            self.restart_note.setText(f"Not saved: {exc}")
            return
        try:
            self._save_own()
        except OSError as exc:
            self.restart_note.setText(f"The settings are saved, but start at login or the "
                                      f"notifications are not: {exc}")
            return
        self.settings = self._controller.settings.model_copy(update=values)
        self.accept()

    def _save_own(self) -> None:
        """The tray app's own preferences: the login entry and the notification switches."""
        autostart = self._autostart
        if autostart is not None and self.start_at_login.isChecked() != autostart.is_enabled():
            set_start_at_login(autostart, self.start_at_login.isChecked())
        if self.notifications is not None:
            self.notifications = Notifications(
                **{name: box.isChecked() for name, box in self.notify.items()})
            save_notifications(self.notifications)
