"""Redis going and coming back under hub processes that keep serving: counted, not lost.

What the tests hold the cluster to: nothing sent while the sender's node, the receiver's
node and Redis were all connected may be lost; a node's own clients are served all
along; cross-node delivery comes back by itself.  When "all connected" starts and ends
is read from each node's log, never from a clock.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from contextlib import suppress

import pytest
import redis.asyncio
from helpers.clients import Client, ConnectClient
from helpers.hub_nodes import (
    CONNECTED,
    REACHABLE_AGAIN,
    UNREACHABLE,
    WITHIN,
    Node,
    running_nodes,
)
from helpers.redis_server import RedisServer
from helpers.support import wait_until

DROPPED = re.compile(r"reachable again after [\d.]+ s; (\d+) messages for other nodes were "
                     r"dropped")
SECRET = "s3cret-Pa55"
WRONG = "Wr0ng-Pa55"


def numbers(client: Client) -> list[int]:
    """The numbers the client has received in ``message`` relays, in arrival order."""
    return [args[0]["data"] for name, args in client.received if name == "message"]


class Flow:
    """One client sending numbered messages, one at a time, until stopped; it notes which
    numbers left while the test held the whole cluster connected."""

    def __init__(self, sender: Client) -> None:
        self.sender = sender
        self.sent = 0
        self.while_connected: set[int] = set()
        self.connected = True
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            if self.connected:
                self.while_connected.add(self.sent)
            await self.sender.emit("message", self.sent)
            self.sent += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.01)

    def stop(self) -> None:
        self._stopping.set()


async def until_received(client: Client, wanted: set[int]) -> None:
    await wait_until(lambda: wanted <= set(numbers(client)), within=WITHIN,
                     message=f"{len(wanted)} numbered messages")


async def test_redis_stopped_and_restarted_with_messages_flowing(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_nodes(redis_server.url, 3) as nodes:
        sender = await clients("py", nodes[0].url, "websocket")
        local = await clients("js", nodes[0].url, "polling")
        remote = [await clients("js", nodes[1].url, "websocket"),
                  await clients("py", nodes[2].url, "polling")]
        flow = Flow(sender)
        flowing = asyncio.create_task(flow.run())
        try:
            await wait_until(lambda: flow.sent >= 20, within=WITHIN, message="a flow")
            # Redis goes only once what left while all was connected has arrived.
            flow.connected = False
            for client in remote:
                await until_received(client, set(flow.while_connected))
            redis_server.stop()
            for node in nodes:
                await node.wait_for_line(UNREACHABLE)
            during = flow.sent
            await wait_until(lambda: flow.sent >= during + 20, within=WITHIN,
                             message="messages while Redis is away")
            await until_received(local, set(range(during, during + 20)))  # served locally
            redis_server.start()
            for node in nodes:
                await node.wait_for_line(REACHABLE_AGAIN)
            flow.connected = True
            back = flow.sent
            await wait_until(lambda: flow.sent >= back + 20, within=WITHIN,
                             message="messages after Redis is back")
        finally:
            flow.stop()
            await flowing
        for client in [local, *remote]:
            await until_received(client, flow.while_connected)
        await until_received(local, set(range(flow.sent)))
        for client in [local, *remote]:  # in order, each at most once
            assert numbers(client) == sorted(set(numbers(client)))
        assert set(numbers(local)) == set(range(flow.sent))
        dropped = DROPPED.search(nodes[0].output())
        assert dropped is not None and int(dropped.group(1)) >= 20, nodes[0].output()


async def test_a_node_starts_without_redis_and_joins_when_it_comes(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    redis_server.stop()
    async with running_nodes(redis_server.url, 1, joined=False) as (alone,):
        await alone.wait_for_line(UNREACHABLE)
        first = await clients("py", alone.url, "polling")
        second = await clients("js", alone.url, "websocket")
        await first.emit("message", 1)
        assert await second.next_event("message") == [{"from": first.sid, "data": 1}]
        redis_server.start()
        await alone.wait_for_line(REACHABLE_AGAIN)
        other = Node(redis_server.url)
        try:
            await other.start()
            await other.wait_for_line(CONNECTED)
            far = await clients("py", other.url, "websocket")
            await far.emit("message", 2)
            assert await first.next_event("message") == [{"from": far.sid, "data": 2}]
            await first.emit("message", 3)
            assert await far.next_event("message") == [{"from": first.sid, "data": 3}]
        finally:
            await other.kill()


async def test_the_redis_password_is_never_shown(redis_server: RedisServer,
                                                 clients: ConnectClient) -> None:
    admin = redis.asyncio.Redis.from_url(redis_server.url)
    await admin.config_set("requirepass", SECRET)
    await admin.aclose()
    right = redis_server.url.replace("redis://", f"redis://:{SECRET}@")
    wrong = redis_server.url.replace("redis://", f"redis://:{WRONG}@")
    async with running_nodes(right, 1) as (member,), \
            running_nodes(wrong, 1, joined=False) as (refused,):
        await refused.wait_for_line(UNREACHABLE)  # WRONGPASS: it serves its own clients
        client = await clients("py", refused.url, "websocket")
        assert await client.call("join", "still served") == {"ok": True,
                                                              "rooms": ["still served"]}
        for node, secret in ((member, SECRET), (refused, WRONG)):
            assert "redis://:***@127.0.0.1" in node.output()
            assert secret not in node.output() + "\n".join(node.printed)


@pytest.mark.parametrize("url", [f"redis://:{SECRET}@127.0.0.1:99999/0",
                                 f"http://user:{SECRET}@127.0.0.1/0"])
def test_a_malformed_redis_url_stops_the_hub_with_one_line_and_no_password(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0"],
        env={**os.environ, "SOCKETIO_REDIS_URL": url},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SOCKETIO_REDIS_URL" in lines[0], result.stderr
    assert SECRET not in result.stderr + result.stdout
