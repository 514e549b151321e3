"""The process's one ``QApplication``, named for the desktop it runs on."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from server.config import APP_NAME


def application() -> QApplication:
    """The ``QApplication``, made on first use with the app's name as its ``argv[0]``.

    X11 names a window's class after ``argv[0]``, which a taskbar shows: run as
    ``python -m desktop`` it would be ``__main__.py``.  Wayland matches windows to the
    installed ``socketio-tray.desktop`` by ``desktopFileName``.  The command line's own
    arguments are the app's, not Qt's, and are not passed on.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    return app
