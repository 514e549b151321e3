"""What the abuse tests share: the hub's log as written, its memory, a message exchange."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.clients import Client
from server.log_filters import RedactSecrets, SuppressRepeats
from server.logging_config import CHATTY_LOGGERS, LOGGER_NAME

HANG_GUARD = 30.0
"""Upper bound for any one wait on the hub; a hang guard, never what a test asserts."""


def rss_kb() -> int:
    """This process's resident memory: the hub under test runs in it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


class Records(logging.Handler):
    """The hub's records as its log handlers would write them (with the app's filters)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.written: list[logging.LogRecord] = []
        self.addFilter(SuppressRepeats())
        self.addFilter(RedactSecrets())

    def emit(self, record: logging.LogRecord) -> None:
        self.written.append(record)

    def count(self, needle: str) -> int:
        return sum(needle in record.getMessage() for record in self.written)


@contextmanager
def hub_log() -> Iterator[Records]:
    """The hub's records at the app's levels: INFO, the protocol libraries' WARNING (their
    line per packet would also hold every payload in memory)."""
    records = Records()
    levels = {LOGGER_NAME: logging.INFO} | dict.fromkeys(CHATTY_LOGGERS, logging.WARNING)
    saved = {name: logging.getLogger(name).level for name in levels}
    server_logger = logging.getLogger(LOGGER_NAME)
    server_logger.addHandler(records)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield records
    finally:
        server_logger.removeHandler(records)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


async def exchange(sender: Client, receiver: Client, text: str) -> None:
    """``sender`` broadcasts ``text``; ``receiver`` must get it."""
    await sender.emit("message", text)
    args = await asyncio.wait_for(receiver.next_event("message"), HANG_GUARD)
    assert args[0]["data"] == text
