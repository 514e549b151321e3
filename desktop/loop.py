"""The event loop shared by Qt and the hub server."""

from __future__ import annotations

import asyncio

import qasync
from PySide6.QtCore import QCoreApplication


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """An asyncio loop that runs inside Qt's event loop for ``app``."""
    return qasync.QEventLoop(app)
