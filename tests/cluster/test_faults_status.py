"""The cluster status a node shows (dashboard, window): in-process hubs on a real Redis."""

from __future__ import annotations

from helpers.clients import ConnectClient
from helpers.hub_nodes import WITHIN
from helpers.redis_server import RedisServer
from helpers.support import hub_url, running_hub, wait_until

from server.cluster.outbox import Outbox
from server.cluster.status import ClusterStatus
from server.runtime.runner import HubServer


def status_of(hub: HubServer) -> ClusterStatus:
    assert hub.cluster_status is not None
    return hub.cluster_status


async def wait_for_state(hub: HubServer, state: str) -> None:
    await wait_until(lambda: status_of(hub).state == state, within=WITHIN,
                     message=f"the cluster status to be {state}")


async def test_a_single_hub_has_no_cluster_status() -> None:
    async with running_hub() as hub:
        assert hub.cluster_status is None
        assert type(hub.sio.manager).__name__ == "FanOutManager"


async def test_the_status_says_when_redis_went_and_what_was_dropped(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_hub(redis_url=redis_server.url, cluster_name="status") as hub:
        seen: list[str] = []
        status_of(hub).listeners.append(lambda status: seen.append(status.state))
        await wait_for_state(hub, "connected")
        assert status_of(hub).describe().startswith("cluster status: connected to Redis since")
        sender = await clients("py", hub_url(hub), "websocket")
        receiver = await clients("js", hub_url(hub), "polling")
        await sender.emit("message", "up")
        assert (await receiver.next_event("message"))[0]["data"] == "up"
        await wait_until(lambda: status_of(hub).published >= 1, within=WITHIN,
                         message="the message published")
        redis_server.stop()
        await wait_for_state(hub, "unreachable")
        down = status_of(hub)
        assert down.describe().startswith("cluster status: Redis unreachable since ")
        assert down.error and down.as_dict()["text"] == down.describe()
        for number in range(5):
            await sender.emit("message", number)
            assert (await receiver.next_event("message"))[0]["data"] == number
        assert down.dropped == 5
        assert hub.registry is not None  # the line the dashboard and the window show
        assert hub.registry.status_line().endswith("; 5 messages for other nodes lost")
        redis_server.start()
        await wait_for_state(hub, "connected")
        assert status_of(hub).error == ""
        await wait_until(lambda: " up, " in hub.registry.status_line(), within=WITHIN,
                         message="the registry back on Redis")
        assert hub.registry.status_line().endswith("; 5 messages for other nodes lost")
        assert seen[-2:] == ["unreachable", "connected"]


async def test_a_node_stopped_and_started_again_rejoins(
        redis_server: RedisServer, clients: ConnectClient) -> None:
    async with running_hub(redis_url=redis_server.url) as other:
        hub = HubServer(other.settings.model_copy())
        await hub.start()
        await hub.stop()
        await hub.start()
        try:
            await wait_for_state(hub, "connected")
            await wait_for_state(other, "connected")
            near = await clients("py", hub_url(hub), "polling")
            far = await clients("py", hub_url(other), "websocket")
            await near.emit("message", "again")
            assert await far.next_event("message") == [{"from": near.sid, "data": "again"}]
        finally:
            await hub.stop()


async def test_the_outbox_for_redis_refuses_past_its_bounds() -> None:
    by_count, by_bytes = Outbox(max_messages=3), Outbox(max_bytes=10)
    assert [by_count.offer(str(n)) for n in range(5)] == [True, True, True, False, False]
    assert [by_bytes.offer("abcd") for _ in range(3)] == [True, True, False]
    assert await by_count.take(2) == ["0", "1"]
    assert by_count.offer("5")  # room again once taken
    assert await by_count.take(10) == ["2", "5"]
    assert by_bytes.clear() == 2 and by_bytes.offer("abcdefghij")
