"""``python -m server discover``: list the hubs on the LAN, or on one interface."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ..network import lan_addresses
from ..runtime.event_loop import new_event_loop
from .browser import BROWSE_SECONDS, browse
from .interfaces import EXPECTED_FAILURES, checked_interfaces, failure_reason
from .records import FoundHub

EXIT_FOUND = 0
EXIT_NONE_FOUND = 1
EXIT_CANNOT_BROWSE = 2  # also argparse's status for a bad option
MAX_SECONDS = 60.0


def _interface(text: str) -> str:
    try:
        return checked_interfaces([text])[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < seconds <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_SECONDS:g}")
    return seconds


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m server discover",
        description="Find socketio-tray hubs (and other _socketio._tcp services) by mDNS.",
    )
    parser.add_argument(
        "--interface", metavar="ADDRESS", action="append", type=_interface,
        help="browse on the interface with this address (repeatable); default: every LAN "
        "interface, not loopback")
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=_seconds, default=BROWSE_SECONDS,
        help=f"how long to listen for answers (default {BROWSE_SECONDS:g})")
    return parser


def _host_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def describe(hub: FoundHub) -> str:
    """One line: ``name  address:port, ...  token required  version 0.1.0``."""
    token = {True: "token required", False: "no token", None: "token unknown"}
    where = ", ".join(_host_port(address, hub.port) for address in hub.addresses) \
        or f"port {hub.port}, no address"
    return f"{hub.name}  {where}  {token[hub.auth_required]}  version {hub.version or '?'}"


def discover_main(argv: Sequence[str] | None = None) -> int:
    """Browse, print one line per hub; 0 if any was found, 1 if none, 2 if mDNS could not
    be used on the interfaces (the reason on stderr)."""
    args = argument_parser().parse_args(argv)
    interfaces: list[str] = args.interface or lan_addresses()
    if not interfaces:
        print("socketio-tray: no LAN interface to browse on; name one with --interface",
              file=sys.stderr)
        return EXIT_CANNOT_BROWSE
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            hubs = runner.run(browse(interfaces, args.timeout))
    except EXPECTED_FAILURES as exc:
        print(f"socketio-tray: cannot browse on {', '.join(interfaces)}: "
              f"{failure_reason(exc)}", file=sys.stderr)
        return EXIT_CANNOT_BROWSE
    for hub in hubs:
        print(describe(hub))
    if not hubs:
        print(f"socketio-tray: no hub answered on {', '.join(interfaces)} within "
              f"{args.timeout:g} s", file=sys.stderr)
        return EXIT_NONE_FOUND
    return EXIT_FOUND
