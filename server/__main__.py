"""``python -m server``: the hub alone, without the desktop app; ``python -m server
discover``: list the hubs on the LAN."""

from __future__ import annotations

import sys

from .cli import EXIT_USAGE, argument_parser, settings_from
from .discovery import discover_main
from .runtime.open_files import raise_open_files_limit
from .runtime.runner import PortInUseError, ServerCrashed, run_server, skip_exit_collection


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["discover"]:
        return discover_main(argv[1:])
    parser = argument_parser("python -m server",
                             "Run the socketio-tray Socket.IO hub without the desktop app.")
    settings = settings_from(parser.parse_args(argv))
    if settings is None:
        return EXIT_USAGE
    raise_open_files_limit()
    try:
        run_server(settings)
        skip_exit_collection()
    except PortInUseError as exc:
        print(f"socketio-tray: {exc}; choose another with --port or SOCKETIO_PORT",
              file=sys.stderr)
        return 1
    except ServerCrashed as exc:
        print(f"socketio-tray: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
