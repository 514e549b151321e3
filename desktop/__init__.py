"""socketio-tray's desktop front end: tray icon and window over the in-process hub."""

from server.logging_config import LOGGER_NAME as _HUB_LOGGER

LOGGER_NAME = f"{_HUB_LOGGER}.desktop"
"""The app's logger: a child of the hub's, so its lines share the hub's handlers and reach
the window's log panel."""
