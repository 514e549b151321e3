"""socketio-tray's Socket.IO hub: runs alone (``python -m server``) or inside the desktop app."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("socketio-tray")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
