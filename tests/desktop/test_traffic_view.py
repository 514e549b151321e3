"""The window's Traffic tab over the real app, with real clients: entries appear, filters
narrow, pause holds, trimming keeps the selection, export writes JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

# Imported (and its asserts rewritten) at collection: pytest-qt imports it lazily, and
# compiling it that deep in a test's stack trips CPython 3.11's AST recursion check.
import pytestqt.modeltest  # noqa: F401
from helpers.clients import ConnectRefused, real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QAbstractSlider

from desktop.app import DesktopApp
from desktop.traffic_model import ENTRY_ROLE, KIND_COLOURS, Column
from desktop.traffic_view import TrafficView
from server.inspector import Entry, Filter, Kind


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file: the app and the hub write to it."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def traffic_in_front(app: DesktopApp) -> TrafficView:
    """The window's Traffic tab, brought to the front: out of sight, its table takes no
    rows."""
    app.window.tabs.setCurrentWidget(app.window.traffic)
    return app.window.traffic


def shown(view: TrafficView) -> list[Entry]:
    return view.shown_entries()


def events_shown(view: TrafficView, event: str) -> list[Entry]:
    return [e for e in shown(view) if e.kind is Kind.EVENT_IN and e.event == event]


async def wait_for_event(view: TrafficView, event: str, count: int = 1) -> None:
    await wait_until(lambda: len(events_shown(view, event)) >= count, within=10,
                     message=f"{count} {event!r} entries in the traffic view")


def row_of(view: TrafficView, entry: Entry) -> int:
    entries = shown(view)
    return next(row for row, e in enumerate(entries) if e.seq == entry.seq)


def test_entries_appear_as_words_with_colour_and_plain_text(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(auth_token="secret") as app, real_clients() as connect:
            view = traffic_in_front(app)
            url = app_url(app)
            sensor = await connect("py", url, "websocket",
                                   {"name": "<b>kitchen</b>", "token": "secret"})
            await connect("js", url, "polling", {"name": "phone", "token": "secret"})
            with pytest.raises(ConnectRefused):
                await connect("py", url, "websocket", {"name": "intruder", "token": "wrong"})
            await sensor.emit("message", {"temperature": 21.5})  # relayed: not refused
            await wait_for_event(view, "message")
            await wait_until(lambda: any(e.kind is Kind.REFUSED for e in shown(view)),
                             message="the refusal in the view")

            model = view.proxy
            message = events_shown(view, "message")[0]
            row = row_of(view, message)
            cells = {column: model.index(row, column).data() for column in Column}
            assert cells[Column.KIND] == "event in"
            assert cells[Column.CLIENT] == "<b>kitchen</b>"  # as sent: plain text, no markup
            assert cells[Column.EVENT] == "message"
            assert cells[Column.DATA] == '[{"temperature":21.5}]'
            refused = next(r for r, e in enumerate(shown(view)) if e.kind is Kind.REFUSED)
            kind_cell = model.index(refused, Column.KIND)
            assert kind_cell.data() == "refused"
            assert kind_cell.data(Qt.ItemDataRole.ForegroundRole) == KIND_COLOURS[Kind.REFUSED]
            assert "wrong token" in model.index(refused, Column.DATA).data()
            kinds = [e.kind for e in shown(view)]
            assert kinds.count(Kind.CONNECT) == 2
            # The view holds what the journal holds, in the same order.
            journal = app.controller._hub.journal  # the hub's own record, read-only here
            await wait_until(lambda: len(shown(view)) == len(journal), message="all entries")
            assert [e.seq for e in shown(view)] == [e.seq for e in journal.export()]

    qt_run(scenario())


def test_a_refused_event_is_marked_says_why_and_the_refused_filter_finds_it(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(auth_token="secret") as app, real_clients() as connect:
            view = traffic_in_front(app)
            url = app_url(app)
            lamp = await connect("py", url, "websocket", {"name": "hall-lamp", "token": "secret"})
            with pytest.raises(ConnectRefused):
                await connect("js", url, "polling", {"name": "intruder", "token": "wrong"})
            answer = await lamp.call("set_state", {"on": True})
            assert answer == {"ok": False, "error": "unknown event 'set_state'"}
            assert (await lamp.call("join", "hall"))["ok"]
            await wait_for_event(view, "join")
            await wait_for_event(view, "set_state")

            model = view.proxy
            row = row_of(view, events_shown(view, "set_state")[0])
            kind = model.index(row, Column.KIND)
            assert kind.data() == "event refused"
            assert kind.data(Qt.ItemDataRole.ForegroundRole) == KIND_COLOURS[Kind.REFUSED]
            assert model.index(row, Column.DATA).data() == \
                """refused: unknown event 'set_state' · [{"on":true}]"""
            assert model.index(row_of(view, events_shown(view, "join")[0]),
                               Column.KIND).data() == "event in"
            view.table.selectRow(row)
            assert "refused: unknown event 'set_state'" in view.details.summary.text()

            view.kind_filter.setCurrentIndex(view.kind_filter.findData(Kind.REFUSED))
            assert [(e.kind, e.event) for e in shown(view)] == \
                [(Kind.REFUSED, None), (Kind.EVENT_IN, "set_state")]
            view.kind_filter.setCurrentIndex(view.kind_filter.findData(Kind.EVENT_IN))
            assert {e.event for e in shown(view)} == {"set_state", "join"}

    qt_run(scenario())


def test_filters_narrow_by_client_room_event_kind_and_text(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = traffic_in_front(app)
            url = app_url(app)
            kitchen = await connect("py", url, "websocket", {"name": "kitchen-sensor"})
            hall = await connect("js", url, "websocket", {"name": "hall-display"})
            assert (await kitchen.call("join", "kitchen"))["ok"]
            await kitchen.emit("reading", {"temperature": 21.5})
            await hall.emit("status", {"screen": "on", "note": "needle-in-a-haystack"})
            await wait_for_event(view, "status")
            await wait_for_event(view, "reading")
            everything = len(shown(view))

            view.client_filter.setText("KITCHEN")  # part of a name, any case
            assert shown(view) and all(kitchen.sid in (e.sid, e.skip_sid) for e in shown(view))
            view.client_filter.setText(hall.sid)  # a whole sid
            assert shown(view) and all(hall.sid in (e.sid, e.skip_sid) for e in shown(view))
            view.client_filter.clear()

            view.room_filter.setText("kitch")
            assert [e.kind for e in shown(view)] == [Kind.JOIN]
            view.room_filter.clear()
            view.event_filter.setText("stat")
            assert [e.event for e in shown(view)] == ["status"]
            view.event_filter.clear()
            view.kind_filter.setCurrentIndex(view.kind_filter.findData(Kind.CONNECT))
            assert {e.client for e in shown(view)} == {"kitchen-sensor", "hall-display"}
            view.kind_filter.setCurrentIndex(0)
            view.text_filter.setText("needle-in-a")  # in a payload
            assert [e.event for e in shown(view)] == ["status"]
            view.text_filter.clear()
            assert len(shown(view)) >= everything

    qt_run(scenario())


def test_pause_holds_new_entries_until_resumed(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = traffic_in_front(app)
            client = await connect("py", app_url(app), "websocket", {"name": "pump"})
            await client.emit("before", 1)
            await wait_for_event(view, "before")
            view.pause_button.click()
            assert view.paused and view.pause_button.text() == "Resume"
            for number in range(3):
                await client.emit("during", number)
            await wait_until(lambda: [e.event for e in view.held].count("during") == 3,
                             message="three entries held")
            assert not events_shown(view, "during")
            assert f"paused, {view.held_count} new" in view.counts.text()
            view.pause_button.click()
            assert [e.payload for e in events_shown(view, "during")] == ["[0]", "[1]", "[2]"]
            assert view.held_count == 0 and not view.paused

    qt_run(scenario())


def top_entry(view: TrafficView) -> Entry:
    """The first row in sight (the table scrolls a row at a time)."""
    return view.proxy.index(view.table.verticalScrollBar().value(), 0).data(ENTRY_ROLE)


def test_out_of_sight_the_table_takes_nothing_and_catches_up_when_shown(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view, window = app.window.traffic, app.window
            assert window.isVisible() and not view.isVisible()  # the Clients tab in front
            client = await connect("py", app_url(app), "websocket", {"name": "unseen"})
            readings = Filter(kind=Kind.EVENT_IN, event="reading")

            async def send_and_hand_out(value: int) -> None:
                await client.emit("reading", {"value": value})
                await wait_until(
                    lambda: len(list(app.controller.journal_entries(readings))) == value + 1,
                    message=f"reading {value} handed to the window")

            for value in range(3):
                await send_and_hand_out(value)
            assert view.model.rowCount() == 0
            traffic_in_front(app)
            assert [e.payload for e in events_shown(view, "reading")] == [
                f'[{{"value":{value}}}]' for value in range(3)]
            assert [e.seq for e in shown(view)] == [
                e.seq for e in app.controller.journal_entries()]
            window.tabs.setCurrentIndex(0)  # out of sight again
            await send_and_hand_out(3)
            assert len(events_shown(view, "reading")) == 3
            traffic_in_front(app)
            assert [e.seq for e in shown(view)] == [
                e.seq for e in app.controller.journal_entries()]

    qt_run(scenario())


def test_trimming_the_oldest_keeps_the_selected_row_and_the_rows_in_sight(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = TrafficView(app.controller, max_rows=20)
            view.resize(900, 300)
            view.show()
            client = await connect("py", app_url(app), "websocket", {"name": "counter"})
            for number in range(16):  # rows enough to scroll the chosen one to the top
                await client.emit("tick", number)
            await wait_for_event(view, "tick", 16)
            chosen = events_shown(view, "tick")[5]
            index = view.proxy.index(row_of(view, chosen), 0)
            view.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            assert view.details.entry == chosen
            # Scrolling up by hand stops following.
            view.table.verticalScrollBar().triggerAction(
                QAbstractSlider.SliderAction.SliderSingleStepSub)
            assert not view.follow.isChecked()
            view.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
            in_sight = top_entry(view)
            assert in_sight == chosen
            for number in range(16, 24):
                await client.emit("tick", number)
            # The connect and the first ticks give way (25 entries, 20 rows kept); the
            # chosen tick, the seventh entry, stays.
            await wait_until(lambda: any(e.payload == "[23]" for e in shown(view)),
                             message="the last tick")
            assert view.model.trimmed > 0 and view.model.rowCount() == 20
            selected = view.table.selectionModel().selectedRows()
            assert [index.data(ENTRY_ROLE) for index in selected] == [chosen]
            assert view.table.currentIndex().data(ENTRY_ROLE) == chosen
            assert top_entry(view) == in_sight
            view.deleteLater()

    qt_run(scenario())


def test_export_writes_the_shown_entries_as_json_lines(qt_run: QtRun, tmp_path) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = traffic_in_front(app)
            client = await connect("py", app_url(app), "websocket", {"name": "logger"})
            await client.emit("log", {"line": "first"})
            await client.emit("other", [1, 2])
            await client.emit("log", {"line": "second"})
            await wait_for_event(view, "log", 2)
            await wait_for_event(view, "other")
            view.event_filter.setText("log")

            view.export_button.click()
            dialog = view.save_dialog
            assert dialog is not None and dialog.isVisible()
            target = tmp_path / "traffic.jsonl"
            dialog.selectFile(str(target))
            dialog.accept()
            lines = target.read_text().splitlines()
            assert [json.loads(line)["args"] for line in lines] == [
                [{"line": "first"}], [{"line": "second"}]]
            assert all(json.loads(line)["event"] == "log" for line in lines)
            assert "Exported 2 entries" in app.window.statusBar().currentMessage()
            # A file that cannot be written is said so, not raised.
            assert view.export_to(tmp_path / "no-such-folder" / "x.jsonl") == -1
            assert "could not be exported" in app.window.statusBar().currentMessage()

    qt_run(scenario())


def test_details_show_the_payload_as_a_tree_and_as_text_with_copy(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = traffic_in_front(app)
            client = await connect("js", app_url(app), "websocket", {"name": "board"})
            payload = {"data": {"readings": [20.5, 21]}, "unit": "°C"}
            await client.emit("telemetry", payload)
            await wait_for_event(view, "telemetry")
            entry = events_shown(view, "telemetry")[0]
            view.table.selectRow(row_of(view, entry))

            tree = view.details.tree
            top = {tree.topLevelItem(i).text(0): tree.topLevelItem(i)
                   for i in range(tree.topLevelItemCount())}
            assert set(top) == {"data", "unit"}
            assert top["unit"].text(1) == '"°C"'
            readings = top["data"].child(0)
            assert (readings.text(0), readings.text(1)) == ("readings", "[2 items]")
            assert [readings.child(i).text(1) for i in range(2)] == ["20.5", "21"]
            assert readings.isExpanded()
            assert json.loads(view.details.text.toPlainText()) == payload
            view.details.copy_data.click()
            copied = QGuiApplication.clipboard().text()
            assert json.loads(copied) == payload
            status = app.window.statusBar()
            assert status.currentMessage() == f"Copied the payload ({len(copied)} characters)"
            view.details.copy_entry.click()
            copied = QGuiApplication.clipboard().text()
            assert json.loads(copied)["seq"] == entry.seq
            assert status.currentMessage() == \
                f"Copied the entry as JSON ({len(copied)} characters)"

    qt_run(scenario())


def test_entries_keep_coming_after_a_restart(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = traffic_in_front(app)
            # A Node client: python-engineio's client, closed by the hub, leaves its write
            # loop waiting out its own timeout (30 s), past the end of the test's loop.
            first = await connect("js", app_url(app), "websocket", {"name": "before"})
            await first.emit("hello", 1)
            await wait_for_event(view, "hello")
            assert await app.controller.restart()
            # The hub's last words about its clients were kept: their disconnects.
            await wait_until(lambda: any(e.kind is Kind.DISCONNECT and e.client == "before"
                                         for e in shown(view)), message="the disconnect")
            second = await connect("py", app_url(app), "websocket", {"name": "after"})
            await second.emit("hello", 2)
            await wait_for_event(view, "hello", 2)

    qt_run(scenario())


@pytest.fixture(name="kept")
def kept_fixture() -> Iterator[list[object]]:
    """Objects kept alive until after the fixtures requested later are torn down."""
    kept: list[object] = []
    yield kept
    kept.clear()


@pytest.mark.parametrize("which", ["model", "proxy"])
def test_models_pass_qtmodeltester_while_rows_come_and_go(
        qt_run: QtRun, kept: list[object], qtmodeltester, which: str) -> None:
    """The tester checks the model, then watches every insert and trim that follows (one
    model per test: a tester follows the signals of each model it was given)."""
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            view = TrafficView(app.controller, max_rows=6)
            view.show()
            kept.append(view)  # the tester lets go of its signals at its teardown
            view.text_filter.setText("reading")
            client = await connect("py", app_url(app), "websocket", {"name": "tested"})
            assert (await client.call("join", "lab"))["ok"]
            await client.emit("reading", {"value": 0})
            await wait_for_event(view, "reading")
            qtmodeltester.check(view.model if which == "model" else view.proxy, force_py=True)
            for value in range(1, 6):
                await client.emit("reading", {"value": value})
            await wait_until(lambda: any(e.payload == '[{"value":5}]' for e in shown(view)),
                             message="the last reading")
            assert view.model.trimmed > 0

    qt_run(scenario())


def test_with_the_inspector_off_the_tab_says_why_it_stays_empty(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(inspector=False) as app, real_clients() as connect:
            view = traffic_in_front(app)
            assert view.off_note.isVisibleTo(view)
            client = await connect("py", app_url(app), "websocket", {"name": "unseen"})
            assert (await client.call("join", "lab"))["ok"]  # answered: the hub serves on
            assert view.model.rowCount() == 0
        async with running_app() as app:
            assert not app.window.traffic.off_note.isVisibleTo(app.window.traffic)

    qt_run(scenario())
