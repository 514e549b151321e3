"""Render the app icon (resources/tray-running.svg) into the PNGs and the .ico we ship.

    .venv/bin/python packaging/render_icons.py

Writes packaging/linux/icons/hicolor/<N>x<N>/apps/socketio-tray.png for the usual sizes
and packaging/windows/socketio-tray.ico (16 to 256 px).  Qt's own SVG renderer draws
them, the same one the app uses for its tray icon.  The results are committed, so
installing needs neither Qt nor this script; run it again when the SVG changes.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

PACKAGING = Path(__file__).resolve().parent
SOURCE = PACKAGING.parent / "resources" / "tray-running.svg"
LINUX_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG per size (supported since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in pngs.items():
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs an application)
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render_icons: cannot read {SOURCE}", file=sys.stderr)
        return 1
    for size in LINUX_SIZES:
        target = PACKAGING / "linux" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        (target / "socketio-tray.png").write_bytes(render_png(renderer, size))
    windows = PACKAGING / "windows"
    windows.mkdir(exist_ok=True)
    (windows / "socketio-tray.ico").write_bytes(
        ico({size: render_png(renderer, size) for size in ICO_SIZES}))
    print(f"render_icons: {len(LINUX_SIZES)} PNGs and socketio-tray.ico from {SOURCE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
