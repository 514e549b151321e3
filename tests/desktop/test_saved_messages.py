"""Saved messages and recent sends: kept across restarts, and a damaged file never lost."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from helpers.clients import real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtCore import QPoint

from desktop.composer_emit import SendResult
from desktop.saved_messages import (
    FILE_BYTES_LIMIT,
    MESSAGE_BYTES_LIMIT,
    RECENT_LIMIT,
    Message,
    MessageError,
    SavedMessages,
    default_path,
)


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def message(name: str = "", event: str = "ping", target: dict[str, object] | None = None,
            ) -> Message:
    return Message(name, target or {"all": True}, event, [{"n": 1}])


# -- across restarts, in the app


def test_a_saved_message_survives_a_restart_and_finds_its_device_again(qt_run: QtRun) -> None:
    """Saved in one run of the app, sent in the next with one click, to the same device
    under its new sid."""
    async def scenario() -> None:
        async with running_app() as app, real_clients() as connect:
            lamp = await connect("py", app_url(app), "websocket", {"name": "lamp"})
            await wait_until(lambda: lamp.sid in app.model.sids(), message="its row")
            composer = app.composer.composer
            composer.compose_for({"sid": lamp.sid})
            composer.event_name.setText("set-light")
            composer.args.setPlainText('{"level": 7}')
            composer.save_name.setText("lights on")
            composer.save_button.click()
            assert composer.result.text() == "Saved as “lights on”."
            assert composer.lists.tabText(0) == "Saved (1)"
        assert default_path().exists()

        async with running_app() as app, real_clients() as connect:
            composer = app.composer.composer
            assert [m.name for m in composer.store.saved] == ["lights on"]
            assert composer.saved_list.count() == 1
            lamp = await connect("js", app_url(app), "polling", {"name": "lamp"})
            await wait_until(lambda: lamp.sid in app.model.sids(), message="its row")
            composer.saved_list.row_widget(0).send.click()  # the one click
            await wait_until(lambda: composer.last_result is not None, within=20,
                             message="the send")
            assert composer.last_result == SendResult(recipients=1)
            assert await lamp.next_event("set-light") == [{"level": 7}]
            assert composer.picker.target() == {"sid": lamp.sid, "name": "lamp"}
            assert [m.event for m in composer.store.recent] == ["set-light"]

        reread = SavedMessages.load()
        assert reread.problem is None
        assert [(m.name, m.event, m.args) for m in reread.saved] == [
            ("lights on", "set-light", [{"level": 7}])]
        assert [m.target["name"] for m in reread.recent] == ["lamp"]

    qt_run(scenario())


def test_saved_rows_load_delete_and_never_send_to_a_device_not_connected(qt_run: QtRun) -> None:
    async def scenario() -> None:
        store = SavedMessages.load()
        store.save(message("wake", target={"sid": "old-sid", "name": "sleeper"}))
        store.save(message("room", target={"room": "lab"}))
        async with running_app() as app:
            composer = app.composer.composer
            composer.saved_list.row_widget(0).send.click()
            assert composer.result.text() == \
                "Not sent: sleeper · old-sid is not connected."
            assert composer.last_result is None

            composer.saved_list.itemClicked.emit(composer.saved_list.item(1))  # into the form
            assert composer.current_message("room") == store.saved[1]
            composer.saved_list.row_widget(0).delete.click()
            assert [m.name for m in composer.store.saved] == ["room"]
            assert composer.saved_list.count() == 1
        assert [m.name for m in SavedMessages.load().saved] == ["room"]

    qt_run(scenario())


def test_a_long_client_name_is_cut_and_every_row_keeps_its_buttons_in_sight(
        qt_run: QtRun) -> None:
    long_name = "L" + "x" * 63  # as long as the hub lets a name be

    async def scenario() -> None:
        store = SavedMessages.load()
        store.save(message("far", target={"sid": "old-sid", "name": long_name}))
        store.save(message("near", target={"room": "lab"}))
        async with running_app() as app:
            app.window.show()
            app.composer.show()
            saved = app.composer.composer.saved_list
            await wait_until(saved.isVisible, message="the saved list in sight")
            viewport = saved.viewport()
            for row in range(saved.count()):
                widget = saved.row_widget(row)
                for button in (widget.send, widget.delete):
                    right = button.mapTo(viewport, QPoint(button.width(), 0)).x()
                    assert right <= viewport.width(), f"row {row}'s {button.text()} cut"
            far = saved.row_widget(0)
            assert far.label.text().endswith("…")
            assert far.toolTip().startswith(f"far: ping → {long_name}\n")

    qt_run(scenario())


def test_the_composer_says_when_its_file_was_damaged(qt_run: QtRun) -> None:
    async def scenario() -> None:
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xfe not json")
        async with running_app() as app:
            notice = app.composer.composer.notice
            assert not notice.isHidden()
            assert notice.text().startswith("saved-messages.json could not be read whole: "
                                            "it is not JSON")
            assert notice.text().endswith("it was kept as saved-messages.json.bad")

    qt_run(scenario())
    assert Path(f"{default_path()}.bad").read_bytes() == b"\xff\xfe not json"


# -- the store


def test_the_last_sends_are_kept_newest_first_up_to_the_limit(tmp_path: Path) -> None:
    store = SavedMessages.load(tmp_path / "messages.json")
    for number in range(RECENT_LIMIT + 10):
        store.remember(message(event=f"e{number}"))
    store.remember(message(event="e55"))  # sent again: moves to the top, not twice
    events = [m.event for m in SavedMessages.load(tmp_path / "messages.json").recent]
    assert len(events) == RECENT_LIMIT and events[:3] == ["e55", "e59", "e58"]
    assert events.count("e55") == 1 and "e9" not in events


def test_saving_under_a_name_replaces_and_bad_messages_are_refused(tmp_path: Path) -> None:
    store = SavedMessages.load(tmp_path / "messages.json")
    store.save(message("a", event="one"))
    store.save(message("b"))
    store.save(message("a", event="two", target={"room": "lab"}))
    assert [(m.name, m.event) for m in store.saved] == [("a", "two"), ("b", "ping")]
    with pytest.raises(MessageError, match="needs a name"):
        store.save(message(""))
    big = Message("big", {"all": True}, "x", ["z" * MESSAGE_BYTES_LIMIT])
    with pytest.raises(MessageError, match="arguments over 64 KB"):
        store.save(big)
    store.remember(big)  # too large to remember: the send itself was fine
    store.delete("b")
    again = SavedMessages.load(tmp_path / "messages.json")
    assert (again.saved, again.recent, again.problem) == (store.saved, [], None)


GOOD = {"name": "good", "target": {"room": "lab"}, "event": "hi", "args": [1]}
HOSTILE = [
    (b"\x00\xff garbage", [], "it is not JSON"),
    (b"[" * 100_000, [], "it is not JSON"),  # deeper than any parser should follow
    (b'["saved"]', [], 'it is not a {"saved": [...], "recent": [...]} object'),
    (orjson.dumps({"saved": 5}), [], "'saved' is not a list"),
    (orjson.dumps({"saved": [GOOD, {"name": "t", "target": {"sid": 5}, "event": "x"}]}),
     ["good"], "'saved' #2 skipped: target must be"),
    (orjson.dumps({"saved": [GOOD, {**GOOD, "event": ""}, {**GOOD, "args": {}}]}),
     ["good"], "'saved' #2 skipped: event must be text of 1 to 256 characters; "
     "'saved' #3 skipped: args must be a list"),
    (orjson.dumps({"saved": [GOOD, GOOD, {**GOOD, "name": ""}]}), ["good"],
     "saved messages need distinct, non-empty names"),
    (orjson.dumps({"saved": [{**GOOD, "name": ["x"]}, "text", None]}), [],
     "'saved' #1 skipped: name must be text of at most 100 characters; "
     "'saved' #2 skipped: not an object; 'saved' #3 skipped: not an object"),
]


@pytest.mark.parametrize(("content", "kept", "why"), HOSTILE)
def test_a_hostile_file_is_read_as_far_as_it_goes_and_kept_aside(
        tmp_path: Path, content: bytes, kept: list[str], why: str) -> None:
    path = tmp_path / "messages.json"
    path.write_bytes(content)
    store = SavedMessages.load(path)
    assert [m.name for m in store.saved] == kept
    assert store.problem is not None and why in store.problem
    assert store.problem.endswith("it was kept as messages.json.bad")
    store.save(message("new"))  # the file is rewritten: the damaged one stays aside
    assert Path(f"{path}.bad").read_bytes() == content
    assert [m.name for m in SavedMessages.load(path).saved] == [*kept, "new"]


def test_an_oversized_file_is_not_read_and_each_damaged_one_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "messages.json"
    path.write_bytes(b" " * (FILE_BYTES_LIMIT + 1))
    assert "it is over 16 MB" in (SavedMessages.load(path).problem or "")
    path.write_bytes(b"{")
    assert (SavedMessages.load(path).problem or "").endswith("kept as messages.json.bad-2")
    assert Path(f"{path}.bad").stat().st_size == FILE_BYTES_LIMIT + 1
    assert Path(f"{path}.bad-2").read_bytes() == b"{"


def test_a_file_that_cannot_be_read_or_written_is_a_message_not_a_crash(
        tmp_path: Path) -> None:
    unreadable = tmp_path / "a-directory.json"
    unreadable.mkdir()
    store = SavedMessages.load(unreadable)
    assert store.problem is not None
    assert store.problem.endswith("could not be copied aside and will not be overwritten")
    store.save(message("kept in memory"))
    assert unreadable.is_dir() and [m.name for m in store.saved] == ["kept in memory"]

    blocked = tmp_path / "a-file" / "messages.json"
    blocked.parent.write_text("not a directory")
    store = SavedMessages.load(blocked)
    assert store.problem is None
    store.remember(message())
    assert (store.problem or "").startswith("messages.json could not be written: ")
    assert [m.event for m in store.recent] == ["ping"]
