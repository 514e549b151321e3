"""The settings dialog: port, bind address, tokens and ping timings.

Values are checked by ``server.config`` itself (the same rules as at start-up) and saved
with ``save_config_file``; a refused value keeps the dialog open with the reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from server.config import Settings, SettingsError, config_file_path, load_settings, save_config_file

BIND_CHOICES = ("0.0.0.0", "127.0.0.1")
"""Offered in the address box: the whole LAN, or this machine only. Any IP may be typed."""


def _seconds_box(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    # Zero is allowed here so that the server's own rule ("> 0") is what refuses it.
    box.setRange(0, 3600)
    box.setDecimals(1)
    box.setSuffix(" s")
    box.setValue(value)
    return box


def _token_box(value: str | None, when_empty: str) -> QLineEdit:
    box = QLineEdit(value or "")
    box.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
    box.setPlaceholderText(when_empty)
    return box


class SettingsDialog(QDialog):
    """Edit, check and save the settings; ``settings`` holds the result once accepted."""

    def __init__(self, current: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("socketio-tray settings")
        self.settings: Settings | None = None

        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("any free port")
        self.port.setValue(current.port)
        self.host = QComboBox()
        self.host.setEditable(True)
        self.host.addItems(BIND_CHOICES)
        self.host.setCurrentText(current.host)
        self.auth_token = _token_box(current.auth_token, "none: any client may connect")
        # The hub generates a dashboard token when there is none, so clearing this field
        # revokes every phone's access: say so where the user clears it.
        self.dashboard_token = _token_box(
            current.dashboard_token, "a new one is generated: phones must scan the QR again")
        self.ping_interval = _seconds_box(current.ping_interval)
        self.ping_timeout = _seconds_box(current.ping_timeout)

        form = QFormLayout()
        form.addRow("Port:", self.port)
        form.addRow("Bind address:", self.host)
        form.addRow("Client token:", self.auth_token)
        form.addRow("Dashboard token:", self.dashboard_token)
        form.addRow("Ping interval:", self.ping_interval)
        form.addRow("Ping timeout:", self.ping_timeout)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        note = QLabel(f"Saved to {config_file_path()}; applying restarts the server.")
        note.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        """What the dialog says, as config-file keys (an empty token means none)."""
        return {
            "port": self.port.value(),
            "host": self.host.currentText().strip(),
            "auth_token": self.auth_token.text().strip() or None,
            "dashboard_token": self.dashboard_token.text().strip() or None,
            "ping_interval": self.ping_interval.value(),
            "ping_timeout": self.ping_timeout.value(),
        }

    def save(self) -> None:
        """Check, save and close; or stay open and say what is wrong."""
        values = self.values()
        try:
            # The dialog's values win over the environment, as the user just chose them.
            settings = load_settings(**values)
            save_config_file(values)
        except SettingsError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.settings = settings
        self.accept()
