"""The window's log panel: the hub's recent log lines, fed by a logging handler."""

from __future__ import annotations

import contextlib
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from server.logging_config import FORMAT

MAX_LINES = 500


class _Bridge(QObject):
    line = Signal(str)


class QtLogHandler(logging.Handler):
    """Formats records and hands them to Qt as a signal (queued if logged off-thread)."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter(FORMAT))
        self._bridge = _Bridge()
        self.line = self._bridge.line

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(RuntimeError):  # the Qt side is already gone at exit
            self.line.emit(self.format(record))


class LogPanel(QPlainTextEdit):
    """A read-only, bounded view of log lines that follows the end unless scrolled up.

    Long lines wrap: no horizontal scroll bar to take room from the lines.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("The server's log lines appear here.")

    def append_line(self, line: str) -> None:
        """Add ``line``; keep showing the end if the view was at the end.

        ``appendPlainText`` follows only a visible panel whose last line's bottom is in
        view: not while the window sits hidden in the tray, and not once a horizontal
        scroll bar has taken the bottom of the view.  The scroll bar says it better.
        """
        bar = self.verticalScrollBar()
        following = bar.value() >= bar.maximum()
        self.appendPlainText(line)
        if following:
            bar.setValue(bar.maximum())
