"""The command line that both front ends share: setting overrides and --version."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import __version__
from .config import Settings, SettingsError, config_file_path, load_settings
from .logging_config import configure_logging

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


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gives, by name."""
    return {name: getattr(args, name) for name in SETTING_OPTIONS
            if getattr(args, name) is not None}


def settings_from(args: argparse.Namespace) -> Settings | None:
    """The settings with the command line's overrides, logging configured; None (and one
    line on stderr) when a value is invalid."""
    try:
        settings = load_settings(**overrides_from(args))
    except SettingsError as exc:
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return None
    configure_logging(settings.logger_level)
    return settings
