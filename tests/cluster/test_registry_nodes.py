"""The node table on its own (no I/O, a clock the tests move): streams, silence, restarts
and the bounds on what other nodes can make this one hold."""

from __future__ import annotations

from collections import defaultdict

import pytest

from server.cluster import nodes as nodes_module
from server.cluster.nodes import NodeState, NodeTable
from server.cluster.registry_wire import Refused, decode, encode
from server.connections import Change


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(sid: str, rooms: tuple[str, ...] = ()) -> dict:
    return {"sid": sid, "name": None, "ip": "10.0.0.1", "transport": "websocket",
            "agent": "", "at": 1_700_000_000, "rooms": list(rooms), "sent": 0,
            "received": 0, "seen": 1_700_000_000}


class Table:
    """A node table, the changes it announced, and a way to feed it other nodes' messages."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.changes: list[tuple[Change, str]] = []
        self.table = NodeTable(lambda change, c: self.changes.append((change, c.sid)),
                               clock=self.clock, wall_clock=self.clock)
        self.seq: defaultdict[str, int] = defaultdict(int)

    def hear(self, kind: str, node: str = "n1", instance: str = "a", skip: int = 0,
             **body) -> bool:
        self.seq[node] += 1 + skip
        return self.table.receive(decode(encode(kind, node, instance, self.seq[node], **body)))

    def beat(self, node: str = "n1", instance: str = "a") -> bool:
        return self.hear("heartbeat", node, instance, address="", clients=0, interval=2.0)

    def snapshot(self, *sids: str, node: str = "n1", instance: str = "a") -> bool:
        return self.hear("snapshot", node, instance, first=True, last=True,
                         clients=[client(sid) for sid in sids])

    def sids(self) -> set[str]:
        return {c.sid for c in self.table.clients()}

    def state(self, name: str = "n1") -> NodeState:
        return next(node.state for node in self.table.nodes() if node.name == name)


@pytest.fixture
def t() -> Table:
    return Table()


def test_a_new_node_is_asked_once_and_a_gap_asks_again(t: Table) -> None:
    assert t.beat() is True  # new: ask for its clients
    assert t.snapshot("s1", "s2") is False
    assert t.sids() == {"s1", "s2"}
    assert t.hear("changes", upsert=[client("s3", ("lab",))], remove=["s1"]) is False
    assert t.sids() == {"s2", "s3"} and t.table.rooms() == {"lab": 1}
    t.clock.now += 2
    assert t.hear("changes", skip=1, upsert=[], remove=["s2"]) is True  # one was missed
    assert t.sids() == {"s3"}
    assert t.hear("hello") is False  # a starting node sends its snapshot unasked


def test_a_silent_node_goes_down_and_comes_back_with_its_clients(t: Table) -> None:
    t.beat()
    t.snapshot("s1")
    t.clock.now += 5.9
    assert t.table.expire() == []
    t.clock.now += 0.2  # three intervals of 2 s without a word
    assert t.table.expire() == ["n1"]
    assert t.state() is NodeState.DOWN and t.sids() == set()
    assert t.changes[-1] == (Change.REMOVED, "s1")
    assert t.beat() is True  # heard again: asked for its clients
    t.snapshot("s1")
    assert t.state() is NodeState.UP and t.sids() == {"s1"}


def test_a_restarted_node_loses_its_old_clients(t: Table) -> None:
    t.beat()
    t.snapshot("old")
    assert t.beat(instance="b") is True
    assert t.sids() == set()
    t.snapshot("new", instance="b")
    assert t.sids() == {"new"}


def test_without_redis_nodes_are_stale_and_keep_their_clients(t: Table) -> None:
    t.beat()
    t.snapshot("s1")
    t.table.link_lost()
    t.clock.now += 60
    assert t.table.expire() == [] and t.state() is NodeState.STALE and t.sids() == {"s1"}
    t.table.link_restored()
    assert t.state() is NodeState.UP
    assert t.table.expire() == []
    t.clock.now += 6.1  # back, but silent for three intervals since
    assert t.table.expire() == ["n1"] and t.sids() == set()


def test_a_node_cannot_take_another_node_s_client(t: Table) -> None:
    t.beat()
    t.snapshot("mine")
    t.beat(node="n2")
    t.snapshot("mine", "theirs", node="n2")
    assert {c.sid: c.node for c in t.table.clients()} == {"mine": "n1", "theirs": "n2"}


def test_what_other_nodes_can_make_it_hold_is_bounded(t: Table,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodes_module, "MAX_REMOTE_TEXT", 3 * nodes_module.CLIENT_OVERHEAD + 60)
    monkeypatch.setattr(nodes_module, "MAX_NODES", 2)
    t.beat()
    t.snapshot("s1", "s2")
    with pytest.raises(Refused):
        t.snapshot("s1", "s2", "s3", "s4")
    assert t.sids() == {"s1", "s2"}  # the refused snapshot changed nothing
    with pytest.raises(Refused):
        t.hear("changes", upsert=[client("s3"), client("s4")], remove=[])
    assert len(t.sids()) == 3  # applied up to the bound
    t.beat(node="n2")
    with pytest.raises(Refused):
        t.beat(node="n3")
    assert {node.name for node in t.table.nodes()} == {"n1", "n2"}
    t.table.forget_all()
    assert t.table.held == 0 and t.sids() == set()


def test_a_client_is_read_whole_or_not_at_all() -> None:
    bad = client("s1")
    bad["rooms"] = ["ok", 7]
    message = decode(encode("snapshot", "n1", "a", 1, first=True, last=True, clients=[bad]))
    table = NodeTable(lambda change, c: None)
    with pytest.raises(Refused):
        table.receive(message)
    assert table.nodes() == [] and table.clients() == []
