"""The tray app's own preferences: which notifications it shows.

They are not ``server.config.Settings``: the headless hub has no use for them (they would
become its options and variables), and a changed setting restarts the hub
(``HubController.restart_needed``), which a notification switch must never do.  They are
kept as TOML beside the hub's config file, in ``desktop.toml``.
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from server.config import config_file_path

from . import LOGGER_NAME
from .atomic_file import write_atomically

logger = logging.getLogger(LOGGER_NAME)

PREFERENCES_FILE = "desktop.toml"
NOTIFICATIONS = "notifications"  # the file's table of notification switches


@dataclass(frozen=True)
class Notifications:
    """Which happenings raise a balloon by the tray icon."""

    new_device: bool = True
    refused: bool = True
    server_error: bool = True


NOTIFICATION_LABELS = {
    "new_device": "Notify when a device with a new name connects",
    "refused": "Notify when a client is refused (wrong token, server full)",
    "server_error": "Notify when the server stops on an error",
}


def preferences_path() -> Path:
    """Beside the hub's config file (tests point that elsewhere)."""
    return config_file_path().with_name(PREFERENCES_FILE)


def load_notifications(path: Path | None = None) -> Notifications:
    """The saved switches; a missing file, or a switch that is not true or false, gives
    the default (logged), never an error: a preference must not stop the app."""
    path = preferences_path() if path is None else path
    try:
        with path.open("rb") as file:
            table: Any = tomllib.load(file).get(NOTIFICATIONS, {})
    except FileNotFoundError:
        return Notifications()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        logger.warning("%s is unreadable, using the default notifications: %s", path, exc)
        return Notifications()
    if not isinstance(table, dict):
        table = {}
    values = {}
    for name in NOTIFICATION_LABELS:
        value = table.get(name, True)
        if isinstance(value, bool):
            values[name] = value
        else:
            logger.warning("%s: notifications.%s must be true or false, not %r",
                           path, name, value)
    return Notifications(**values)


def save_notifications(notifications: Notifications, path: Path | None = None) -> Path:
    """Write the switches into the file (its other tables kept), atomically; raises
    ``OSError`` when it cannot be written."""
    path = preferences_path() if path is None else path
    try:
        with path.open("rb") as file:
            content = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        content = {}  # what cannot be read is replaced, as the dialog says what it saves
    content[NOTIFICATIONS] = dataclasses.asdict(notifications)
    write_atomically(path, tomli_w.dumps(content).encode())
    return path
