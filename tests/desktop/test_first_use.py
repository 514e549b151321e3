"""The window as a new user meets it: its filter, its empty table, its details pane."""

from __future__ import annotations

import pytest
from helpers.clients import real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.support import wait_until

from desktop.app import DesktopApp
from desktop.connections_model import SID_ROLE


@pytest.fixture(autouse=True)
def own_config_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


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

    qt_run(scenario())
