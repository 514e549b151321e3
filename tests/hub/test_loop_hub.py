"""The hub protocol scenarios (test_hub_protocol.py) run on the desktop's loop.

pytest-asyncio runs the other tests on asyncio's loop; these drive the same scenario
functions with ``asyncio.Runner`` on ``desktop.loop.new_event_loop``, which is how the
desktop app runs the hub: real Python and JavaScript clients, one shared Qt loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import test_hub_protocol as scenarios
from helpers.clients import real_clients
from helpers.support import KINDS_AND_TRANSPORTS, running_hub
from PySide6.QtWidgets import QApplication

from desktop.loop import new_event_loop

Scenario = Callable[..., Coroutine[Any, Any, None]]
WITH_HUB = [
    scenarios.test_connect_registers_and_disconnect_removes,
    scenarios.test_join_and_leave_are_acknowledged_and_reach_the_manager,
    scenarios.test_message_is_relayed_to_everyone_but_the_sender,
    scenarios.test_room_message_reaches_only_the_rooms_other_members,
]
WITHOUT_HUB = [
    scenarios.test_wrong_or_missing_token_is_refused_and_never_registered,
    scenarios.test_clients_past_max_connections_are_refused,
    scenarios.test_server_shutdown_removes_every_connection,
]


def run_scenario(app: QApplication, scenario: Scenario, with_hub: bool, *args: Any) -> None:
    """``scenario(hub?, clients, *args)`` on a fresh desktop loop, clients closed after."""

    async def main() -> None:
        async with real_clients() as connect:
            if with_hub:
                async with running_hub() as hub:
                    await scenario(hub, connect, *args)
            else:
                await scenario(connect, *args)

    # asyncio.Runner, like asyncio.run, cancels what is left over before closing the loop.
    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        runner.run(asyncio.wait_for(main(), 60))


@pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)
@pytest.mark.parametrize("scenario", WITH_HUB, ids=lambda s: s.__name__[5:])
def test_hub_scenario(qapp: QApplication, scenario: Scenario, kind: str,
                      transport: str) -> None:
    run_scenario(qapp, scenario, True, kind, transport)


@pytest.mark.parametrize(("kind", "transport"), KINDS_AND_TRANSPORTS)
@pytest.mark.parametrize("scenario", WITHOUT_HUB, ids=lambda s: s.__name__[5:])
def test_scenario_with_its_own_hub(qapp: QApplication, scenario: Scenario, kind: str,
                                   transport: str) -> None:
    run_scenario(qapp, scenario, False, kind, transport)
