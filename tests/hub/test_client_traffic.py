"""Each client's messages sent and received, as the details panes show them: equal to
what the clients really sent and got, through joins and leaves."""

from __future__ import annotations

from helpers.support import hub_url, wait_until


async def test_counts_follow_what_each_client_really_sent_and_received(hub, clients):
    url = hub_url(hub)
    a = await clients("py", url, "websocket", {"name": "a"})
    b = await clients("js", url, "polling", {"name": "b"})
    c = await clients("py", url, "polling", {"name": "c"})
    for client in (a, b):
        await client.call("join", "lab")
    await a.emit("message", "to everyone")
    await b.call("room_message", {"room": "lab", "data": "lab 1"})
    await a.call("leave", "lab")
    await b.call("room_message", {"room": "lab", "data": "lab 2"})  # a has left
    await c.call("join", "lab")
    await b.call("room_message", {"room": "lab", "data": "lab 3"})  # c came late
    await c.call("room_message", {"room": "elsewhere", "data": "refused"})  # not relayed

    expected = {a.sid: (1, 1), b.sid: (3, 1), c.sid: (0, 2)}  # (sent, received)

    def counts() -> dict[str, tuple[int, int]]:
        shown = {}
        for client in (a, b, c):
            info = hub.manager.get(client.sid).to_dict()
            shown[client.sid] = (info["messages_sent"], info["messages_received"])
        return shown

    def got(client) -> int:
        return sum(1 for event in client.received if event[0] == "message")

    await wait_until(lambda: [got(x) for x in (a, b, c)] == [1, 1, 2],
                     message="every relay to arrive")
    assert counts() == expected
    before = hub.manager.get(c.sid)
    assert before.to_dict()["last_seen"] >= before.to_dict()["connected_at"]
