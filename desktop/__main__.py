"""``python -m desktop`` (and ``socketio-tray``): the tray app, or the hub alone.

Without a display (Linux with neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``, and no
``QT_QPA_PLATFORM`` chosen) or with ``--headless``, it runs ``python -m server`` instead:
the same options, the same hub, no Qt imported.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from server import __main__ as headless
from server import __version__
from server.config import SettingsError, config_file_path, load_settings
from server.logging_config import configure_logging

EXIT_USAGE = 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="socketio-tray",
        description="The socketio-tray desktop app: a tray icon and a window over a "
        "Socket.IO hub running in the same process. Settings come from "
        f"{config_file_path()}, SOCKETIO_* environment variables and these options.",
    )
    parser.add_argument("--host", help="address to bind (default 0.0.0.0: the whole LAN)")
    parser.add_argument("--port", type=int, help="TCP port (0 picks a free one)")
    parser.add_argument("--log-level", dest="logger_level", help="DEBUG, INFO, WARNING, ...")
    parser.add_argument("--headless", action="store_true",
                        help="run the hub without tray or window (as python -m server)")
    parser.add_argument("--version", action="version", version=f"socketio-tray {__version__}")
    return parser.parse_args(argv)


def has_display() -> bool:
    """Whether Qt can show anything: always on Windows and macOS, on X11 or Wayland else."""
    if sys.platform in ("win32", "darwin"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                 "QT_QPA_PLATFORM"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.headless or not has_display():
        return headless.main([arg for arg in argv if arg != "--headless"])
    overrides: dict[str, Any] = {
        key: value for key, value in vars(args).items()
        if value is not None and key != "headless"
    }
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.logger_level)
    from .app import run_gui  # Qt is imported only when there is a screen to use it

    return run_gui(settings)


if __name__ == "__main__":
    sys.exit(main())
