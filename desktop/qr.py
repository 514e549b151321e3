"""A QR code of a URL as a pixmap, so a phone on the LAN can open the dashboard."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QPixmap


def qr_pixmap(text: str, scale: int = 5) -> QPixmap:
    """``text`` as a black-on-white QR code with a quiet zone, ``scale`` pixels a module."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap
