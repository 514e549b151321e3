"""The first run's "starting…" window, on screen before the hub's modules are imported.

A first start pays for what later ones find ready: Python compiles every module of the hub
and its libraries (from a source checkout), and the hub's imports alone take most of a
start.  Qt's widgets load in a fraction of that, so on a first run (when the window is
shown anyway) this note is up at once and the main window replaces it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from server.config import APP_NAME

from .qt_application import application


def show_starting_note() -> QLabel:
    """A small window saying the app is starting; the caller closes it."""
    app = application()
    note = QLabel(f"{APP_NAME} is starting…")
    note.setWindowTitle(APP_NAME)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setMargin(32)
    note.show()
    app.processEvents()  # painted now: the next seconds are spent importing
    return note
