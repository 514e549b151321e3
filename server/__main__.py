"""``python -m server``: the hub alone, without the desktop app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import __version__
from .config import SettingsError, config_file_path, load_settings
from .logging_config import configure_logging
from .runner import PortInUseError, run_server

EXIT_USAGE = 2


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m server",
        description="Run the socketio-tray Socket.IO hub without the desktop app. "
        "Every setting can also be given as a SOCKETIO_* environment variable "
        f"or in {config_file_path()}.",
    )
    parser.add_argument("--host", help="address to bind (default 0.0.0.0: the whole LAN)")
    parser.add_argument("--port", type=int, help="TCP port (0 picks a free one)")
    parser.add_argument("--log-level", dest="logger_level", help="DEBUG, INFO, WARNING, ...")
    parser.add_argument("--version", action="version", version=f"socketio-tray {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides: dict[str, Any] = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.logger_level)
    try:
        run_server(settings)
    except PortInUseError as exc:
        print(f"socketio-tray: {exc}; choose another with --port or SOCKETIO_PORT",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
