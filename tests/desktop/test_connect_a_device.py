"""The window tells who can reach the hub and hands out client code: the loopback-only
notice and its one-click way out, the announced name or why there is none, and "Connect
a device" with the hub's real address.  The real app, offscreen, on the Qt loop.

Discovery is off in the tests (tests/conftest.py); the one test that turns it on binds to
127.0.0.1, and the one that switches to 0.0.0.0 checks first that it is off.
"""

from __future__ import annotations

from contextlib import closing

import pytest
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.mdns import LoopbackBrowser, unique_name
from helpers.support import wait_until
from PySide6.QtGui import QGuiApplication

from desktop.connect_dialog import SnippetTab
from desktop.controller import State
from server.config import read_config_file
from server.runtime.runner import bind_socket

SOCKETIO = "_socketio._tcp.local."
WITHIN = 20.0  # a hang guard: a restart, or mDNS probing for a name


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    """Each test its own config file: "Let LAN devices connect" writes to it."""
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def test_a_loopback_hub_says_so_where_the_addresses_are_and_shows_no_qr_code(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            window = app.window
            window.show()
            assert window.loopback_notice.isVisible()
            assert window.loopback_notice.message.text().startswith(
                "Only this computer can reach the hub: it listens on 127.0.0.1.")
            assert window.lan_label.text() == "LAN: not served (listening on 127.0.0.1 only)"
            assert window.qr.pixmap().isNull() and window.qr_caption.text() == ""
            assert window.addresses.item(0).text() == app_url(app)

    qt_run(scenario())


def test_let_lan_devices_connect_rebinds_to_every_interface_and_keeps_it(
        qt_run: QtRun, tmp_path) -> None:
    async def scenario() -> None:
        async with running_app(dashboard_token="open sesame") as app:
            controller, window = app.controller, app.window
            # Binding 0.0.0.0 is allowed here only because nothing is announced by mDNS.
            assert controller.settings.discovery is False
            window.show()
            copy = app.actions.copy_address  # a loopback address would not work on a device
            assert not copy.isEnabled()
            assert copy.text() == "Copy LAN address (not served: listening on 127.0.0.1 only)"
            window.loopback_notice.open_to_lan.click()
            await wait_until(lambda: controller.settings.host == "0.0.0.0"
                             and controller.state is State.RUNNING, WITHIN, "the restart")
            assert read_config_file(tmp_path / "config.toml")["host"] == "0.0.0.0"
            assert not window.loopback_notice.isVisible()
            assert not window.lan_label.text().startswith("LAN: not served")
            assert not window.qr.pixmap().isNull()
            url = controller.dashboard_url()
            assert url is not None and url.endswith("/?token=open%20sesame")
            caption = window.qr_caption.text()  # the code carries the token, not its caption
            assert url.split("?")[0] in caption and "sesame" not in caption
            assert window.addresses.item(window.addresses.count() - 1).text() == app_url(app)

            # Now "Copy LAN address" has one to copy (or says there is no network).
            lan = controller.lan_addresses()
            assert copy.isEnabled() == bool(lan)
            if not lan:
                assert copy.text() == "Copy LAN address (no network)"
                return
            assert copy.text() == "Copy LAN address"
            copy.trigger()
            lan_url = f"http://{lan[0]}:{controller.port}"
            assert QGuiApplication.clipboard().text() == lan_url
            assert window.statusBar().currentMessage() == f"Copied {lan_url}"

    qt_run(scenario())


def test_the_window_says_why_discovery_is_off(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app() as app:
            assert app.window.discovery_label.text() == (
                "Discovery off: turned off in the settings (discovery = false)")

    qt_run(scenario())


def test_the_window_shows_the_name_the_hub_is_announced_by(qt_run: QtRun) -> None:
    async def scenario() -> None:
        name = unique_name("window hub")
        async with running_app(discovery=True, node_name=name) as app:  # on 127.0.0.1 only
            label = app.window.discovery_label
            await wait_until(lambda: label.text() == f"Announced by mDNS as “{name}”",
                             WITHIN, "the announced name in the window")

    qt_run(scenario())


def test_connect_a_device_shows_code_for_the_hub_and_follows_a_restart(
        qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(auth_token="s3cret-device-token") as app:
            app.actions.connect_device.trigger()
            dialog = app.window.connect_dialog
            assert dialog is not None and dialog.isVisible()
            tabs = dialog.snippet_tabs()
            assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
                "JavaScript (Node.js)", "Python", "ESP32 Arduino", "ESP-IDF",
                "MicroPython"]
            url = app_url(app)
            assert url in tabs[0].code.toPlainText() and url in tabs[1].code.toPlainText()
            assert all("s3cret" not in tab.snippet.code for tab in tabs)
            assert "YOUR_HUB_TOKEN" in dialog.summary.text()
            assert "Only this computer can reach this address" in dialog.summary.text()
            tabs[1].copy_button.click()
            assert QGuiApplication.clipboard().text() == tabs[1].snippet.code

            settings = app.controller.settings.model_copy(update={"auth_token": None})
            assert await app.controller.restart(settings)
            new_tabs = dialog.snippet_tabs()
            assert all(isinstance(tab, SnippetTab) for tab in new_tabs)
            assert app_url(app) in new_tabs[0].code.toPlainText()
            assert all("YOUR_HUB_TOKEN" not in tab.code.toPlainText() for tab in new_tabs)
            assert "YOUR_HUB_TOKEN" not in dialog.summary.text()

    qt_run(scenario())


def test_a_restart_on_another_port_is_announced_afresh(qt_run: QtRun) -> None:
    """"Use port N" and the settings dialog restart through the controller: the new hub
    announces its new port, and the window shows the name again."""
    async def scenario() -> None:
        name = unique_name("moving hub")
        async with running_app(discovery=True, node_name=name) as app:  # on 127.0.0.1 only
            controller = app.controller
            async with LoopbackBrowser([SOCKETIO]) as seen:
                assert (await seen.found(SOCKETIO, name)).port == controller.port
            with closing(bind_socket("127.0.0.1", 0)) as sock:
                new_port = sock.getsockname()[1]
            assert await controller.restart(
                controller.settings.model_copy(update={"port": new_port}))
            async with LoopbackBrowser([SOCKETIO]) as seen:
                assert (await seen.found(SOCKETIO, name)).port == new_port
            await wait_until(lambda: app.window.discovery_label.text().endswith(f"“{name}”"),
                             WITHIN, "the announced name in the window again")

    qt_run(scenario())


def test_a_failed_announcement_says_why_and_the_hub_serves_on(qt_run: QtRun) -> None:
    """zeroconf cannot multicast on IPv6 loopback: a hub bound to ::1 has nowhere to
    announce itself, which is nothing sent at all."""
    async def scenario() -> None:
        async with running_app(host="::1", discovery=True, node_name=unique_name("v6")) as app:
            assert app.controller.is_running
            label = app.window.discovery_label
            await wait_until(lambda: label.text().startswith("Discovery off: cannot announce"),
                             WITHIN, "the reason discovery is off")
            assert "no interface" in label.text()

    qt_run(scenario())
