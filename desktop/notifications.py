"""Balloons by the tray icon: a device with a new name, a client refused, the server
stopped on an error.

The notifier listens where the window does, through the controller: the registry for
connections (``ConnectionManager.subscribe``), the hub's journal for refusals (its
``refused`` entries without a session: a connect or request turned away), and the
controller's state for errors.  Each kind can be switched off (``preferences``); all
of them pass one ``Coalescer``, so a burst becomes one balloon and none comes sooner than
a second after the last.  Names and reasons come from clients: they are shown as plain
text, on one line, cut short.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon

from server.config import APP_NAME
from server.connections import Change, Connection
from server.inspector import Entry, Filter, Kind
from server.inspector.refusals import RecentRefusals

from .coalescer import Coalescer, Held
from .controller import HubController, State
from .known_devices import KnownDevices
from .preferences import Notifications
from .tray import TrayIcon

TICK_MS = 100
"""How often held notices are looked at while any is held."""
SAVE_DELAY_MS = 1000
"""New names are written at most this often: a fleet connecting is one write."""
REFUSAL_QUIET_SECONDS = 60.0
"""The same address refused for the same reason is told once in this time: a device
retrying a wrong token is one balloon, not one a second for ever."""
NAME_LENGTH = 40
TEXT_LENGTH = 160
MARKUP_LOOKALIKES = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06"})
"""A Linux notification server may read a balloon's text as markup: a name is no tag."""


class NoticeKind(enum.Enum):
    """What a balloon tells, most urgent first (the order of a combined balloon's lines);
    the value names the switch in ``Notifications``."""

    SERVER_ERROR = "server_error"
    REFUSED = "refused"
    NEW_DEVICE = "new_device"


@dataclass(frozen=True)
class Balloon:
    title: str
    text: str
    icon: QSystemTrayIcon.MessageIcon


def plain(text: str, limit: int) -> str:
    """``text`` as one line of plain text: no control or format characters (a
    right-to-left override would turn the words around), markup characters replaced by
    look-alikes, cut to ``limit`` characters with an ellipsis."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if unicodedata.category(c) != "Cf")
    line = " ".join(kept.split()).translate(MARKUP_LOOKALIKES)
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _new_devices(held: Held) -> str:
    if held.count == 1:
        return f"“{held.samples[0]}” connected for the first time"
    names = ", ".join(f"“{name}”" for name in held.samples)
    more = held.count - len(held.samples)
    return f"{held.count} new devices connected: {names}" + (f" and {more} more" if more
                                                              else "")


def _refused(held: Held) -> str:
    if held.count == 1:
        return f"Refused {held.samples[0]}"
    return f"{held.count} clients refused, the first: {held.samples[0]}"


LINES: dict[NoticeKind, Callable[[Held], str]] = {
    NoticeKind.SERVER_ERROR: lambda held: f"The server stopped: {held.samples[-1]}",
    NoticeKind.REFUSED: _refused,
    NoticeKind.NEW_DEVICE: _new_devices,
}
TITLES = {  # (one, several)
    NoticeKind.SERVER_ERROR: ("Server stopped", "Server stopped"),
    NoticeKind.REFUSED: ("Client refused", "Clients refused"),
    NoticeKind.NEW_DEVICE: ("New device", "New devices"),
}


def describe(released: dict[NoticeKind, Held]) -> Balloon:
    """One balloon for everything released at once, its most urgent kind first."""
    kinds = [kind for kind in NoticeKind if kind in released]
    title = TITLES[kinds[0]][released[kinds[0]].count > 1] if len(kinds) == 1 else APP_NAME
    warn = NoticeKind.SERVER_ERROR in released or NoticeKind.REFUSED in released
    icon = (QSystemTrayIcon.MessageIcon.Warning if warn
            else QSystemTrayIcon.MessageIcon.Information)
    return Balloon(title, "\n".join(LINES[kind](released[kind]) for kind in kinds), icon)


class Notifier(QObject):
    """Watches the hub through ``controller`` and tells ``tray``; ``close()`` when done."""

    def __init__(self, controller: HubController, tray: TrayIcon, known: KnownDevices,
                 preferences: Notifications, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tray = tray
        self.known = known
        self.preferences = preferences
        self.coalescer: Coalescer[NoticeKind] = Coalescer()
        self.refusals = RecentRefusals(window=REFUSAL_QUIET_SECONDS)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.release)
        self._save = QTimer(self)
        self._save.setSingleShot(True)
        self._save.setInterval(SAVE_DELAY_MS)
        self._save.timeout.connect(known.save)
        self._unsubscribe_journal = controller.subscribe_journal(
            self._on_refused, Filter(kind=Kind.REFUSED))
        self._unsubscribe_registry = controller.manager.subscribe(self._on_connection)
        controller.stateChanged.connect(self._on_state)
        self._on_state(controller.state)

    def close(self) -> None:
        """Stop listening, and write the names seen."""
        self._unsubscribe_registry()
        self._unsubscribe_journal()
        self._tick.stop()
        self._save.stop()
        self.known.save()

    def release(self) -> None:
        """Show what is held if its time has come (the tick's work)."""
        released = {kind: held for kind, held in self.coalescer.release().items()
                    if self._wanted(kind)}
        if released:
            balloon = describe(released)
            self.tray.notify(balloon.title, balloon.text, balloon.icon)
        if self.coalescer.due is None:
            self._tick.stop()

    def _wanted(self, kind: NoticeKind) -> bool:
        wanted: bool = getattr(self.preferences, kind.value)
        return wanted

    def _hold(self, kind: NoticeKind, sample: str) -> None:
        if self._wanted(kind):
            self.coalescer.add(kind, sample)
            if not self._tick.isActive():
                self._tick.start()

    # -- what is watched -----------------------------------------------------------------

    def _on_connection(self, change: Change, connection: Connection) -> None:
        # Names are remembered with the notice switched off too: switched on later, it
        # does not greet every device seen meanwhile as new.
        if change is not Change.ADDED or connection.name is None:
            return
        if self.known.first_sighting(connection.name):
            self._hold(NoticeKind.NEW_DEVICE, plain(connection.name, NAME_LENGTH))
        if not self._save.isActive():
            self._save.start()

    def _on_refused(self, entry: Entry) -> None:
        if entry.sid is not None:  # an event refused to a connected client: not a refusal
            return
        ip, reason = entry.ip or "?", entry.reason or "refused"
        if self.refusals.first_in_window(ip, reason, self.coalescer.clock()):
            self._hold(NoticeKind.REFUSED, plain(f"{ip}: {reason}", TEXT_LENGTH))

    def _on_state(self, state: State) -> None:
        if state is State.ERROR:
            self._hold(NoticeKind.SERVER_ERROR,
                       plain(self.controller.error or "unknown error", TEXT_LENGTH))

