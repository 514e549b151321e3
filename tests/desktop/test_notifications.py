"""The tray's balloons over the real app with real clients: a burst is one balloon, a new
name is told once (also across runs), a refusal and a server error are told, and a kind
switched off stays silent.

The notifier's rate limiter runs on a clock the tests hold (``FakeClock``): a balloon
appears when the test moves that clock on, never because wall-clock time passed.
"""

from __future__ import annotations

import pytest
from helpers.clients import ConnectRefused, real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until
from PySide6.QtWidgets import QCheckBox

from desktop.app import DesktopApp
from desktop.coalescer import GATHER_SECONDS, INTERVAL_SECONDS
from desktop.controller import State
from desktop.notifications import Notifier
from desktop.preferences import Notifications, load_notifications
from server.inspector import Filter, Kind
from server.runtime.runner import bind_socket


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path, monkeypatch) -> None:
    """Each test its own config file, preferences and names seen, and login entries."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def watch(app: DesktopApp) -> tuple[Notifier, FakeClock, list[tuple[str, str]]]:
    """The app's notifier on a clock the test holds, and the balloons shown from now on."""
    assert app.tray is not None and app.notifier is not None
    clock = FakeClock()
    app.notifier.coalescer.clock = clock
    shown: list[tuple[str, str]] = []
    app.tray.messageShown.connect(lambda title, text: shown.append((title, text)))
    return app.notifier, clock, shown


async def until_shown(shown: list[tuple[str, str]], count: int) -> None:
    """The notifier's own timer shows it (the deadline only guards against a hang)."""
    await wait_until(lambda: len(shown) >= count, message=f"{count} balloons")


def test_a_burst_of_new_names_is_one_balloon_and_none_comes_within_a_second(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app, real_clients() as connect:
            notifier, clock, shown = watch(app)
            url = app_url(app)
            for number in range(12):
                await connect("py", url, "websocket", {"name": f"sensor-{number}"})
            await wait_until(lambda: notifier.coalescer.held == 12, message="12 held")
            notifier.release()  # what the timer does: the clock has not moved, so nothing
            assert shown == []

            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            assert shown == [("New devices", "12 new devices connected: “sensor-0”, "
                              "“sensor-1”, “sensor-2” and 9 more")]

            await connect("js", url, "polling", {"name": "late"})
            await wait_until(lambda: notifier.coalescer.held == 1, message="one more held")
            clock.advance(INTERVAL_SECONDS - GATHER_SECONDS)  # gathered, but < 1 s since
            notifier.release()
            assert len(shown) == 1
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 2)
            assert shown[1] == ("New device", "“late” connected for the first time")
            assert notifier.coalescer.held == 0

    qt_run(scenario())


