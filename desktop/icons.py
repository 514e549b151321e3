"""The app's icons: one SVG in ``resources/`` per server state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from .controller import State

RESOURCES = Path(__file__).resolve().parent.parent / "resources"

_FILES = {
    State.RUNNING: "tray-running.svg",
    State.STOPPED: "tray-stopped.svg",
    State.STARTING: "tray-stopped.svg",
    State.STOPPING: "tray-stopped.svg",
    State.ERROR: "tray-error.svg",
}


def state_icon(state: State) -> QIcon:
    """The tray and window icon for ``state``."""
    return QIcon(str(RESOURCES / _FILES[state]))
