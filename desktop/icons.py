"""The app's icons: one SVG per server state, shipped inside the package.

``desktop/resources`` is found through ``importlib.resources`` in every layout: in the
source tree it is a symlink to the top-level ``resources/``, the wheel and the PyInstaller
bundle carry the files themselves.
"""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QIcon

from .controller import State

RESOURCES = files("desktop") / "resources"

_FILES = {
    State.RUNNING: "tray-running.svg",
    State.STOPPED: "tray-stopped.svg",
    State.STARTING: "tray-stopped.svg",
    State.STOPPING: "tray-stopped.svg",
    State.ERROR: "tray-error.svg",
}


def icon_path(state: State) -> str:
    """The SVG file for ``state``.

    Qt reads an SVG icon's file again whenever it paints, so it needs a lasting path: the
    package is always unpacked on disk (an installed wheel, the bundle), never zipped.
    """
    return str(RESOURCES / _FILES[state])


def state_icon(state: State) -> QIcon:
    """The tray and window icon for ``state``."""
    return QIcon(icon_path(state))
