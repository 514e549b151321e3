"""The whole desktop app in this process, on the Qt loop, with real clients."""

from __future__ import annotations

import asyncio
import logging

import pytest
from helpers.clients import real_clients
from helpers.desktop_support import QtRun, app_url, press_menu_key, right_click, running_app
from helpers.support import HANG_GUARD, loopback_settings, wait_until
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop.app import DesktopApp
from desktop.background import run_in_background
from desktop.connections_model import SID_ROLE
from desktop.controller import State
from desktop.icons import state_icon
from server.config import read_config_file
from server.inspector.entry import Kind
from server.runtime.runner import bind_socket


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file: the app and the hub write to it."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def row_of(app: DesktopApp, sid: str) -> int:
    proxy = app.window.proxy
    rows = [r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(SID_ROLE) == sid]
    assert rows, f"{sid} is not in the table"
    return rows[0]


def test_context_menu_disconnect_drops_that_client(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            leaving = await connect("js", url, "polling", {"name": "leaving"})
            staying = await connect("py", url, "websocket", {"name": "staying"})
            await wait_until(lambda: app.model.rowCount() == 2, message="two rows")

            table = app.window.table
            index = app.window.proxy.index(row_of(app, leaving.sid), 0)
            right_click(table, table.visualRect(index).center())
            assert app.window.row_menu is not None
            actions = {a.text(): a for a in app.window.row_menu.actions() if a.text()}
            assert {"Disconnect", "Details…", "Copy SID"} <= set(actions)
            actions["Copy SID"].trigger()
            assert app.window.statusBar().currentMessage() == f"Copied {leaving.sid}"
            actions["Disconnect"].trigger()

            await asyncio.wait_for(leaving.disconnected.wait(), HANG_GUARD)
            await wait_until(lambda: app.model.sids() == [staying.sid], message="one row left")
            journal = app.controller._hub.journal  # the hub's own record, as the dashboard reads it
            reasons = [e.reason for e in journal.export() if e.kind is Kind.DISCONNECT]
            assert reasons == ["kicked"]  # as the dashboard's disconnect is recorded
            assert app.window.count_label.text() == "1 client connected"
            assert await staying.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
            # A click outside any row offers no menu.
            app.window.row_menu = None
            right_click(table, QPoint(5, table.viewport().height() - 2))
            assert app.window.row_menu is None

    qt_run(scenario())


def menu_actions(app: DesktopApp) -> dict[str, QAction]:
    assert app.window.row_menu is not None, "no menu opened"
    return {a.text(): a for a in app.window.row_menu.actions() if a.text()}


def test_the_menu_key_acts_on_the_highlighted_client_even_on_the_last_row(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            clients = [await connect("py", url, "websocket", {"name": name})
                       for name in ("first", "second", "third")]
            await wait_until(lambda: app.model.rowCount() == 3, message="three rows")
            window, table = app.window, app.window.table
            window.show()
            window.activateWindow()
            table.setFocus()
            await wait_until(lambda: QApplication.focusWidget() is table,
                             message="the table to have the keyboard")
            by_row = [table.model().index(row, 0).data(SID_ROLE) for row in range(3)]

            for row in (2, 0):  # the last row, then one with a row below it
                window.row_menu = None
                table.selectRow(row)
                press_menu_key(window)
                menu_actions(app)["Copy SID"].trigger()
                assert window.statusBar().currentMessage() == f"Copied {by_row[row]}"
                window.row_menu.close()  # an open menu would take the next key itself

            menu_actions(app)["Disconnect"].trigger()
            gone = next(c for c in clients if c.sid == by_row[0])
            await asyncio.wait_for(gone.disconnected.wait(), HANG_GUARD)
            await wait_until(lambda: sorted(app.model.sids()) == sorted(by_row[1:]),
                             message="the highlighted client, and only it, gone")

    qt_run(scenario())


def test_busy_port_keeps_the_app_alive_shows_the_port_and_offers_another(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        taken = bind_socket("127.0.0.1", 0)
        port = taken.getsockname()[1]
        try:
            async with running_app(tray_available=True, port=port) as app:
                assert app.controller.state is State.ERROR
                assert app.controller.busy_port == port
                banner = app.window.banner
                assert banner.isVisibleTo(app.window)
                assert f"127.0.0.1:{port}" in banner.message.text()
                assert "already in use" in banner.message.text()
                assert app.tray is not None and str(port) in app.tray.toolTip()
                assert app.actions.start_stop.text() == "Start server"

                assert banner.use_port.isVisibleTo(app.window)
                offered = int(banner.use_port.text().removeprefix("Use port "))
                banner.use_port.click()
                await wait_until(lambda: app.controller.is_running, message="a restart")
                assert app.controller.port == offered
                assert read_config_file()["port"] == offered  # the next launch uses it too
                assert not banner.isVisibleTo(app.window)
                async with real_clients() as connect:
                    await connect("py", app_url(app), "polling")
                    await wait_until(lambda: app.model.rowCount() == 1)
                    assert "1 client connected" in app.tray.toolTip()
                    assert app_url(app) in app.tray.toolTip()
        finally:
            taken.close()

    qt_run(scenario())


def test_without_a_tray_the_window_opens_holds_every_command_and_closing_quits(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        app = DesktopApp(loopback_settings(), tray_available=False)
        task = asyncio.ensure_future(app.run())
        await wait_until(lambda: app.controller.is_running, message="the server")
        assert app.tray is None
        assert app.window.isVisible()
        menu_actions = app.window.menuBar().actions()[0].menu().actions()
        texts = [a.text() for a in menu_actions if not a.isSeparator()]
        assert texts == ["Stop server", "Settings…", "Open dashboard in browser",
                         "Copy LAN address (not served: listening on 127.0.0.1 only)",
                         "Connect a device…", "Quit"]
        app.window.close()
        assert await task == 0
        assert not app.controller.is_running

    qt_run(scenario())


def test_with_a_tray_closing_hides_and_the_tray_menu_quits(qt_run: QtRun) -> None:
    async def scenario() -> None:
        app = DesktopApp(loopback_settings(), tray_available=True, first_run=False)
        task = asyncio.ensure_future(app.run())
        await wait_until(lambda: app.controller.is_running, message="the server")
        assert app.tray is not None and not app.window.isVisible()
        texts = [a.text() for a in app.tray.menu.actions() if not a.isSeparator()]
        assert texts == [f"Running on port {app.controller.port} — 0 clients", "Show window",
                         "Open dashboard in browser",
                         "Copy LAN address (not served: listening on 127.0.0.1 only)",
                         "Connect a device…",
                         "Stop server", "Settings…", "Start at login", "Quit"]
        app.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
        assert app.window.isVisible()
        app.window.close()
        assert not app.window.isVisible() and not task.done()

        stop = next(a for a in app.tray.menu.actions() if a.text() == "Stop server")
        stop.trigger()
        await wait_until(lambda: app.controller.state is State.STOPPED, message="a stop")
        assert app.actions.start_stop.text() == "Start server"
        app.actions.start_stop.trigger()
        await wait_until(lambda: app.controller.is_running, message="a start")

        # A loopback address would not work on a device: there is no LAN address to copy.
        assert not app.actions.copy_address.isEnabled()
        QGuiApplication.clipboard().setText("untouched")
        app.actions.copy_address.trigger()
        assert QGuiApplication.clipboard().text() == "untouched"
        next(a for a in app.tray.menu.actions() if a.text() == "Quit").trigger()
        assert await task == 0

    qt_run(scenario())


def test_settings_refuse_bad_values_save_good_ones_and_restart(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            app.actions.settings.trigger()
            dialog = app.settings_dialog
            assert dialog is not None and dialog.isVisible()

            dialog.host.setCurrentText("my-laptop")
            dialog.save()
            assert dialog.isVisible()
            assert "Bind address" in dialog.rows["host"].message.text()
            assert "IP address" in dialog.rows["host"].message.text()
            dialog.host.setCurrentText("127.0.0.1")
            dialog.ping_timeout.setText("0")
            dialog.save()
            assert "Ping timeout" in dialog.rows["ping_timeout"].message.text()
            assert set(read_config_file()) <= {"dashboard_token"}

            dialog.ping_timeout.setText("7")
            dialog.dashboard_token.setText("open sesame")
            dialog.save()
            await wait_until(lambda: app.controller.is_running
                             and app.controller.settings.ping_timeout == 7,
                             message="a restart with the new settings")
            assert app.settings_dialog is None
            saved = read_config_file()
            assert saved["ping_timeout"] == 7 and saved["dashboard_token"] == "open sesame"
            assert saved["host"] == "127.0.0.1" and "auth_token" not in saved
            url = app.controller.dashboard_url()
            assert url is not None and url.endswith("/?token=open%20sesame")
            # The QR code's caption (only for a hub the LAN can reach): test_connect_a_device.
            async with real_clients() as connect:
                await connect("py", app_url(app), "websocket")
                await wait_until(lambda: app.model.rowCount() == 1)

    qt_run(scenario())


def test_a_failing_listener_or_task_is_logged_and_the_server_keeps_serving(
        qt_run: QtRun, caplog) -> None:
    def broken_listener(*_args: object) -> None:
        raise RuntimeError("listener bug")

    async def broken_task() -> None:
        raise RuntimeError("task bug")

    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            app.controller.manager.subscribe(broken_listener)
            task = run_in_background(broken_task())
            await asyncio.wait({task})
            client = await connect("py", app_url(app), "websocket")
            await wait_until(lambda: app.model.sids() == [client.sid], message="the row")
            assert await client.call("join", "kitchen") == {"ok": True, "rooms": ["kitchen"]}
            assert "listener bug" in app.window.log_panel.toPlainText()

    with caplog.at_level(logging.ERROR, logger="server"):
        qt_run(scenario())
    messages = [r.getMessage() + str(r.exc_info[1] if r.exc_info else "") for r in caplog.records]
    assert any("listener bug" in m for m in messages)
    assert any("background task failed" in m and "task bug" in m for m in messages)


def test_every_state_has_an_icon(qapp) -> None:
    for state in State:
        assert not state_icon(state).pixmap(32, 32).isNull(), state


def test_the_app_keeps_a_generated_dashboard_token_and_a_cleared_one_is_replaced(
        qt_run: QtRun) -> None:
    """The app is an entry point: the token it generates is saved, restarts serve it, and
    clearing it in the settings makes (and saves) a new one, as the dialog promises."""
    async def scenario() -> None:
        async with running_app() as app:
            token = app.controller.settings.dashboard_token
            assert token and read_config_file()["dashboard_token"] == token
            assert await app.controller.restart()
            assert app.controller.settings.dashboard_token == token

            app.actions.settings.trigger()
            dialog = app.settings_dialog
            assert dialog is not None
            dialog.dashboard_token.setText("")
            dialog.save()
            await wait_until(lambda: app.controller.is_running
                             and app.controller.settings.dashboard_token not in (None, token),
                             message="a restart with a new token")
            assert read_config_file()["dashboard_token"] == app.controller.settings.dashboard_token

    qt_run(scenario())
