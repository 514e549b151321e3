"""The app's QApplication carries the app's name where a desktop looks for it (the X11
window class comes from ``argv[0]``; Wayland's app id is ``desktopFileName``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_NAMES = ("from desktop.qt_application import application; app = application(); "
               "print(app.arguments()[0], app.applicationName(), app.desktopFileName())")


def test_a_fresh_process_names_its_application_after_the_app() -> None:
    # A process of its own: this one's QApplication was made by pytest-qt.
    done = subprocess.run([sys.executable, "-c", PRINT_NAMES], cwd=ROOT, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                          capture_output=True, timeout=60, check=True)
    assert done.stdout.split() == ["socketio-tray"] * 3
