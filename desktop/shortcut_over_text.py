"""A window shortcut that text fields do not swallow.

Qt's text fields claim some Ctrl+letter keys for editing where the platform's key
bindings say so: on Linux (X11, Wayland) Ctrl+E is "end of line".  A window shortcut on
such a key then did nothing while the keyboard was in any text field, the traffic filter
or the composer's own fields included.  The key keeps working in those fields through its
usual key (End); the shortcut wins.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)


class ShortcutOverText(QObject):
    """Keeps ``sequence`` for the shortcuts of ``window`` while one of its text fields has
    the keyboard: a field is watched from when it gets the focus (installing a filter
    again only moves it to the front)."""

    def __init__(self, window: QWidget, sequence: QKeySequence) -> None:
        super().__init__(window)
        self._window = window
        self._sequence = sequence
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, TEXT_FIELDS) and self._window.isAncestorOf(new):
            new.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and QKeySequence(event.keyCombination()) == self._sequence):
            event.ignore()  # not the field's: the shortcut map goes on to the action
            return True
        return False
