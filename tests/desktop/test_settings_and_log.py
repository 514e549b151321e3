"""The settings dialog and the log panel as a user meets them, over the real app."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from helpers.clients import JS_DIR, real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.mdns import unique_name
from helpers.support import wait_until
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desktop import LOGGER_NAME
from desktop.app import DesktopApp
from desktop.controller import State
from desktop.log_panel import LogPanel
from desktop.settings_dialog import SettingsDialog
from server.config import read_config_file
from server.runtime.runner import bind_socket

LONG = "x" * 400  # far wider than the panel: the line that once added a horizontal bar


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file: the app and the hub write to it."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def free_port() -> int:
    sock = bind_socket("127.0.0.1", 0)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


def open_settings(app: DesktopApp) -> SettingsDialog:
    app.actions.settings.trigger()
    dialog = app.settings_dialog
    assert dialog is not None and dialog.isVisible()
    # As a window manager shows a new window: at the size it asks for.
    dialog.resize(dialog.sizeHint())
    return dialog


def type_into(dialog: SettingsDialog, name: str, text: str) -> None:
    """Select the field's text and type ``text`` over it, key by key.

    (No ``processEvents()`` here: inside a coroutine on the Qt loop it would run other
    tasks' callbacks re-entrantly.)
    """
    line = dialog.rows[name].line
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, text)


def assert_nothing_clipped(dialog: SettingsDialog) -> None:
    """Every field and every shown message at least as large as it asks to be."""
    assert dialog.width() >= dialog.sizeHint().width()
    assert dialog.height() >= dialog.sizeHint().height()
    for row in dialog.rows.values():
        widgets: list[QWidget] = [row.editor] + ([row.message] if row.message.isVisible() else [])
        for widget in widgets:
            hint = widget.sizeHint()
            assert widget.width() >= hint.width(), (row.name, widget.size(), hint)
            assert widget.height() >= hint.height(), (row.name, widget.size(), hint)
    note = dialog.restart_note
    assert note.height() >= note.heightForWidth(note.width())
    for button in dialog.buttons.buttons():
        assert button.width() >= button.sizeHint().width(), button.text()


def message_beside(dialog: SettingsDialog, name: str) -> QLabel:
    """The field's message line, checked to sit right under the field, in the same column."""
    row = dialog.rows[name]
    assert row.message.isVisible(), f"no message shown for {name}"
    field_row, _ = dialog.form.getWidgetPosition(row.editor)
    message_row, _ = dialog.form.getWidgetPosition(row.message)
    assert message_row == field_row + 1
    assert row.message.geometry().top() >= row.editor.geometry().bottom()
    assert row.message.x() == row.editor.x()
    return row.message


def test_out_of_range_values_stay_as_typed_marked_with_their_label_and_block_save(
        qt_run: QtRun, tmp_path) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            dialog = open_settings(app)
            assert dialog.save_button.isEnabled()
            assert_nothing_clipped(dialog)
            size_before = dialog.sizeHint()

            type_into(dialog, "port", "70000")
            type_into(dialog, "ping_interval", "99999")
            type_into(dialog, "host", "my-laptop")
            assert dialog.port.text() == "70000" and dialog.ping_interval.text() == "99999"
            for name in ("port", "ping_interval", "host"):
                assert not dialog.rows[name].line.hasAcceptableInput(), name
                assert dialog.rows[name].editor.property("invalid") is True, name
            assert message_beside(dialog, "port").text() == (
                "Port must be a whole number, at least 0 and at most 65535")
            assert message_beside(dialog, "ping_interval").text() == (
                "Ping interval must be a number of seconds, above 0 and at most 3600")
            assert message_beside(dialog, "host").text() == (
                "Bind address: must be an IP address such as 0.0.0.0 or 127.0.0.1")
            assert not dialog.rows["ping_timeout"].message.isVisible()
            assert not dialog.save_button.isEnabled()
            assert dialog.restart_note.text() == "Correct the marked fields to save."
            # The dialog grew for the messages instead of squashing the fields.
            assert dialog.sizeHint().height() > size_before.height()
            assert_nothing_clipped(dialog)
            dialog.grab().save(str(tmp_path / "settings-with-errors.png"))
            dialog.save()  # even if asked directly, nothing wrong is saved
            assert dialog.isVisible() and "port" not in read_config_file()

            type_into(dialog, "port", "8080")
            assert not dialog.rows["port"].message.isVisible()
            assert dialog.rows["port"].editor.property("invalid") is False
            assert not dialog.save_button.isEnabled()  # two fields are still wrong
            type_into(dialog, "host", "127.0.0.1")
            type_into(dialog, "ping_interval", "0.05")
            assert not any(row.message.isVisible() for row in dialog.rows.values())
            assert dialog.save_button.isEnabled()
            assert_nothing_clipped(dialog)
            # The placeholder that says what an empty token means is shown whole.
            dialog.auth_token.clear()
            hint = dialog.auth_token.sizeHint().width()
            text = dialog.auth_token.fontMetrics().horizontalAdvance(
                dialog.auth_token.placeholderText())
            assert dialog.auth_token.width() >= hint > text

            dialog.save()
            await wait_until(lambda: app.controller.is_running
                             and app.controller.settings.port == 8080, within=15,
                             message="a restart on the port typed")
            # Exactly what was typed: not clamped, not rounded to a spin box's decimals.
            saved = read_config_file()
            assert saved["port"] == 8080 and saved["ping_interval"] == 0.05

    qt_run(scenario())


RETRYING_CLIENT = """import { io } from "socket.io-client";
const socket = io(process.argv[1], { transports: ["websocket"] });  // retries by default
socket.on("connect", () => console.log(socket.id));
"""


@asynccontextmanager
async def retrying_js_client(url: str) -> AsyncIterator[asyncio.StreamReader]:
    """The official client as a browser page uses it, reconnecting when dropped; yields
    its output, one sid a line, one line per connect."""
    node = shutil.which("node")
    assert node, "node is needed for the JavaScript client tests"
    process = await asyncio.create_subprocess_exec(
        node, "--input-type=module", "-e", RETRYING_CLIENT, url,
        cwd=JS_DIR, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    try:
        yield process.stdout
    finally:
        process.kill()
        await process.wait()


async def next_sid(output: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(output.readline(), 15)).decode().strip()


def test_an_unchanged_save_keeps_clients_and_a_heartbeat_change_warns_then_restarts(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with (running_app(port=free_port()) as app, real_clients() as connect):
            url = app_url(app)
            clients = [await connect("js", url, "upgrade"),
                       await connect("js", url, "polling"),
                       await connect("js", url, "websocket")]
            async with retrying_js_client(url) as retrying:
                first_sid = await next_sid(retrying)
                await wait_until(lambda: app.model.rowCount() == 4, message="four rows")
                states: list[State] = []
                app.controller.stateChanged.connect(states.append)

                dialog = open_settings(app)
                assert dialog.restart_note.text() == (
                    "Nothing here has changed that needs a restart: clients stay connected.")
                assert dialog.save_button.text() == "Save"
                dialog.save()
                assert app.settings_dialog is None
                for client in clients:
                    assert await client.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
                assert states == [] and not any(c.disconnected.is_set() for c in clients)

                dialog = open_settings(app)
                type_into(dialog, "ping_interval", "5")
                assert dialog.restart_note.text() == (
                    "Applying this restarts the hub and disconnects 4 clients; "
                    "those that retry, as socket.io-client does, will reconnect.")
                assert dialog.save_button.text() == "Save and restart"
                assert_nothing_clipped(dialog)
                dialog.save()
                await wait_until(lambda: app.controller.is_running
                                 and app.controller.settings.ping_interval == 5,
                                 within=15, message="a restart with the new heartbeat")
                for client in clients:
                    await asyncio.wait_for(client.disconnected.wait(), 10)
                # As the note said: a client that retries is back, in a new session.
                second_sid = await next_sid(retrying)
                assert second_sid != first_sid
                await wait_until(lambda: app.model.sids() == [second_sid], message="its row")

    qt_run(scenario())


def test_a_port_change_says_clients_must_move_and_restarts_on_the_new_port(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with (running_app(port=free_port()) as app, real_clients() as connect):
            client = await connect("js", app_url(app), "websocket")
            await wait_until(lambda: app.model.rowCount() == 1, message="the row")
            dialog = open_settings(app)
            new_port = free_port()
            type_into(dialog, "port", str(new_port))
            assert dialog.restart_note.text() == (
                "Applying this restarts the hub and disconnects 1 client; "
                "they must reconnect to the new address.")
            dialog.save()
            await wait_until(lambda: app.controller.is_running
                             and app.controller.port == new_port,
                             within=15, message="a restart on the new port")
            await asyncio.wait_for(client.disconnected.wait(), 10)
            moved = await connect("py", f"http://127.0.0.1:{new_port}", "polling")
            await wait_until(lambda: app.model.sids() == [moved.sid], message="its row")

    qt_run(scenario())


def test_discovery_inspector_and_node_name_are_settings_the_dialog_saves_and_applies(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        name = unique_name("bench")
        async with running_app(discovery=True, node_name=name) as app:  # on 127.0.0.1 only
            dialog = open_settings(app)
            assert dialog.switches["discovery"].isChecked()
            assert dialog.switches["inspector"].isChecked()
            assert dialog.node_name.text() == name

            type_into(dialog, "node_name", "bench.hub")
            assert message_beside(dialog, "node_name").text().startswith("Name on the LAN: ")
            assert dialog.rows["node_name"].editor.property("invalid") is True
            assert not dialog.save_button.isEnabled()
            type_into(dialog, "node_name", "lab hub")
            dialog.switches["discovery"].setChecked(False)
            dialog.switches["inspector"].setChecked(False)
            assert dialog.save_button.isEnabled()
            assert dialog.save_button.text() == "Save and restart"
            dialog.save()

            assert {key: read_config_file()[key] for key in ("discovery", "inspector",
                                                             "node_name")} == \
                {"discovery": False, "inspector": False, "node_name": "lab hub"}
            await wait_until(lambda: app.controller.is_running
                             and not app.controller.settings.discovery,
                             within=15, message="a restart without discovery")
            settings = app.controller.settings
            assert (settings.inspector, settings.node_name) == (False, "lab hub")
            assert app.controller.discovery_status() == (
                "Discovery off: turned off in the settings (discovery = false)")

    qt_run(scenario())


def at_end(panel: LogPanel) -> bool:
    bar = panel.verticalScrollBar()
    return bar.maximum() > 0 and bar.value() == bar.maximum()


def add_lines(panel: LogPanel, lines: list[str]) -> None:
    """Append ``lines`` as the app's log handler does, letting Qt lay the panel out after
    each (scroll bars come and go then)."""
    for line in lines:
        panel.appendPlainText(line)
        QApplication.processEvents()


@pytest.fixture
def panel(qapp) -> Iterator[LogPanel]:
    panel = LogPanel()
    panel.resize(400, 200)
    yield panel
    panel.close()


def test_the_log_panel_follows_long_lines_unless_the_user_scrolled_up(panel: LogPanel) -> None:
    panel.show()
    add_lines(panel, [f"short {n}" for n in range(20)])
    assert at_end(panel)
    # A long line once added a horizontal scroll bar, and the view stopped following.
    add_lines(panel, [f"long {n} {LONG}" if n % 10 == 0 else f"short {n}"
                      for n in range(20, 60)])
    assert at_end(panel)
    assert not panel.horizontalScrollBar().isVisible()  # long lines wrap

    bar = panel.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)  # the user scrolls up to read
    held = bar.value()
    add_lines(panel, [f"long {n} {LONG}" for n in range(60, 70)])
    assert bar.value() == held

    bar.setValue(bar.maximum())  # and back to the end: following again
    add_lines(panel, [f"long {n} {LONG}" for n in range(70, 75)])
    assert at_end(panel)
    panel.resize(300, 200)  # narrower: more wrapped rows, still at the end
    QApplication.processEvents()
    assert at_end(panel)


def test_the_log_panel_is_at_the_end_when_a_hidden_window_is_shown(panel: LogPanel) -> None:
    panel.show()
    add_lines(panel, [f"first {n}" for n in range(20)])
    panel.hide()  # the window goes to the tray, the hub keeps logging
    add_lines(panel, [f"line {n} {LONG}" for n in range(200)])
    panel.show()
    QApplication.processEvents()
    assert at_end(panel)


def test_the_apps_log_lines_reach_the_panel(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            logging.getLogger(LOGGER_NAME).warning("a line for the panel")
            await wait_until(lambda: "a line for the panel" in app.window.log_panel.toPlainText(),
                             message="the line in the panel")

    qt_run(scenario())
