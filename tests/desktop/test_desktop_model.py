"""The connections table model: precise row operations, coalesced, following real clients."""

from __future__ import annotations

import asyncio
import random

import pytest
from helpers.clients import real_clients
from helpers.desktop_support import QtRun
from helpers.support import HANG_GUARD, hub_url, wait_until
from PySide6.QtCore import QModelIndex, Qt

from desktop.connections_model import (
    SID_ROLE,
    SORT_ROLE,
    Column,
    ConnectionsFilter,
    ConnectionsModel,
    local_time,
)
from desktop.controller import HubController
from server.config import load_settings
from server.connections import Connection, ConnectionManager


class Recorder:
    """Every structural signal of a model, in order."""

    def __init__(self, model: ConnectionsModel) -> None:
        self.events: list[tuple[str, int, int]] = []
        model.rowsInserted.connect(lambda _p, top, end: self.events.append(("ins", top, end)))
        model.rowsRemoved.connect(lambda _p, top, end: self.events.append(("rem", top, end)))
        model.dataChanged.connect(
            lambda top, bottom, _roles: self.events.append(("chg", top.row(), bottom.row())))
        model.modelReset.connect(lambda: self.events.append(("reset", 0, 0)))


def flush(qtbot, model: ConnectionsModel, manager: ConnectionManager) -> None:
    qtbot.waitUntil(lambda: model.sids() == [c.sid for c in manager.all()],
                    timeout=int(HANG_GUARD * 1000))


@pytest.mark.qt_log_level_fail("WARNING")
def test_a_burst_of_changes_is_applied_as_a_few_precise_row_operations(qtbot, qtmodeltester):
    manager = ConnectionManager()
    model = ConnectionsModel(manager)
    qtmodeltester.check(model)
    recorder = Recorder(model)

    for number in range(1000):
        manager.add(Connection(sid=f"s{number:04}", client_ip="127.0.0.1"))
    flush(qtbot, model, manager)
    assert recorder.events == [("ins", 0, 999)]

    recorder.events.clear()
    for number in (*range(10, 20), *range(500, 510), 999):
        manager.remove(f"s{number:04}")
    manager.add_room("s0005", "kitchen")
    manager.add_room("s0006", "kitchen")
    manager.add(Connection(sid="late", client_ip="10.0.0.7"))
    manager.add(Connection(sid="gone-at-once", client_ip="10.0.0.8"))
    manager.remove("gone-at-once")
    flush(qtbot, model, manager)
    # Removals bottom-up in runs, one range of changed rows, one insert at the end.
    assert recorder.events == [("rem", 999, 999), ("rem", 500, 509), ("rem", 10, 19),
                               ("chg", 5, 6), ("ins", 979, 979)]
    assert model.connection(5).rooms == {"kitchen"}
    assert model.rowCount() == manager.count() == 980
    model.detach()


def test_cells_show_local_time_and_sort_by_meaning(qtbot):
    manager = ConnectionManager()
    manager.add(Connection(sid="b", client_ip="10.0.0.2", name="Zed", rooms=frozenset({"y", "x"}),
                           transport="websocket", user_agent="lamp/1.0"))
    manager.add(Connection(sid="a", client_ip="10.0.0.1", name="alice"))
    model = ConnectionsModel(manager)
    first = manager.get("b")
    assert first is not None
    row = [model.index(0, column).data() for column in Column]
    assert row == ["Zed", "b", "10.0.0.2", "websocket",
                   local_time(first.connected_at), "x, y"]
    assert model.index(0, Column.CLIENT_IP).data(SID_ROLE) == "b"
    assert model.index(0, Column.CONNECTED_SINCE).data(SORT_ROLE) == first.connected_at.timestamp()
    # A name the column cuts is read whole on hover, above the client's user agent.
    assert model.index(0, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) == "Zed\nlamp/1.0"
    assert model.index(1, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) == "alice"

    proxy = ConnectionsFilter(model)
    proxy.sort(Column.NAME, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, Column.NAME).data() for r in range(2)] == ["alice", "Zed"]
    proxy.set_query("ZED")
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data(SID_ROLE) == "b"
    assert model.index(0, 0, model.index(0, 0)).isValid() is False
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(QModelIndex()) == 6
    model.detach()


async def _churn(controller: HubController, model: ConnectionsModel) -> None:
    await controller.start()
    url = hub_url(controller)
    rng = random.Random(3)
    async with real_clients() as connect:
        kinds = [("py", "websocket"), ("py", "polling")] * 10 + [("js", "websocket"),
                                                                  ("js", "polling")] * 2
        clients = await asyncio.gather(*(connect(kind, url, transport)
                                         for kind, transport in kinds))
        await asyncio.gather(*(client.call("join", rng.choice(["lab", "hall", "roof"]))
                               for client in clients))
        leaving = rng.sample(clients, 12)
        await asyncio.gather(*(client.close() for client in leaving))
        more = await asyncio.gather(*(connect("py", url, "websocket") for _ in range(8)))
        await asyncio.gather(*(client.call("join", "late") for client in more))

        def caught_up() -> bool:  # its rows and each row's rooms (the joins come after)
            rows = [model.connection(row) for row in range(model.rowCount())]
            return rows == controller.manager.all()

        await wait_until(caught_up, message="the model to catch up with the manager")
        assert model.rowCount() == controller.manager.count() == 32 - 12
    await wait_until(lambda: model.rowCount() == controller.manager.count() == 0,
                     message="every row to go")
    await controller.stop()


@pytest.mark.qt_log_level_fail("WARNING")
def test_model_follows_real_clients_under_churn(qt_run: QtRun, qtmodeltester):
    controller = HubController(load_settings(host="127.0.0.1", port=0))
    model = ConnectionsModel(controller.manager)
    qtmodeltester.check(model)
    recorder = Recorder(model)
    qt_run(_churn(controller, model))
    assert ("reset", 0, 0) not in recorder.events
    model.detach()
