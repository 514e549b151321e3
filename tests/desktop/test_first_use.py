"""The window as a new user meets it: its filter, its empty table, its details pane."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers.clients import real_clients
from helpers.desktop_support import ROOT, QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtCore import QLocale, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import DesktopApp
from desktop.connections_model import SID_ROLE, Column
from desktop.empty_note import NO_CLIENTS, NO_MATCH
from desktop.notices import HIDDEN_TO_TRAY, RUNNING_IN_TRAY
from desktop.starting import show_starting_note


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


class UrlCatcher(QObject):
    """Qt's own hook for a URL scheme: the URLs the app would have opened in a browser."""

    def __init__(self, opened: list[str]) -> None:
        super().__init__()
        self.opened = opened

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def shown_sids(app: DesktopApp) -> set[str]:
    proxy = app.window.proxy
    return {proxy.index(row, 0).data(SID_ROLE) for row in range(proxy.rowCount())}


def test_the_filter_searches_the_dashboards_fields(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            lamp = await connect("py", url, "websocket", {"name": "kitchen-lamp"})
            tap = await connect("js", url, "polling", {"name": "garden-tap"})
            await lamp.call("join", "lights")
            await wait_until(lambda: "lights" in app.model.connection(0).rooms,
                             message="the room in the table")
            searches = {"POLL": {tap.sid}, "lights": {lamp.sid}, "garden": {tap.sid},
                        lamp.sid[:6]: {lamp.sid}, "127.0.0.1": {lamp.sid, tap.sid},
                        # The time column is not searched, as on the dashboard.
                        str(app.model.connection(0).connected_at.year): set()}
            for text, expected in searches.items():
                app.window.filter.setText(text)
                assert shown_sids(app) == expected, text

            # The status bar says the filter hides some, as clients come.
            count = app.window.count_label
            app.window.filter.setText("garden")
            assert count.text() == "1 of 2 clients shown"
            await connect("py", url, "websocket", {"name": "hall-lamp"})
            await wait_until(lambda: count.text() == "1 of 3 clients shown",
                             message="the count to follow a new client the filter hides")
            app.window.filter.clear()
            assert count.text() == "3 clients connected"

    qt_run(scenario())


def test_ctrl_f_puts_the_keyboard_in_the_filter_of_the_tab_in_front(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            window, traffic = app.window, app.window.traffic
            window.show()
            window.activateWindow()
            await wait_until(window.isActiveWindow, message="the window active")

            def find_from(widget: QWidget) -> QWidget | None:
                widget.setFocus()
                QTest.keyClick(widget, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
                return QApplication.focusWidget()

            window.filter.setText("lamp")
            assert find_from(window.table) is window.filter
            assert window.filter.selectedText() == "lamp"  # typing replaces it
            window.tabs.setCurrentWidget(traffic)
            assert find_from(traffic.table) is traffic.text_filter
            app.composer.show()  # from a text field of the docked composer too
            assert find_from(app.composer.composer.event_name) is traffic.text_filter
            assert "Ctrl+F" in traffic.text_filter.toolTip()

    qt_run(scenario())


def test_first_run_shows_the_window_and_says_once_that_the_app_lives_in_the_tray(
        qt_run: QtRun, tmp_path) -> None:
    async def scenario() -> None:
        assert not (tmp_path / "config.toml").exists()
        async with running_app(tray_available=True) as app:
            assert app.tray is not None
            assert app.window.isVisible()
            assert app.tray.last_message == RUNNING_IN_TRAY
            app.window.close()
            assert not app.window.isVisible() and app.controller.is_running
            assert app.tray.last_message == HIDDEN_TO_TRAY
            app.tray.last_message = None
            app.window.bring_forward()
            app.window.close()
            assert app.tray.last_message is None  # said once

        # The next start is not a first one: the tray icon only, no word.
        assert (tmp_path / "config.toml").exists()
        async with running_app(tray_available=True) as app:
            assert app.tray is not None
            assert not app.window.isVisible() and app.tray.last_message is None

    qt_run(scenario())


def test_the_empty_table_says_how_to_connect_and_unnamed_clients_and_times_read_alike(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        QLocale.setDefault(QLocale("de_DE"))
        try:
            async with running_app() as app, real_clients() as connect:
                note = app.window.empty_note
                assert note.isVisibleTo(app.window) and note.text() == NO_CLIENTS
                client = await connect("py", app_url(app), "websocket")  # gives no name
                await wait_until(lambda: app.model.rowCount() == 1, message="the row")
                assert not note.isVisibleTo(app.window)
                proxy = app.window.proxy
                assert proxy.index(0, Column.NAME).data() == "(no name)"
                since = app.controller.manager.get(client.sid).connected_at.astimezone()
                assert proxy.index(0, Column.CONNECTED_SINCE).data() == \
                    since.strftime("%d.%m.%y, %H:%M:%S")  # as de-DE's toLocaleString
                app.window.filter.setText("nobody")
                assert note.isVisibleTo(app.window) and note.text() == NO_MATCH
        finally:
            QLocale.setDefault(QLocale.c())

    qt_run(scenario())


def test_double_click_opens_the_clients_details_and_they_follow_its_messages(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            lamp = await connect("js", url, "websocket", {"name": "lamp"})
            other = await connect("py", url, "polling", {"name": "other"})
            await lamp.call("join", "lights")
            await wait_until(lambda: app.model.rowCount() == 2, message="two rows")
            table = app.window.table
            index = next(app.window.proxy.index(row, Column.SID)
                         for row in range(2)
                         if app.window.proxy.index(row, 0).data(SID_ROLE) == lamp.sid)
            app.window.show()
            await wait_until(lambda: app.window.windowHandle().isExposed(),
                             message="the window on screen, where clicks reach it")
            # Through the window, as the platform delivers it (Qt makes the double click).
            where = table.viewport().mapTo(app.window, table.visualRect(index).center())
            QTest.mouseDClick(app.window.windowHandle(), Qt.MouseButton.LeftButton, pos=where)
            pane = app.window.details[lamp.sid]
            assert pane.isVisible()
            shown = {key: label.text() for key, label in pane.values.items()}
            assert [shown[k] for k in ("name", "sid", "client_ip", "transport", "rooms")] == \
                ["lamp", lamp.sid, "127.0.0.1", "websocket", "lights"]
            agent = app.controller.manager.get(lamp.sid).user_agent
            assert shown["user_agent"] == (agent or "-")
            assert (shown["messages_sent"], shown["messages_received"]) == ("0", "0")

            await lamp.emit("message", "one")
            await other.emit("message", "two")
            await wait_until(lambda: pane.values["messages_sent"].text() == "1"
                             and pane.values["messages_received"].text() == "1",
                             message="the pane to show the counts")
            await lamp.close()
            await wait_until(lambda: "disconnected" in pane.status.text(),
                             message="the pane to say the client left")

    qt_run(scenario())


def test_enter_on_the_selected_client_opens_its_details(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            sids = [(await connect("py", url, "websocket", {"name": name})).sid
                    for name in ("first", "second")]
            await wait_until(lambda: app.model.rowCount() == 2, message="two rows")
            table = app.window.table
            app.window.show()
            table.setFocus()
            table.selectRow(1)
            chosen = table.currentIndex().data(SID_ROLE)
            assert chosen in sids
            QTest.keyClick(table, Qt.Key.Key_Return)
            assert list(app.window.details) == [chosen]
            assert app.window.details[chosen].isVisible()

    qt_run(scenario())


def test_the_details_pane_shows_a_clients_markup_as_text(qt_run: QtRun) -> None:
    """A name is the client's to choose: Qt must not render it as rich text (a heading,
    an image from a local path)."""
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            named = "<b>x</b>"
            client = await connect("py", app_url(app), "websocket", {"name": named})
            await client.call("join", "<img src='/etc/x.png'>")
            await wait_until(lambda: app.model.rowCount() == 1, message="one row")
            app.window.table.activated.emit(app.window.proxy.index(0, Column.SID))
            pane = app.window.details[client.sid]
            assert pane.values["name"].text() == named
            assert pane.values["rooms"].text() == "<img src='/etc/x.png'>"
            assert {label.textFormat() for label in pane.values.values()} == \
                {Qt.TextFormat.PlainText}

    qt_run(scenario())


def test_the_tray_menu_has_a_live_status_line_settings_and_the_dashboard(
        qt_run: QtRun) -> None:
    opened: list[str] = []
    handler = UrlCatcher(opened)
    QDesktopServices.setUrlHandler("http", handler, "open")

    async def scenario() -> None:
        async with running_app(tray_available=True) as app, real_clients() as connect:
            assert app.tray is not None
            status = app.tray.menu.actions()[0]
            assert not status.isEnabled()
            port = app.controller.port
            assert status.text() == f"Running on port {port} — 0 clients"
            await connect("py", app_url(app), "websocket")
            await wait_until(lambda: status.text() == f"Running on port {port} — 1 client",
                             message="the status line to count the client")
            entries = {a.text(): a for a in app.tray.menu.actions()}
            entries["Open dashboard in browser"].trigger()
            assert opened == [app.controller.dashboard_url()]
            entries["Settings…"].trigger()
            assert app.settings_dialog is not None and app.settings_dialog.isVisible()

    try:
        qt_run(scenario())
    finally:
        QDesktopServices.unsetUrlHandler("http")


def test_the_first_runs_starting_note_needs_none_of_the_hubs_modules() -> None:
    """The note is up before the hub's imports, which are most of a cold start."""
    code = ("import sys, desktop.__main__, desktop.starting; "
            "print(sorted(m for m in ('socketio', 'uvicorn', 'server.runtime.runner', "
            "'desktop.app') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "[]"
    note = show_starting_note()
    try:
        assert note.isVisible() and note.text() == "socketio-tray is starting…"
    finally:
        note.close()
