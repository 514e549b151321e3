"""The registry under faults: a node killed or frozen, Redis stopped and started again,
and hostile messages on the registry channel."""

from __future__ import annotations

import logging
import os
import signal
import sys

import httpx
import pytest
import redis.asyncio as aioredis
from helpers.redis_server import free_loopback_port
from helpers.support import LoggedProcess, hub_url, running_hub, wait_until

from server.cluster.registry import registry_channel
from server.cluster.registry_wire import CHUNK, MAX_MESSAGE_BYTES, encode

WITHIN = 30.0  # a hang guard on a loaded machine, not a measure


def node_process(redis_url: str, name: str, port: int) -> LoggedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOCKETIO_REDIS_URL": redis_url,
           "SOCKETIO_NODE_NAME": name}
    return LoggedProcess([sys.executable, "-m", "server", "--host", "127.0.0.1",
                          "--port", str(port)], env)


def states(hub) -> dict[str, str]:
    return {node["name"]: node["state"] for node in hub.registry.nodes()}


async def test_a_killed_node_is_marked_down_and_its_clients_dropped(redis_server, clients):
    async with running_hub(redis_url=redis_server.url) as observer:
        mine = await clients("py", hub_url(observer), "websocket")
        node = node_process(redis_server.url, "doomed", free_loopback_port())
        await node.start()
        try:
            theirs = await clients("js", await node.url(), "polling")
            await wait_until(lambda: theirs.sid in observer.registry.directory, WITHIN,
                             "the node's client to show")
            assert states(observer)["doomed"] == "up"
            node.process.send_signal(signal.SIGKILL)
            await wait_until(lambda: theirs.sid not in observer.registry.directory, WITHIN,
                             "the killed node's client to go")
            assert states(observer)["doomed"] == "down"
        finally:
            await node.kill()
        assert [c.sid for c in observer.registry.directory.all()] == [mine.sid]
        assert await mine.call("join", "still-served") == {"ok": True,
                                                           "rooms": ["still-served"]}


async def test_a_frozen_node_goes_down_and_its_clients_come_back_with_it(redis_server,
                                                                         clients):
    async with running_hub(redis_url=redis_server.url) as observer:
        node = node_process(redis_server.url, "sleepy", free_loopback_port())
        await node.start()
        try:
            theirs = await clients("py", await node.url(), "websocket")
            await wait_until(lambda: theirs.sid in observer.registry.directory, WITHIN,
                             "the node's client to show")
            node.process.send_signal(signal.SIGSTOP)
            try:
                await wait_until(lambda: states(observer)["sleepy"] == "down", WITHIN,
                                 "the frozen node to be marked down")
                assert theirs.sid not in observer.registry.directory
            finally:
                node.process.send_signal(signal.SIGCONT)
            await wait_until(lambda: theirs.sid in observer.registry.directory, WITHIN,
                             "the node's client to come back")
            assert states(observer)["sleepy"] == "up"
        finally:
            await node.kill()


async def test_the_registry_recovers_when_redis_comes_back(
        redis_server, clients, caplog: pytest.LogCaptureFixture):
    async with running_hub(redis_url=redis_server.url) as first, \
            running_hub(redis_url=redis_server.url) as second:
        staying = await clients("py", hub_url(first), "websocket")
        leaving = await clients("py", hub_url(second), "polling")
        await wait_until(lambda: first.registry.directory.count() == 2
                         and second.registry.directory.count() == 2, WITHIN, "both clients")
        redis_server.stop()
        await wait_until(lambda: first.registry.unreachable_since is not None
                         and second.registry.unreachable_since is not None, WITHIN,
                         "both nodes to notice")
        assert first.registry.status_line().startswith("cluster: Redis unreachable since ")
        assert states(first)[second.registry.name] == "stale"
        assert first.registry.directory.count() == 2  # what it knew is kept meanwhile
        # While Redis is away, the nodes keep serving their own clients.
        await leaving.close()
        arriving = await clients("js", hub_url(first), "websocket")
        assert {c.sid for c in first.manager.all()} == {staying.sid, arriving.sid}
        redis_server.start()
        truth = {staying.sid: first.registry.name, arriving.sid: first.registry.name}

        def view(hub) -> dict[str, str | None]:
            return {c.sid: c.node for c in hub.registry.directory.all()}

        await wait_until(lambda: view(first) == truth and view(second) == truth, WITHIN,
                         "both views to match the clients again")
        assert first.registry.unreachable_since is None
        assert set(states(second).values()) == {"up"}
    lost = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(lost) == 2  # once for each node: back, the link holds


