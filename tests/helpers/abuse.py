"""What the abuse tests share: the hub's log as written, its memory, a message exchange."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.clients import Client
from server.log_filters import RedactSecrets, SuppressRepeats

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
    records = Records()
    server_logger = logging.getLogger("server")
    level = server_logger.level
    server_logger.addHandler(records)
    server_logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        server_logger.removeHandler(records)
        server_logger.setLevel(level)


async def exchange(sender: Client, receiver: Client, text: str) -> None:
    """``sender`` broadcasts ``text``; ``receiver`` must get it."""
    await sender.emit("message", text)
    args = await asyncio.wait_for(receiver.next_event("message"), HANG_GUARD)
    assert args[0]["data"] == text
