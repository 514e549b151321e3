"""``python -m server``: the hub alone, without the desktop app."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import __version__
from .config import Settings, SettingsError, config_file_path, load_settings
from .logging_config import configure_logging
from .runner import PortInUseError, run_server

EXIT_USAGE = 2


SETTING_OPTIONS = ("host", "port", "logger_level")


def argument_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options every front end shares: the settings one may override, and --version."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"{description} Every setting can also be given as a SOCKETIO_* "
        f"environment variable or in {config_file_path()}.",
    )
    parser.add_argument("--host", help="address to bind (default 0.0.0.0: the whole LAN)")
    parser.add_argument("--port", type=int, help="TCP port (0 picks a free one)")
    parser.add_argument("--log-level", dest="logger_level", help="DEBUG, INFO, WARNING, ...")
    parser.add_argument("--version", action="version", version=f"socketio-tray {__version__}")
    return parser


def settings_from(args: argparse.Namespace) -> Settings | None:
    """The settings with the command line's overrides, logging configured; None (and one
    line on stderr) when a value is invalid."""
    overrides: dict[str, Any] = {
        name: getattr(args, name) for name in SETTING_OPTIONS if getattr(args, name) is not None
    }
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return None
    configure_logging(settings.logger_level)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser("python -m server",
                             "Run the socketio-tray Socket.IO hub without the desktop app.")
    settings = settings_from(parser.parse_args(argv))
    if settings is None:
        return EXIT_USAGE
    try:
        run_server(settings)
    except PortInUseError as exc:
        print(f"socketio-tray: {exc}; choose another with --port or SOCKETIO_PORT",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
