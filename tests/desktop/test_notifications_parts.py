"""The notifications' parts on their own: the coalescing rate limiter on a clock the test
holds, the bounded memory of names seen, the preferences file, and the balloon's text."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtWidgets import QSystemTrayIcon

from desktop.coalescer import Coalescer, Held
from desktop.known_devices import KnownDevices
from desktop.notifications import NoticeKind, describe, plain
from desktop.preferences import Notifications, load_notifications, save_notifications


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_released_once_and_never_twice_within_the_interval() -> None:
    clock = Clock()
    coalescer: Coalescer[str] = Coalescer(clock, interval=1.0, gather=0.25, samples=2)
    assert coalescer.due is None and coalescer.release() == {}
    for number in range(12):
        coalescer.add("device", f"d{number}")
    coalescer.add("refused", "r")
    assert coalescer.held == 13 and coalescer.due == 50.25
    assert coalescer.release() == {}  # gathering
    clock.now = 50.25
    assert coalescer.release() == {"device": Held(12, ["d0", "d1"]), "refused": Held(1, ["r"])}
    assert coalescer.held == 0 and coalescer.due is None

    clock.now = 50.5
    coalescer.add("device", "late")
    assert coalescer.due == 51.25  # a second after the last release, not 50.75
    clock.now = 51.2
    assert coalescer.release() == {}
    clock.now = 51.25
    assert coalescer.release() == {"device": Held(1, ["late"])}

    clock.now = 60.0  # after a quiet spell only the gathering delays
    coalescer.add("device", "again")
    assert coalescer.due == 60.25


def test_known_names_survive_a_restart_and_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    known = KnownDevices(path, limit=3)
    assert [known.first_sighting(name) for name in ("a", "b", "a", "c", "d")] == [
        True, True, False, True, True]
    assert "b" not in known and len(known) == 3  # the least recently seen went first
    known.save()
    assert json.loads(path.read_text()) == ["a", "c", "d"]
    again = KnownDevices(path, limit=3)
    assert not again.first_sighting("a") and again.first_sighting("b")


def test_an_unreadable_names_file_is_set_aside_with_a_word(tmp_path: Path, caplog) -> None:
    path = tmp_path / "known.json"
    for content in ("{not json", '{"a": 1}'):
        path.write_text(content)
        with caplog.at_level(logging.WARNING):
            assert len(KnownDevices(path)) == 0
    assert "unreadable" in caplog.text and "no list of names" in caplog.text


def test_the_switches_are_saved_beside_other_tables_and_a_bad_one_is_the_default(
        tmp_path: Path, caplog) -> None:
    path = tmp_path / "desktop.toml"
    assert load_notifications(path) == Notifications()
    path.write_text('[other]\nkept = 1\n[notifications]\nrefused = "no"\nnew_device = false\n')
    with caplog.at_level(logging.WARNING):
        assert load_notifications(path) == Notifications(new_device=False)
    assert "notifications.refused must be true or false" in caplog.text
    save_notifications(Notifications(server_error=False), path)
    assert load_notifications(path) == Notifications(server_error=False)
    assert "[other]\nkept = 1" in path.read_text()


def test_client_text_becomes_one_short_plain_line() -> None:
    assert plain("a\nb\tc\u2028d", 40) == "a b c d"
    assert plain("evil\u202egnp.exe", 40) == "evilgnp.exe"  # no right-to-left override
    assert plain("<a href='x'>&</a>", 40) == "\u2039a href='x'\u203a\uff06\u2039/a\u203a"
    assert plain("x" * 50, 10) == "x" * 9 + "…"


def test_one_balloon_tells_every_kind_released_the_most_urgent_first() -> None:
    balloon = describe({NoticeKind.NEW_DEVICE: Held(1, ["lamp"]),
                        NoticeKind.SERVER_ERROR: Held(1, ["port taken"])})
    assert balloon.title == "socketio-tray"
    assert balloon.text == ("The server stopped: port taken\n"
                            "“lamp” connected for the first time")
    assert balloon.icon is QSystemTrayIcon.MessageIcon.Warning
    only_new = describe({NoticeKind.NEW_DEVICE: Held(2, ["a", "b"])})
    assert (only_new.title, only_new.text) == ("New devices",
                                               "2 new devices connected: “a”, “b”")
    assert only_new.icon is QSystemTrayIcon.MessageIcon.Information
