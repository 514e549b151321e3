"""A bad setting at launch: the tray app starts without it and says which, and where."""

from __future__ import annotations

import asyncio

import pytest
from helpers.desktop_support import QtRun
from helpers.support import wait_until

from desktop.app import DesktopApp
from desktop.controller import State
from desktop.startup_settings import load_leniently
from server.config import SettingsError

BAD_FILE = b"port = 0\nping_interval = 99999\n"


@pytest.fixture(name="config_file")
def config_file_fixture(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(path))
    for name in ("SOCKETIO_PORT", "SOCKETIO_HOST", "SOCKETIO_PING_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    return path


async def start(overrides: dict[str, object]) -> tuple[DesktopApp, asyncio.Future[int]]:
    settings, problems = load_leniently({"host": "127.0.0.1", **overrides})
    app = DesktopApp(settings, tray_available=True, problems=problems)
    task = asyncio.ensure_future(app.run())
    await wait_until(lambda: app.controller.state is State.RUNNING, message="the server")
    return app, task


async def stop(app: DesktopApp, task: asyncio.Future[int]) -> None:
    app.request_quit()
    assert await task == 0
    app.deleteLater()


def test_a_bad_value_in_the_file_is_named_with_its_file_and_the_file_is_kept(
        qt_run: QtRun, config_file) -> None:
    config_file.write_bytes(BAD_FILE)

    async def scenario() -> None:
        app, task = await start({})
        try:
            box = app.problem_box
            assert box is not None and box.isVisible() and app.window.isVisible()
            assert "ping_interval = 99999" in box.informativeText()
            assert str(config_file) in box.informativeText()
            assert "less than or equal to 3600" in box.informativeText()
            assert "In use instead: 25.0." in box.informativeText()
            assert box.use_defaults.text() == "Use defaults for this setting"
            assert app.controller.settings.ping_interval == 25.0
            assert config_file.read_bytes() == BAD_FILE  # even the dashboard token waits

            box.edit_settings.click()
            dialog = app.settings_dialog
            assert dialog is not None and dialog.isVisible()
            assert dialog.ping_interval.text() == "25"
            dialog.reject()
            assert config_file.read_bytes() == BAD_FILE
        finally:
            await stop(app, task)

    qt_run(scenario())


def test_use_defaults_runs_on_with_the_file_untouched(qt_run: QtRun, config_file) -> None:
    config_file.write_bytes(BAD_FILE)

    async def scenario() -> None:
        app, task = await start({})
        try:
            assert app.problem_box is not None
            app.problem_box.use_defaults.click()
            await wait_until(lambda: app.problem_box is None, message="the box to close")
            assert app.settings_dialog is None and app.controller.is_running
            assert config_file.read_bytes() == BAD_FILE
        finally:
            await stop(app, task)

    qt_run(scenario())


def test_a_bad_option_names_the_command_line_and_the_file_value_applies(
        qt_run: QtRun, config_file) -> None:
    config_file.write_bytes(b"port = 0\n")

    async def scenario() -> None:
        app, task = await start({"port": 70000})
        try:
            assert app.problem_box is not None
            text = app.problem_box.informativeText()
            assert "--port 70000 on the command line" in text
            assert str(config_file) not in text  # nothing in the file is wrong
            assert app.controller.port not in (None, 0, 70000)  # the file's 0: a free one
        finally:
            await stop(app, task)

    qt_run(scenario())


def test_a_file_that_is_not_toml_is_still_refused(config_file) -> None:
    config_file.write_bytes(b"port = = 1\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_leniently({})
