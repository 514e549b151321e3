"""The composer in the whole desktop app, on the Qt loop, sending to real clients."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from helpers.clients import PyClient, real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from desktop.app import DesktopApp
from desktop.composer import Composer
from desktop.composer_emit import SendResult
from desktop.composer_targets import Kind
from server.inspector.entry import Kind as EntryKind


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file, and so its own saved messages."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


@asynccontextmanager
async def acking_device(app: DesktopApp, name: str, event: str,
                        answer: Any) -> AsyncIterator[PyClient]:
    """A python-socketio client named ``name`` that acks ``event`` with ``answer(*args)``."""
    device = PyClient(app_url(app), "websocket", {"name": name})
    device.sio.on(event, answer)
    await device.connect()
    try:
        await wait_until(lambda: device.sid in app.model.sids(), message="its row")
        yield device
    finally:
        await device.close()


async def send(composer: Composer) -> SendResult:
    """Click Send and wait for the answer (the ack, or the error) to be shown."""
    composer.last_result = None
    assert composer.send_button.isEnabled(), composer.send_button.toolTip()
    composer.send_button.click()
    await wait_until(lambda: composer.last_result is not None, within=20,
                     message="the send's answer")
    assert composer.last_result is not None
    return composer.last_result


def sent_entries(app: DesktopApp) -> list[tuple[str, str | None, int]]:
    """The journal's record of the hub's emits: (event, target kind, recipients)."""
    assert app.controller._hub is not None
    return [(e.event or "", e.target, e.recipients or 0)
            for e in app.controller._hub.journal.export() if e.kind is EntryKind.EVENT_OUT]


def test_an_event_reaches_a_client_and_its_ack_shows(qt_run: QtRun) -> None:
    async def scenario() -> None:
        got: list[Any] = []

        def set_light(data: Any) -> dict[str, Any]:
            got.append(data)
            return {"level": data["level"], "ok": True}

        async with running_app() as app, acking_device(app, "lamp", "set-light",
                                                       set_light) as lamp:
            dock = app.composer
            composer = dock.composer
            dock.compose_for({"sid": lamp.sid})
            assert dock.isVisibleTo(app.window)
            assert composer.picker.target() == {"sid": lamp.sid, "name": "lamp"}
            composer.event_name.setText("set-light")
            composer.args.setPlainText('{"level": 3}')
            composer.wait_ack.setChecked(True)

            result = await send(composer)

            assert result == SendResult(recipients=1, ack=[{"level": 3, "ok": True}])
            assert got == [{"level": 3}]
            assert composer.result.text() == "Sent to 1 client; its ack:"
            assert json.loads(composer.ack_view.toPlainText()) == {"level": 3, "ok": True}
            assert not composer.ack_view.isHidden()
            assert sent_entries(app) == [("set-light", "sid", 1)]  # journalled like any emit
            assert [(m.event, m.args) for m in composer.store.recent] == [
                ("set-light", [{"level": 3}])]
            assert "set-light" in composer.event_names.stringList()  # offered from now on

    qt_run(scenario())


def laid_out_place(app: DesktopApp) -> tuple[QPoint, int]:
    """Where Send is in the window, and how wide the composer's dock is, once Qt has done
    the layouts it was asked for (a layout's request can ask its parent's in turn)."""
    for _ in range(5):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return app.composer.composer.send_button.mapTo(app.window, QPoint(0, 0)), \
        app.composer.width()


def test_send_stays_in_place_whatever_the_answer_and_the_target(qt_run: QtRun) -> None:
    """An ack shown, an error, no answer box, a room instead of a client: Send must stay
    under the pointer, and the dock keep its width (else the whole window reflows)."""
    async def scenario() -> None:
        async with running_app() as app, acking_device(app, "lamp", "ping",
                                                       lambda *_: {"pong": True}) as lamp:
            app.window.show()
            app.composer.compose_for({"sid": lamp.sid})
            composer = app.composer.composer
            composer.event_name.setText("ping")
            composer.wait_ack.setChecked(True)
            await wait_until(composer.send_button.isVisible, message="the composer shown")
            before = laid_out_place(app)

            assert (await send(composer)).ack == [{"pong": True}]
            assert not composer.ack_view.isHidden()
            assert laid_out_place(app) == before, "after an ack"
            composer.picker.kind.setCurrentIndex(Kind.ROOM)
            assert laid_out_place(app) == before, "with a room to name"
            composer.picker.room.setText("nobody" + "x" * 100)  # quoted in the error
            assert (await send(composer)).error is not None
            assert composer.ack_view.isHidden()
            assert laid_out_place(app) == before, "after an error"
            composer.picker.kind.setCurrentIndex(Kind.EVERYONE)
            assert laid_out_place(app) == before, "to everyone"

    qt_run(scenario())


def test_to_a_room_and_to_everyone(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            members = [await connect("py", url, "websocket"), await connect("js", url, "polling")]
            outsider = await connect("js", url, "websocket")
            for member in members:
                assert (await member.call("join", "lab"))["ok"]
            composer = app.composer.composer
            app.composer.compose_for({"room": "lab"})  # opening it reads the journal's names
            completer = composer.event_name.completer()
            completer.setCompletionPrefix("JO")
            assert completer.currentCompletion() == "join"
            assert not composer.wait_ack.isEnabled()  # only a single client can ack
            composer.event_name.setText("lab-news")
            composer.args.setPlainText('["hi", 2]')
            assert await send(composer) == SendResult(recipients=2)
            assert composer.result.text() == "Sent to 2 clients."

            composer.picker.kind.setCurrentIndex(Kind.EVERYONE)
            composer.event_name.setText("all-news")
            composer.args.setPlainText("")
            assert await send(composer) == SendResult(recipients=3)
            for member in members:
                assert await member.next_event("lab-news") == ["hi", 2]
                assert await member.next_event("all-news") == []
            assert await outsider.next_event("all-news") == []
            assert [event for event, _ in outsider.received] == []  # lab-news never came
            assert sent_entries(app) == [("lab-news", "room", 2), ("all-news", "all", 3)]

    qt_run(scenario())


def test_invalid_json_disables_send_and_says_where(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            dock = app.composer
            assert dock.isHidden()  # until asked for, from the View menu
            [view] = [a.menu() for a in app.window.menuBar().actions() if a.text() == "&View"]
            assert dock.toggleViewAction() in view.actions()
            dock.toggleViewAction().trigger()
            assert dock.isVisibleTo(app.window)
            composer = dock.composer
            composer.compose_for({"all": True})
            composer.event_name.setText("config")
            composer.args.setPlainText('{"a": 1}')
            assert composer.send_button.isEnabled()
            assert composer.args_note.text() == "1 argument"

            composer.args.setPlainText('{\n  "a": 1,\n}')
            assert composer.args_note.text() == "Line 2, column 9: trailing comma is not allowed"
            assert not composer.send_button.isEnabled()
            assert composer.send_button.toolTip() == "The arguments are not valid JSON"
            assert not composer.pretty_button.isEnabled()
            [mark] = composer.args.extraSelections()
            assert mark.cursor.blockNumber() == 1  # the second line is marked

            composer.args.setPlainText("[NaN]")  # JSON.parse refuses it, and so does the hub
            assert not composer.send_button.isEnabled()
            composer.args.setPlainText('[1, {"b": [true, null]}]')
            assert composer.send_button.isEnabled() and not composer.args.extraSelections()
            assert composer.args_note.text() == "2 arguments"
            composer.pretty_button.click()
            assert composer.args.toPlainText() == (
                '[\n  1,\n  {\n    "b": [\n      true,\n      null\n    ]\n  }\n]')
            assert sent_entries(app) == []

    qt_run(scenario())


def test_the_hubs_refusals_and_a_missing_ack_are_shown(qt_run: QtRun) -> None:
    async def scenario() -> None:
        released = asyncio.Event()

        async def never_acks(_data: Any = None) -> None:
            await released.wait()

        async with running_app() as app, acking_device(app, "mute", "hello",
                                                       never_acks) as mute:
            composer = app.composer.composer
            composer.compose_for({"sid": mute.sid})
            composer.event_name.setText("connect")  # reserved: the hub refuses it
            assert await send(composer) == SendResult(
                error="event name 'connect' is reserved")
            assert composer.result.text() == "Not sent: event name 'connect' is reserved."

            composer.event_name.setText("hello")
            composer.wait_ack.setChecked(True)
            composer.ack_timeout.setValue(0.2)
            result = await send(composer)
            released.set()
            assert result == SendResult(recipients=1, error="no ack within 0.2 s")
            assert composer.result.text() == "Sent to 1 client, but no ack within 0.2 s."
            assert sent_entries(app) == [("hello", "sid", 1)]

            # The façade, as any caller sees it: the API's own checks.
            assert await app.controller.send_event({"sid": "nobody"}, "x", []) == \
                SendResult(error="unknown sid 'nobody'")
            assert await app.controller.send_event({"room": "void"}, "x", []) == \
                SendResult(error="unknown room 'void': no client is in it")

    qt_run(scenario())


def test_a_chosen_client_that_leaves_is_never_swapped_for_another(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            url = app_url(app)
            leaving = await connect("py", url, "websocket", {"name": "leaving"})
            staying = await connect("js", url, "polling", {"name": "staying"})
            await wait_until(lambda: len(app.model.sids()) == 2, message="two rows")
            composer = app.composer.composer
            composer.compose_for({"sid": leaving.sid})
            composer.event_name.setText("x")
            assert composer.send_button.isEnabled()
            await leaving.close()
            await wait_until(lambda: app.model.sids() == [staying.sid], message="one row")
            assert composer.picker.target() is None  # not the other client
            # The state first: a narrow combo box or a long name cuts the end off.
            assert composer.picker.clients.placeholderText() == f"left: leaving · {leaving.sid}"
            assert composer.send_button.toolTip() == f"leaving · {leaving.sid} has left"
            assert composer.result.text() == \
                f"leaving · {leaving.sid} has left: choose another client."
            assert not composer.send_button.isEnabled()
            composer.picker.clients.setCurrentIndex(0)  # another client, chosen by the user
            assert composer.send_button.isEnabled()
            composer.picker.clients.setCurrentIndex(-1)
            assert composer.send_button.toolTip() == "Choose whom to send to"

    qt_run(scenario())


def test_send_waits_for_a_running_server(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            composer = app.composer.composer
            composer.compose_for({"all": True})
            composer.event_name.setText("x")
            assert composer.send_button.isEnabled()
            await app.controller.stop()
            assert not composer.send_button.isEnabled()
            assert composer.send_button.toolTip() == "The server is not running"
            assert await app.controller.send_event({"all": True}, "x", []) == SendResult(
                error="the server is not running")

    qt_run(scenario())


def test_the_window_with_the_composer_docked_fits_a_laptop_screen(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            app.composer.show()
            window = app.window
            for index in range(window.tabs.count()):  # each tab in front in turn
                window.tabs.setCurrentIndex(index)
                needs = window.minimumSizeHint()
                assert needs.width() <= 1280 and needs.height() <= 720, (
                    window.tabs.tabText(index), needs)

    qt_run(scenario())


def test_ctrl_e_opens_and_closes_the_composer_from_any_text_field(qt_run: QtRun) -> None:
    """Qt's text fields take Ctrl+E as "end of line" on Linux's platforms (not on the
    offscreen one); the composer's shortcut must still work with the keyboard in one (the
    traffic filter, the composer's own).  Run on X11 by the test below."""
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("only X11's key bindings claim Ctrl+E for the text fields")

    async def scenario() -> None:
        async with running_app() as app:
            window, dock = app.window, app.composer
            window.activateWindow()
            await wait_until(window.isActiveWindow, message="the window active")
            assert dock.isHidden()
            [filter_field, *_] = [field for field in window.findChildren(QLineEdit)
                                  if field.isVisible()]
            filter_field.setFocus()
            QTest.keyClick(filter_field, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
            assert dock.isVisibleTo(window)
            for field in (dock.composer.event_name, dock.composer.args):
                field.setFocus()
                QTest.keyClick(field, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
                assert dock.isHidden()
                dock.show()
            dock.composer.event_name.setText("abc")
            dock.composer.event_name.setCursorPosition(0)
            QTest.keyClick(dock.composer.event_name, Qt.Key.Key_End)  # End still ends the line
            assert dock.composer.event_name.cursorPosition() == 3

    qt_run(scenario())


def test_ctrl_e_on_x11() -> None:
    """The test above where the key bindings claim Ctrl+E: Qt's xcb platform on Xvfb, in a
    process of its own (a process has one Qt platform)."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        pytest.skip("needs Xvfb (scripts/bootstrap.sh installs it)")
    test = f"{__file__}::test_ctrl_e_opens_and_closes_the_composer_from_any_text_field"
    run = subprocess.run([xvfb_run, "-a", sys.executable, "-m", "pytest", test, "-q", "-rs",
                          "-p", "no:cacheprovider"], env={**os.environ, "QT_QPA_PLATFORM": "xcb"},
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
