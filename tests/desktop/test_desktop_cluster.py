"""The desktop app as a node of a cluster: its window lists every node's clients with a
Node column and shows any of them in full, the tray says how many nodes are up, and a
client of another node can be disconnected from the window's menu."""

from __future__ import annotations

from helpers.clients import real_clients
from helpers.desktop_support import QtRun, app_url, running_app
from helpers.redis_server import RedisServer
from helpers.support import hub_url, running_hub, wait_until
from PySide6.QtCore import Qt

from desktop.connections_model import NODE_COLUMN, Column
from desktop.tray import describe

WITHIN = 20.0  # a hang guard on a loaded machine, not a measure


def node_of(app, sid: str) -> str | None:
    model = app.model
    for row in range(model.rowCount()):
        if model.connection(row).sid == sid:
            return model.data(model.index(row, NODE_COLUMN), Qt.ItemDataRole.DisplayRole)
    return None


def test_the_window_lists_every_node_s_clients(qt_run: QtRun,
                                               redis_server: RedisServer) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True, redis_url=redis_server.url,
                               node_name="desk") as app, \
                running_hub(redis_url=redis_server.url, node_name="rack") as other, \
                real_clients() as connect:
            assert app.model.columnCount() == len(Column) + 1
            assert app.model.headerData(NODE_COLUMN, Qt.Orientation.Horizontal) == "Node"
            here = await connect("py", app_url(app), "websocket")
            there = await connect("js", hub_url(other), "websocket")
            await wait_until(lambda: node_of(app, there.sid) == "rack", WITHIN,
                             "the other node's client in the window")
            assert node_of(app, here.sid) == "desk"
            pane = app.window.show_details(there.sid)  # another node's client, in full
            assert pane.values["sid"].text() == there.sid
            assert pane.values["node"].text() == "rack"
            assert pane.values["transport"].text() == "websocket"
            assert not pane.status.text()
            assert describe(app.controller, app.model.rowCount()).endswith(
                "\n2 nodes up, 2 clients in all")
            assert app.tray is not None
            await wait_until(lambda: app.tray.toolTip().endswith("2 clients in all"), WITHIN,
                             "the tooltip to follow")

            await app.controller.disconnect_client(there.sid)
            await wait_until(there.disconnected.is_set, WITHIN, "the remote client to go")
            await wait_until(lambda: node_of(app, there.sid) is None, WITHIN,
                             "its row to go")
            assert app.controller.manager.count() == 1

    qt_run(scenario())


def test_a_single_hub_window_has_no_node_column(qt_run: QtRun) -> None:
    async def scenario() -> None:
        async with running_app(tray_available=True) as app:
            assert app.model.columnCount() == len(Column)
            assert app.controller.nodes_up() is None
            assert not app.window.cluster_label.isVisibleTo(app.window)
            assert describe(app.controller, 0).endswith("\n0 clients connected")

    qt_run(scenario())


def test_the_status_bar_says_when_redis_is_unreachable(qt_run: QtRun,
                                                       redis_server: RedisServer) -> None:
    async def scenario() -> None:
        async with running_app(redis_url=redis_server.url) as app:
            label = app.window.cluster_label
            await wait_until(lambda: label.text() == "cluster: 1 node up, 0 clients in all",
                             WITHIN, "the cluster's state in the status bar")
            assert label.isVisibleTo(app.window)
            redis_server.stop()
            await wait_until(lambda: label.text().startswith(
                "cluster: Redis unreachable since "), WITHIN, "the lost link to show")
            redis_server.start()
            await wait_until(lambda: "node up" in label.text(), WITHIN,
                             "the link back in the status bar")

    qt_run(scenario())
