"""The window's two banners: why the server is not running, and that only this computer
can reach it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ErrorBanner(QFrame):
    """Why the server is not running, and a way out when the port is taken."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("ErrorBanner { background: #fdecea; border: 1px solid #d23f31; }"
                           "QLabel { color: #8a1c12; }")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.use_port = QPushButton()
        self.settings = QPushButton("Settings…")
        layout = QHBoxLayout(self)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.use_port)
        layout.addWidget(self.settings)


class LoopbackNotice(QFrame):
    """Said where the addresses are when no other device can reach the hub, with the
    one-click way out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("LoopbackNotice { background: #fff4e5; border: 1px solid #e0a030; }")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.open_to_lan = QPushButton("Let LAN devices connect")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.open_to_lan)
