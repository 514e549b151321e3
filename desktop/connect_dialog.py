""""Connect a device": client code for each platform with this hub's address filled in.

The code comes from ``server.connect_snippets``, the same as the dashboard's; the dialog
follows the hub (a restart on another port or address refills it) and never blocks.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from server.connect_snippets import TOKEN_PLACEHOLDER, Snippet

from .controller import HubController


class SnippetTab(QWidget):
    """One platform: what to install, the code, and a button that copies it."""

    def __init__(self, snippet: Snippet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snippet = snippet
        install = QLabel(f"Install: <code>{escape(snippet.install)}</code>")
        install.setWordWrap(True)
        self.code = QPlainTextEdit(snippet.code)
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("Copy code")
        self.copy_button.clicked.connect(self.copy)
        buttons = QHBoxLayout()
        buttons.addWidget(install, 1)
        buttons.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.code, 1)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.snippet.code)
        self.copy_button.setText("Copied")


class ConnectDialog(QDialog):
    """A tab per platform; the header says where the hub is and how devices find it."""

    def __init__(self, controller: HubController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Connect a device — socketio-tray")
        self.resize(760, 600)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        controller.stateChanged.connect(self.refresh)
        controller.discoveryChanged.connect(self.refresh)
        self.refresh()

    def snippet_tabs(self) -> list[SnippetTab]:
        tabs = (self.tabs.widget(index) for index in range(self.tabs.count()))
        return [tab for tab in tabs if isinstance(tab, SnippetTab)]

    def refresh(self) -> None:
        """Refill the code when the hub's address, port or announcement changed."""
        snippets = self.controller.connect_snippets()
        if [tab.snippet for tab in self.snippet_tabs()] != snippets:
            current = self.tabs.currentIndex()
            self.tabs.clear()
            for snippet in snippets:
                self.tabs.addTab(SnippetTab(snippet), snippet.title)
            self.tabs.setCurrentIndex(max(current, 0))
        self.summary.setText(self._summary(bool(snippets)))

    def _summary(self, serving: bool) -> str:
        controller = self.controller
        if not serving:
            return "The server is not running: start it to get code with its address."
        lines = [f"Each example connects to <b>{controller.urls[0]}</b>, joins the room "
                 "<code>kitchen</code> and sends a <code>message</code>.",
                 escape(controller.discovery_status()) + "."]
        if controller.settings.auth_token is not None:
            lines.append(f"Replace <code>{TOKEN_PLACEHOLDER}</code> with the hub's "
                         "<code>auth_token</code> (Settings).")
        if controller.loopback_only:
            lines.append("<b>Only this computer can reach this address:</b> use “Let LAN "
                         "devices connect” in the window first.")
        return "<br>".join(lines)
