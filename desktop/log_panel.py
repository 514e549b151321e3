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

    Long lines wrap, so no horizontal scroll bar takes room from the lines.  Following is
    kept by the scroll bar itself: whenever its range grows (new lines, lines rewrapped
    by a resize, a scroll bar appearing), a view that was at the end moves to the new
    end.  ``appendPlainText`` alone follows only a visible panel whose last line still
    fits in the view: not while the window sits hidden in the tray, and not once a
    horizontal scroll bar has covered the bottom line.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setPlaceholderText("The server's log lines appear here.")
        self._following = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)

    def _scrolled(self, value: int) -> None:
        # Scrolling up (by the user) stops following; back at the end resumes it.
        self._following = value >= self.verticalScrollBar().maximum()

    def _range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self.verticalScrollBar().setValue(maximum)
