"""Refusals are logged at INFO under the logging the entry points configure, where the
protocol libraries' own loggers are held at WARNING."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from helpers.clients import PyClient
from helpers.support import hub_url, wait_until

from server.logging_config import CHATTY_LOGGERS, LOGGER_NAME, ROOT_LOGGERS, configure_logging
from server.runtime.runner import HubServer


class Lines(logging.Handler):
    """The messages that reach the app's logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def app_log() -> Iterator[Lines]:
    """``configure_logging("INFO")`` as ``python -m server`` runs it, undone afterwards."""
    names = (*ROOT_LOGGERS, *CHATTY_LOGGERS)
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate,
                    list(logging.getLogger(name).handlers)) for name in names}
    configure_logging("INFO")
    lines = Lines()
    logging.getLogger(LOGGER_NAME).addHandler(lines)
    try:
        yield lines
    finally:
        for name, (level, propagate, handlers) in saved.items():
            logger = logging.getLogger(name)
            for handler in [h for h in logger.handlers if h not in handlers]:
                logger.removeHandler(handler)
                if handler is not lines:
                    handler.close()
            logger.setLevel(level)
            logger.propagate = propagate


async def test_an_old_engineio_request_is_logged_at_info(hub: HubServer, app_log: Lines):
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{hub_url(hub)}/socket.io/?EIO=3&transport=polling")
    assert answer.status_code == 400
    assert any(line.startswith("refused a request from 127.0.0.1: Engine.IO version 3")
               for line in app_log.messages), app_log.messages


async def test_an_unknown_event_is_logged_at_info(hub: HubServer, app_log: Lines):
    client = PyClient(hub_url(hub), "websocket")
    await client.connect()
    try:
        assert await client.call("no_such_event", 1) == {
            "ok": False, "error": "unknown event 'no_such_event'"}
        await wait_until(lambda: any("unknown event 'no_such_event'" in line
                                     for line in app_log.messages), message="logged")
        assert any(line.startswith(
            "refused event 'no_such_event' from an unnamed client (127.0.0.1, ")
            for line in app_log.messages), app_log.messages
    finally:
        await client.close()


async def test_a_long_event_name_is_cut_in_the_ack_and_the_log(hub: HubServer, app_log: Lines):
    client = PyClient(hub_url(hub), "websocket")
    await client.connect()
    try:
        answer = await client.call("x" * 10_000, 1)
    finally:
        await client.close()
    assert answer == {"ok": False, "error": f"unknown event {'x' * 64 + '…'!r}"}
    assert max(len(line) for line in app_log.messages) < 300  # the name twice, cut