HOSTILE = [
    b"\xff\xfe not json",
    b"[1, 2, 3]",
    b'{"v": 1, "kind": "heartbeat"}',
    b"x" * (MAX_MESSAGE_BYTES + 1),
    encode("teleport", "evil", "i1", 1),
    encode("heartbeat", "evil\x00", "i1", 1, address="", clients=0, interval=2),
    encode("heartbeat", "evil", "i1", -5, address="", clients=0, interval=2),
    encode("heartbeat", "evil", "i1", 1, address="", clients=0, interval=1e9),
    encode("snapshot", "evil", "i1", 1, first=True, last=True,
           clients=[{"sid": "s"}] ),
    encode("snapshot", "evil", "i1", 1, first=True, last=True,
           clients=[{"sid": f"s{n}"} for n in range(CHUNK + 1)]),
    encode("changes", "evil", "i1", 1, upsert=[], remove=[{"not": "a sid"}]),
    encode("changes", "evil", "i1", 1, remove=[], upsert=[{
        "sid": "s", "name": None, "ip": "1.2.3.4", "transport": "websocket", "agent": "",
        "at": 0, "rooms": [f"r{n}" for n in range(1001)], "sent": 0, "received": 0,
        "seen": 0}]),
]


def good_client(sid: str) -> dict:
    return {"sid": sid, "name": "remote", "ip": "10.0.0.9", "transport": "websocket",
            "agent": "test", "at": 1_700_000_000, "rooms": ["lab"], "sent": 3,
            "received": 4, "seen": 1_700_000_100}


async def test_hostile_messages_are_refused_logged_once_and_the_rest_goes_on(
        redis_server, clients, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    async with running_hub(redis_url=redis_server.url) as hub:
        mine = await clients("py", hub_url(hub), "websocket")
        await wait_until(lambda: hub.registry.connected, WITHIN, "the registry to connect")
        channel = registry_channel(hub.settings)
        publisher = aioredis.Redis.from_url(redis_server.url)
        try:
            for message in HOSTILE * 2:
                await publisher.publish(channel, message)
            await wait_until(lambda: hub.registry.refused == 2 * len(HOSTILE), WITHIN,
                             "every hostile message to be refused")
            # A well-formed node is still heard after all that.
            await publisher.publish(channel, encode(
                "snapshot", "honest", "i2", 1, first=True, last=True,
                clients=[good_client("remote-1")]))
            await wait_until(lambda: "remote-1" in hub.registry.directory, WITHIN,
                             "the honest node's client")
        finally:
            await publisher.aclose()
        remote = hub.registry.directory.get("remote-1")
        assert remote is not None and remote.node == "honest" and remote.rooms == {"lab"}
        assert remote.to_dict()["messages_received"] == 4
        assert {c.sid for c in hub.registry.directory.all()} == {mine.sid, "remote-1"}
        assert [c.sid for c in hub.manager.all()] == [mine.sid]
    refusals = [r for r in caplog.records if "refused a registry message" in r.getMessage()]
    reasons = [r.getMessage() for r in refusals]
    assert len(reasons) == len(set(reasons)) >= 8  # each reason once, however often
    assert not any(r.exc_info for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


async def test_a_hub_started_without_redis_serves_and_joins_when_redis_comes(
        redis_server, clients):
    redis_server.stop()
    async with running_hub(redis_url=redis_server.url) as lonely:
        await wait_until(lambda: lonely.registry.unreachable_since is not None, WITHIN,
                         "the registry to find Redis unreachable")
        mine = await clients("py", hub_url(lonely), "websocket")
        assert await mine.call("join", "lab") == {"ok": True, "rooms": ["lab"]}
        async with httpx.AsyncClient(base_url=hub_url(lonely), timeout=10) as http:
            page = (await http.get("/")).text
        assert "cluster: Redis unreachable since " in page
        redis_server.start()
        async with running_hub(redis_url=redis_server.url) as other:
            await wait_until(lambda: mine.sid in other.registry.directory, WITHIN,
                             "the first hub's client to reach the cluster")
        assert lonely.registry.connected
