"""The device names this app has seen connect, kept across runs, so that only a name never
seen before is announced.

Names are the clients' own (the hub has cleaned and cut them): a fleet that names every
connection anew must not grow the file without end, so it keeps the ``limit`` names seen
most recently and forgets the others first.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from pathlib import Path

from server.config import config_file_path

from . import LOGGER_NAME
from .atomic_file import write_atomically

logger = logging.getLogger(LOGGER_NAME)

KNOWN_DEVICES_FILE = "known-devices.json"
MAX_KNOWN = 1000


def known_devices_path() -> Path:
    """Beside the hub's config file (tests point that elsewhere)."""
    return config_file_path().with_name(KNOWN_DEVICES_FILE)


class KnownDevices:
    """Names seen, oldest sighting first; ``save()`` writes them when they changed."""

    def __init__(self, path: Path, limit: int = MAX_KNOWN) -> None:
        self.path = path
        self.limit = limit
        self._names: OrderedDict[str, None] = OrderedDict.fromkeys(self._read()[-limit:])
        self._changed = False

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __len__(self) -> int:
        return len(self._names)

    def first_sighting(self, name: str) -> bool:
        """Remember ``name`` as seen now; True if it was never seen before."""
        new = name not in self._names
        self._names[name] = None
        self._names.move_to_end(name)
        if len(self._names) > self.limit:
            self._names.popitem(last=False)
        self._changed = True
        return new

    def save(self) -> None:
        """Write the names if they changed (atomically); a failure is logged, not raised:
        the names are remembered for this run all the same."""
        if not self._changed:
            return
        try:
            write_atomically(self.path, json.dumps(list(self._names),
                                                   ensure_ascii=False).encode())
        except OSError as exc:
            logger.warning("the device names seen could not be saved: %s", exc)
            return
        self._changed = False

    def _read(self) -> list[str]:
        try:
            names = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            logger.warning("%s is unreadable, starting without it: %s", self.path, exc)
            return []
        if not isinstance(names, list):
            logger.warning("%s holds no list of names, starting without it", self.path)
            return []
        return [name for name in names if isinstance(name, str)]
