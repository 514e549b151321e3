"""From a client in the clients table (context menu, and the details pane a double-click
opens): its own traffic, join or leave a room, send it an event, disconnect."""

from __future__ import annotations

import asyncio

import pytest
from helpers.clients import Client, real_clients
from helpers.desktop_support import QtRun, app_url, right_click, running_app
from helpers.support import wait_until
from PySide6.QtWidgets import QDialog, QInputDialog

from desktop.app import DesktopApp
from desktop.connections_model import SID_ROLE
from server.inspector import Filter, Kind


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def menu_for(app: DesktopApp, sid: str) -> dict[str, object]:
    """The context menu's actions on ``sid``'s row, by text."""
    proxy, table = app.window.proxy, app.window.table
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(SID_ROLE) == sid)
    right_click(table, table.visualRect(proxy.index(row, 0)).center())
    assert app.window.row_menu is not None
    return {action.text(): action for action in app.window.row_menu.actions() if action.text()}


async def answer_room_dialog(app: DesktopApp, room: str) -> None:
    dialog = app.window.client_actions.room_dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue(room)
    dialog.done(QDialog.DialogCode.Accepted)


async def two_clients(app: DesktopApp, connect) -> tuple[Client, Client]:
    url = app_url(app)
    sensor = await connect("py", url, "websocket", {"name": "sensor"})
    other = await connect("js", url, "websocket", {"name": "other"})
    await sensor.emit("reading", {"value": 1})
    await other.emit("reading", {"value": 2})
    await wait_until(lambda: app.model.rowCount() == 2, message="two rows")
    readings = Filter(kind=Kind.EVENT_IN, event="reading")
    # Handed to the window; the Traffic tab, out of sight, takes them when it is shown.
    await wait_until(lambda: len(list(app.controller.journal_entries(readings))) == 2,
                     message="both readings handed to the window")
    return sensor, other


def test_context_menu_shows_its_traffic_and_changes_its_rooms(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            sensor, other = await two_clients(app, connect)
            actions = menu_for(app, sensor.sid)
            assert list(actions) == ["Show its traffic", "Send it an event…", "Join a room…",
                                     "Leave a room…", "Disconnect", "Details…", "Copy SID"]

            actions["Show its traffic"].trigger()
            window = app.window
            assert window.tabs.currentWidget() is window.traffic
            assert window.traffic.client_filter.text() == sensor.sid
            shown = window.traffic.shown_entries()
            assert shown and all(sensor.sid in (e.sid, e.skip_sid) for e in shown)
            assert other.sid not in {e.sid for e in shown}

            menu_for(app, sensor.sid)["Join a room…"].trigger()
            await answer_room_dialog(app, "lab")
            await wait_until(lambda: app.controller.manager.get(sensor.sid).rooms == {"lab"},
                             message="the client in lab")
            await wait_until(lambda: "joined 'lab'" in window.statusBar().currentMessage(),
                             message="the status bar saying so")
            await wait_until(lambda: any(e.kind is Kind.JOIN and e.room == "lab"
                                         for e in window.traffic.shown_entries()),
                             message="the join in its traffic")
            # The hub protocol's own rules: a bad room is refused and said why.
            menu_for(app, sensor.sid)["Join a room…"].trigger()
            await answer_room_dialog(app, "")
            await wait_until(lambda: "sensor could not join" in window.statusBar().currentMessage(),
                             message="the refusal in the status bar")

            menu_for(app, sensor.sid)["Leave a room…"].trigger()
            dialog = window.client_actions.room_dialog
            assert dialog is not None and dialog.comboBoxItems() == ["lab"]
            await answer_room_dialog(app, "lab")
            await wait_until(lambda: app.controller.manager.get(sensor.sid).rooms == set(),
                             message="the client out of lab")
            assert (await other.call("join", "lab"))["ok"]  # everyone else served

    qt_run(scenario())


def test_send_it_an_event_asks_the_composer_and_disconnect_drops_it(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            sensor, other = await two_clients(app, connect)
            targets: list[dict[str, str]] = []
            app.window.composeRequested.connect(targets.append)
            menu_for(app, sensor.sid)["Send it an event…"].trigger()
            assert targets == [{"sid": sensor.sid}]
            assert app.composer.isVisibleTo(app.window)  # the composer opens on that client
            assert app.composer.composer.picker.target()["sid"] == sensor.sid

            menu_for(app, sensor.sid)["Disconnect"].trigger()
            await asyncio.wait_for(sensor.disconnected.wait(), 10)
            await wait_until(lambda: app.model.sids() == [other.sid], message="one row left")

    qt_run(scenario())


def test_double_click_opens_details_with_the_same_commands(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            sensor, _ = await two_clients(app, connect)
            proxy = app.window.proxy
            row = next(r for r in range(proxy.rowCount())
                       if proxy.index(r, 0).data(SID_ROLE) == sensor.sid)
            app.window.table.activated.emit(proxy.index(row, 0))
            pane = app.window.details[sensor.sid]
            commands = {action.text(): action for action in pane.command_actions}
            assert list(commands) == ["Show its traffic", "Send it an event…",
                                      "Join a room…", "Leave a room…", "Disconnect"]
            commands["Show its traffic"].trigger()
            assert app.window.tabs.currentWidget() is app.window.traffic
            assert app.window.traffic.client_filter.text() == sensor.sid
            commands["Disconnect"].trigger()
            await asyncio.wait_for(sensor.disconnected.wait(), 10)
            await wait_until(lambda: not commands["Join a room…"].isEnabled(),
                             message="the commands on a gone client disabled")
            assert commands["Show its traffic"].isEnabled()

    qt_run(scenario())
