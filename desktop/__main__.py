"""``python -m desktop`` (and ``socketio-tray``): the tray app, or the hub alone.

Without a display (Linux with neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``, and no
``QT_QPA_PLATFORM`` chosen) or with ``--headless``, it runs ``python -m server`` instead:
the same options, the same hub, no Qt imported.  ``--hidden`` (what start at login runs)
starts in the tray with no window.

The hub's modules are imported only once it is known which front end runs, so that a first
run can put its "starting…" window up before them (``starting``).
"""

from __future__ import annotations

import argparse
import os
import sys

from server import cli
from server.config import SettingsError, config_file_path
from server.logging_config import configure_logging
from server.runtime.open_files import raise_open_files_limit

from .startup_settings import load_leniently

EXIT_MISSING_EXTRA = 2
DESKTOP_EXTRA = {"PySide6", "qasync", "segno"}
"""What ``pip install socketio-tray[desktop]`` adds: without it only the hub can run."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = cli.argument_parser(
        "socketio-tray",
        "The socketio-tray desktop app: a tray icon and a window over a Socket.IO hub "
        "running in the same process.",
    )
    parser.add_argument("--headless", action="store_true",
                        help="run the hub without tray or window (as python -m server)")
    parser.add_argument("--hidden", action="store_true",
                        help="start in the tray without showing the window (as at login)")
    return parser.parse_args(argv)


def has_display() -> bool:
    """Whether Qt can show anything: always on Windows and macOS, on X11 or Wayland else."""
    if sys.platform in ("win32", "darwin"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                 "QT_QPA_PLATFORM"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["discover"]:  # the bundle's way to list the hubs on the LAN
        from server import __main__ as headless

        return headless.main(argv)
    args = parse_args(argv)
    if args.headless or not has_display():
        from server import __main__ as headless

        return headless.main([arg for arg in argv if arg not in ("--headless", "--hidden")])
    # A bad setting does not stop the tray app: it starts without it and says so.
    overrides = cli.overrides_from(args)
    try:
        settings, problems = load_leniently(overrides)
    except SettingsError as exc:  # no setting to blame: a config file that is not TOML
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return cli.EXIT_USAGE
    configure_logging(settings.logger_level)
    try:  # Qt is imported only when there is a screen to use it
        starting = None
        if not config_file_path().exists() and not args.hidden:  # the window shows anyway
            from .starting import show_starting_note

            starting = show_starting_note()
        from .app import run_gui
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in DESKTOP_EXTRA:
            raise
        print(f"socketio-tray: the desktop app needs {exc.name}: "
              "pip install 'socketio-tray[desktop]' (or run with --headless)", file=sys.stderr)
        return EXIT_MISSING_EXTRA
    from server.runtime.runner import skip_exit_collection  # loaded by now: no cost

    raise_open_files_limit()
    status = run_gui(settings, problems, overrides, starting, hidden=args.hidden)
    skip_exit_collection()
    return status

if __name__ == "__main__":
    sys.exit(main())
