"""Start at login: the platform's own place for it, written and removed.

Linux (and other XDG desktops): ``$XDG_CONFIG_HOME/autostart/socketio-tray.desktop``;
Windows: a value under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``; macOS:
a LaunchAgent in ``~/Library/LaunchAgents``.  Whether the app starts at login is read
from that place each time, never remembered apart from it: a user who deletes the entry
by hand sees the checkbox clear.

The command starts the app ``--hidden``: in the tray, no window.  A bundle starts its
own executable; from source it is this Python (the venv's) with ``-m desktop``.
"""

from __future__ import annotations

import configparser
import os
import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Protocol

from server.config import APP_NAME

HIDDEN_FLAG = "--hidden"
ENTRY_NAME = APP_NAME
LAUNCH_AGENT_LABEL = "io.github.socketio-tray"
DESKTOP_ENTRY = "Desktop Entry"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command() -> list[str]:
    """The command line that starts this app hidden in the tray."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HIDDEN_FLAG]
    return [sys.executable, "-m", "desktop", HIDDEN_FLAG]


class Autostart(Protocol):
    """One platform's start-at-login entry."""

    @property
    def location(self) -> str:
        """Where the entry is, for the user."""

    def is_enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None:
        """Write the entry to run ``command``; raises ``OSError`` when it cannot."""

    def disable(self) -> None:
        """Remove the entry (nothing to do when there is none); raises ``OSError``."""


def desktop_exec(command: list[str]) -> str:
    """``command`` as a desktop entry's ``Exec`` value: each argument quoted when it needs
    it, ``"``, `````, ``$`` and ``\\`` escaped inside quotes, ``%`` doubled (the Desktop
    Entry Specification's rules; then the value's own escaping doubles backslashes)."""
    def argument(text: str) -> str:
        text = text.replace("%", "%%")
        if not any(c in text for c in " \t\n\"'\\><~|&;$*?#()`"):
            return text
        quoted = "".join("\\" + c if c in "\"`$\\" else c for c in text)
        return f'"{quoted}"'

    return " ".join(argument(part) for part in command).replace("\\", "\\\\")


class XdgAutostart:
    """``<config home>/autostart/socketio-tray.desktop``, which desktops run at login
    unless it says ``Hidden=true``."""

    def __init__(self, config_home: Path | None = None) -> None:
        if config_home is None:
            configured = os.environ.get("XDG_CONFIG_HOME", "")
            # The specification: a relative or empty value is ignored.
            config_home = (Path(configured) if os.path.isabs(configured)
                           else Path.home() / ".config")
        self.path = config_home / "autostart" / f"{ENTRY_NAME}.desktop"

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        entry = configparser.ConfigParser(interpolation=None)
        try:
            entry.read(self.path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            return False
        if not entry.has_section(DESKTOP_ENTRY):
            return False
        return entry.get(DESKTOP_ENTRY, "Hidden", fallback="false").strip() != "true"

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join([
            f"[{DESKTOP_ENTRY}]",
            "Type=Application",
            f"Name={APP_NAME}",
            "Comment=A Socket.IO hub for the LAN, in the tray",
            f"Exec={desktop_exec(command)}",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
        ]) + "\n", encoding="utf-8")

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class LaunchAgent:
    """``~/Library/LaunchAgents/<label>.plist``, which launchd loads at login."""

    def __init__(self, agents: Path | None = None) -> None:
        agents = Path.home() / "Library" / "LaunchAgents" if agents is None else agents
        self.path = agents / f"{LAUNCH_AGENT_LABEL}.plist"

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(plistlib.dumps({
            "Label": LAUNCH_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True,
            "ProcessType": "Interactive"}))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


if sys.platform == "win32":
    import winreg

    class RunKey:
        """A value named after the app under the user's ``Run`` key."""

        location = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{ENTRY_NAME}"

        def is_enabled(self) -> bool:
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                    winreg.QueryValueEx(key, ENTRY_NAME)
            except FileNotFoundError:
                return False
            return True

        def enable(self, command: list[str]) -> None:
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.SetValueEx(key, ENTRY_NAME, 0, winreg.REG_SZ,
                                  subprocess.list2cmdline(command))

        def disable(self) -> None:
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0,
                                    winreg.KEY_SET_VALUE) as key:
                    winreg.DeleteValue(key, ENTRY_NAME)
            except FileNotFoundError:
                pass


def set_start_at_login(autostart: Autostart, wanted: bool) -> None:
    """Write the entry with this app's ``launch_command()``, or remove it; ``OSError``
    when the platform refuses."""
    if wanted:
        autostart.enable(launch_command())
    else:
        autostart.disable()


def for_this_platform() -> Autostart:
    """The entry this platform runs at login."""
    if sys.platform == "win32":
        return RunKey()
    if sys.platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()