def test_a_known_name_is_not_told_again_also_in_the_next_run(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app, real_clients() as connect:
            notifier, clock, shown = watch(app)
            url = app_url(app)
            first = await connect("py", url, "websocket", {"name": "thermo"})
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            await first.close()
            await connect("js", url, "websocket", {"name": "thermo"})
            await connect("py", url, "polling")  # no name: nothing to tell
            await wait_until(lambda: app.controller.client_count == 2, message="2 clients")
            assert notifier.coalescer.held == 0
            clock.advance(10)
            notifier.release()
            assert shown == [("New device", "“thermo” connected for the first time")]

        async with running_app(tray_available=True) as app, real_clients() as connect:
            notifier, clock, shown = watch(app)
            await connect("py", app_url(app), "websocket", {"name": "thermo"})
            await connect("py", app_url(app), "websocket", {"name": "hygro"})
            await wait_until(lambda: notifier.coalescer.held == 1, message="one held")
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            assert shown == [("New device", "“hygro” connected for the first time")]

    qt_run(scenario())


def test_a_name_is_shown_as_plain_text_on_one_line_and_cut_short(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app, real_clients() as connect:
            _, clock, shown = watch(app)
            name = "<b>lamp</b>\u202e & co " + "x" * 100
            await connect("py", app_url(app), "websocket", {"name": name})
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            text = shown[0][1]
            assert "<" not in text and "&" not in text and "\u202e" not in text
            assert text.startswith("“\u2039b\u203alamp\u2039/b\u203a \uff06 co xxx")
            quoted = text[1:text.index("”")]
            assert len(quoted) == 40 and quoted.endswith("…")

    qt_run(scenario())


def test_refused_clients_are_told_once_per_address_and_reason(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True, auth_token="secret",
                               max_connections=1) as app, real_clients() as connect:
            notifier, clock, shown = watch(app)
            url = app_url(app)
            await connect("py", url, "websocket", {"token": "secret", "name": "first"})
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            for _ in range(2):  # the same address and reason twice: told once
                with pytest.raises(ConnectRefused, match="wrong token"):
                    await connect("py", url, "websocket", {"token": "guess"})
            with pytest.raises(ConnectRefused, match="server full"):
                await connect("js", url, "websocket", {"token": "secret"})
            refusals = Filter(kind=Kind.REFUSED)
            # journal_entries: those the window has been handed, each once, in batches.
            await wait_until(lambda: len(list(app.controller.journal_entries(refusals))) == 3,
                             message="three refusals handed to the window")
            assert notifier.coalescer.held == 2
            clock.advance(INTERVAL_SECONDS)
            await until_shown(shown, 2)
            assert shown[1] == (
                "Clients refused",
                "2 clients refused, the first: 127.0.0.1: authentication failed: wrong token")

    qt_run(scenario())


def test_a_server_error_is_told(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app:
            _, clock, shown = watch(app)
            taken = bind_socket("127.0.0.1", 0)
            try:
                port = taken.getsockname()[1]
                settings = app.controller.settings.model_copy(update={"port": port})
                assert not await app.controller.restart(settings)
            finally:
                taken.close()
            assert app.controller.state is State.ERROR
            clock.advance(GATHER_SECONDS)
            await until_shown(shown, 1)
            assert shown == [("Server stopped", "The server stopped: cannot listen on "
                              f"127.0.0.1:{port}: the port is already in use")]

    qt_run(scenario())


def test_each_kind_switched_off_in_the_settings_stays_silent(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True, auth_token="secret") as app:
            notifier, clock, shown = watch(app)
            app.actions.settings.trigger()
            dialog = app.settings_dialog
            assert dialog is not None and set(dialog.notify) == {
                "new_device", "refused", "server_error"}
            assert all(box.isChecked() for box in dialog.notify.values())
            for box in dialog.notify.values():
                box.setChecked(False)
            dialog.save()
            off = Notifications(new_device=False, refused=False, server_error=False)
            assert notifier.preferences == off
            assert load_notifications() == off  # kept for the next run

            url = app_url(app)
            async with real_clients() as connect:  # closed before the hub restarts
                await connect("py", url, "websocket", {"token": "secret", "name": "quiet"})
                with pytest.raises(ConnectRefused, match="wrong token"):
                    await connect("py", url, "websocket", {"token": "guess"})
            journal = app.controller.journal
            assert journal is not None
            await wait_until(lambda: any(e.kind is Kind.REFUSED for e in journal.export()),
                             message="the refusal in the journal")
            assert "quiet" in notifier.known  # remembered all the same
            with bind_socket("127.0.0.1", 0) as taken:
                settings = app.controller.settings.model_copy(
                    update={"port": taken.getsockname()[1]})
                assert not await app.controller.restart(settings)
                assert notifier.coalescer.held == 0
                clock.advance(10)
                notifier.release()
                assert shown == []

                # Switched on again, the dialog shows it and the next error is told.
                app.actions.settings.trigger()
                dialog = app.settings_dialog
                assert dialog is not None
                assert not any(box.isChecked() for box in dialog.notify.values())
                dialog.notify["server_error"].setChecked(True)
                dialog.save()
                assert load_notifications() == Notifications(new_device=False, refused=False)
                assert not await app.controller.restart(settings)
                clock.advance(10)
                await until_shown(shown, 1)
                assert shown[0][0] == "Server stopped"

    qt_run(scenario())


def test_without_a_tray_there_is_no_notifier_and_no_switch(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=False) as app:
            assert app.notifier is None
            app.actions.settings.trigger()
            dialog = app.settings_dialog
            assert dialog is not None and dialog.notify == {}
            labels = [box.text() for box in dialog.findChildren(QCheckBox)]
            assert not any(label.startswith("Notify") for label in labels)

    qt_run(scenario())
