"""Start at login: the XDG autostart entry is written where XDG_CONFIG_HOME says and
removed; the tray menu and the settings show what the platform holds; and the entry's
command line, run as a real process, starts the app hidden and serving."""

from __future__ import annotations

import asyncio
import configparser
import logging
import os
import plistlib
import re
import signal
import sys
from pathlib import Path

import pytest
from helpers.clients import real_clients
from helpers.desktop_support import ROOT, QtRun, running_app
from helpers.support import LoggedProcess, loopback_settings, wait_until

from desktop import LOGGER_NAME
from desktop.app import DesktopApp
from desktop.autostart import (
    LaunchAgent,
    XdgAutostart,
    desktop_exec,
    for_this_platform,
    launch_command,
    set_start_at_login,
)

ENTRY = Path("autostart") / "socketio-tray.desktop"
STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path, monkeypatch) -> Path:
    """Each test its own config file and XDG config home: no real entry is ever touched."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def desktop_entry(path: Path) -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    assert entry.read(path, encoding="utf-8") == [str(path)]
    return entry["Desktop Entry"]


def exec_argv(value: str) -> list[str]:
    """An ``Exec`` value back to its arguments, by the Desktop Entry Specification: the
    string escapes first, then the quoting (a backslash in quotes escapes the next
    character), then ``%%``."""
    text = re.sub(r"\\(.)", lambda m: STRING_ESCAPES.get(m[1], "\\" + m[1]), value)
    arguments = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\S+)', text):
        quoted, bare = match.groups()
        argument = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        arguments.append(argument.replace("%%", "%"))
    return arguments


def test_the_entry_is_written_where_xdg_config_home_says_and_removed(
        own_config_dir: Path) -> None:
    autostart = for_this_platform()
    assert isinstance(autostart, XdgAutostart)
    assert autostart.path == own_config_dir / ENTRY
    assert not autostart.is_enabled()

    set_start_at_login(autostart, True)
    assert autostart.is_enabled()
    entry = desktop_entry(autostart.path)
    assert entry["Type"] == "Application" and entry["Name"] == "socketio-tray"
    assert exec_argv(entry["Exec"]) == launch_command() == [
        sys.executable, "-m", "desktop", "--hidden"]

    # An entry the desktop was told to skip is not one that starts the app.
    with autostart.path.open("a", encoding="utf-8") as file:
        file.write("Hidden=true\n")
    assert not autostart.is_enabled()

    set_start_at_login(autostart, False)
    assert not autostart.path.exists() and not autostart.is_enabled()
    set_start_at_login(autostart, False)  # nothing to remove: no error


def test_a_relative_xdg_config_home_is_ignored(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert XdgAutostart().path == tmp_path / ".config" / ENTRY


def test_exec_quotes_what_the_specification_reserves() -> None:
    command = ["/opt/my apps/py\\thon$", "-m", "desktop", "100%", 'say "hi"', "--hidden"]
    value = desktop_exec(command)
    assert value.startswith('"/opt/my apps/py\\\\\\\\thon\\\\$" -m desktop 100%% ')
    assert exec_argv(value) == command


def test_a_launch_agent_runs_the_command_at_load(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path / "LaunchAgents")
    assert not agent.is_enabled()
    set_start_at_login(agent, True)
    plist = plistlib.loads(agent.path.read_bytes())
    assert plist["ProgramArguments"] == launch_command() and plist["RunAtLoad"] is True
    assert agent.is_enabled()
    set_start_at_login(agent, False)
    assert not agent.path.exists()


def test_the_tray_menu_shows_and_sets_the_real_state(qt_run: QtRun, own_config_dir: Path,
                                                     caplog) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app:
            assert app.tray is not None
            action = app.tray.start_at_login
            assert action in app.tray.menu.actions()
            assert action.isCheckable() and not action.isChecked()
            action.trigger()
            assert action.isChecked() and (own_config_dir / ENTRY).is_file()

            (own_config_dir / ENTRY).unlink()  # removed by hand, behind the app's back
            app.tray.menu.aboutToShow.emit()
            assert not action.isChecked()

            # The platform refuses (the autostart folder is a file): the box stays clear.
            (own_config_dir / "autostart").rmdir()
            (own_config_dir / "autostart").write_text("")
            with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
                action.trigger()
            assert not action.isChecked()
            assert "start at login could not be changed" in caplog.text

    qt_run(scenario())


def test_the_settings_checkbox_shows_and_sets_the_entry(qt_run: QtRun,
                                                        own_config_dir: Path) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=False) as app:
            for wanted in (True, False):
                app.actions.settings.trigger()
                dialog = app.settings_dialog
                assert dialog is not None
                assert dialog.start_at_login.isChecked() is not wanted
                dialog.start_at_login.setChecked(wanted)
                dialog.save()
                assert (own_config_dir / ENTRY).is_file() is wanted
                await wait_until(lambda: app.settings_dialog is None, message="closed")

            # The platform refuses: the dialog stays open and says what was not saved.
            (own_config_dir / "autostart").rmdir()
            (own_config_dir / "autostart").write_text("")
            app.actions.settings.trigger()
            dialog = app.settings_dialog
            assert dialog is not None
            dialog.start_at_login.setChecked(True)
            dialog.save()
            assert dialog.isVisible()
            assert "start at login or the notifications are not" in dialog.restart_note.text()

    qt_run(scenario())


def test_started_hidden_no_window_shows_even_on_a_first_run(qt_run: QtRun, caplog) -> None:
    async def scenario() -> None:
        for tray in (True, False):
            app = DesktopApp(loopback_settings(), tray_available=tray, first_run=True,
                             hidden=True)
            with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
                task = asyncio.ensure_future(app.run())
                try:
                    await wait_until(lambda app=app: app.controller.is_running,
                                     message="serving")
                    assert not app.window.isVisible()
                    assert app.tray is None or app.tray.last_message is None  # no welcome
                    assert "started hidden" in caplog.text
                finally:
                    app.request_quit()
                    assert await task == 0
                    app.deleteLater()

    qt_run(scenario())


def test_the_entrys_command_line_starts_the_app_hidden_and_serving(
        qt_run: QtRun, own_config_dir: Path, tmp_path: Path) -> None:
    set_start_at_login(XdgAutostart(own_config_dir), True)
    command = exec_argv(desktop_entry(own_config_dir / ENTRY)["Exec"])
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOCKETIO_")}
    app = LoggedProcess(command, {
        **base, "QT_QPA_PLATFORM": "offscreen", "SOCKETIO_HOST": "127.0.0.1",
        "SOCKETIO_PORT": "0", "SOCKETIO_CONFIG_FILE": str(tmp_path / "login" / "config.toml"),
        "SOCKETIO_DISCOVERY": "false"}, cwd=ROOT)

    async def scenario() -> None:
        await app.start()
        try:
            await app.wait_for_line("started hidden: no tray here")
            url = await app.url()
            async with real_clients() as connect:
                client = await connect("py", url, "websocket", {"name": "at login"})
                assert await client.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
            assert app.process is not None
            app.process.send_signal(signal.SIGTERM)
            assert await app.wait() == 0, app.output()
            assert not any("Traceback" in line for line in app.lines), app.output()
        finally:
            await app.kill()

    qt_run(scenario())
