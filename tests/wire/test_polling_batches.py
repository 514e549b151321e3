"""Issue 13, item 2: python-socketio clients on long-polling are served under a steady
stream, however many packets pile up between two of their GETs.

python-engineio's client refuses a polling payload of more than 16 packets ("Too many
packets in payload") and drops the connection; the hub sends at most 16 per reply and the
rest in the next.
"""

from __future__ import annotations

import asyncio

from helpers.clients import PyClient
from helpers.support import hub_url, running_hub, wait_until

from server.wire.engine_socket import MAX_PACKETS_PER_POLL

CLIENTS = 10
MESSAGES_EACH = 20  # ten a second for two seconds
BURST = 3 * MAX_PACKETS_PER_POLL  # queued in one loop step: several replies' worth


async def test_python_clients_on_polling_receive_every_message_of_a_stream():
    async with running_hub() as hub:
        clients = [PyClient(hub_url(hub), "polling") for _ in range(CLIENTS)]
        try:
            await asyncio.gather(*(client.connect() for client in clients))

            async def stream(client: PyClient) -> None:
                for number in range(MESSAGES_EACH):
                    await client.emit("message", number)
                    await asyncio.sleep(0.1)

            await asyncio.gather(*(stream(client) for client in clients))
            for number in range(BURST):  # no await yields in between: one pile per client
                await hub.sio.emit("burst", number)
            expected_messages = (CLIENTS - 1) * MESSAGES_EACH

            def all_arrived() -> bool:
                assert not any(client.disconnected.is_set() for client in clients)
                return all(count_of(client, "burst") == BURST
                           and count_of(client, "message") == expected_messages
                           for client in clients)

            await wait_until(all_arrived, 30, "every message at every client")
            for client in clients:
                assert [args[0] for name, args in client.received if name == "burst"] == \
                    list(range(BURST))
                senders = [args[0]["from"] for name, args in client.received
                           if name == "message"]
                assert sorted(set(senders)) == sorted(c.sid for c in clients if c is not client)
            assert hub.manager.count() == CLIENTS
        finally:
            await asyncio.gather(*(client.close() for client in clients))


def count_of(client: PyClient, event: str) -> int:
    return sum(1 for name, _ in client.received if name == event)
