"""Test helpers that are not fixtures: a hub on loopback and waiting for conditions."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from server.config import Settings, load_settings
from server.connections import ConnectionManager
from server.runtime.runner import HubServer

KINDS_AND_TRANSPORTS = [
    ("py", "websocket"), ("py", "polling"), ("js", "websocket"), ("js", "polling"),
]


def loopback_settings(**overrides: Any) -> Settings:
    """Settings for a hub on 127.0.0.1 with a free port."""
    return load_settings(**{"host": "127.0.0.1", "port": 0, **overrides})


@asynccontextmanager
async def running_hub(manager: ConnectionManager | None = None,
                      **overrides: Any) -> AsyncIterator[HubServer]:
    hub = HubServer(loopback_settings(**overrides), manager)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


def hub_url(hub: HubServer) -> str:
    return f"http://127.0.0.1:{hub.port}"


HANG_GUARD = 20.0
"""``wait_until``'s default deadline: a hang guard, never the assertion, so generous: on a
loaded machine (two cores shared by several test runs) a process can stall for seconds."""


async def wait_until(condition: Callable[[], bool], within: float = HANG_GUARD,
                     message: str = "condition") -> None:
    """Poll ``condition`` until true; fail the test with ``message`` after ``within`` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {message}")
        await asyncio.sleep(0.01)


SERVING = re.compile(r"serving Socket\.IO and the dashboard at (http://127\.0\.0\.1:\d+)")


class LoggedProcess:
    """A child process (the app, the hub, a bundle) with its stderr (the log) collected
    line by line in ``lines`` and its stdout in ``printed``; ``kill()`` in a ``finally``
    so that no process outlives its test."""

    def __init__(self, command: Sequence[str], env: dict[str, str],
                 cwd: Path | None = None, start_within: float = 20.0) -> None:
        self.command = list(command)
        self.env = env
        self.cwd = cwd
        self.start_within = start_within
        self.lines: list[str] = []
        self.printed: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, cwd=self.cwd, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert self.process.stdout and self.process.stderr
        self._readers = [asyncio.create_task(self._read(self.process.stderr, self.lines)),
                         asyncio.create_task(self._read(self.process.stdout, self.printed))]

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
        async for line in stream:
            into.append(line.decode(errors="replace").rstrip())

    async def wait_for_line(self, pattern: re.Pattern[str] | str) -> re.Match[str]:
        """The first stderr line matching ``pattern``; fails if the process ends first."""
        regex = re.compile(pattern)

        def found() -> bool:
            ended = self.process is not None and self.process.returncode is not None
            return ended or any(regex.search(line) for line in self.lines)

        await wait_until(found, within=self.start_within,
                         message=f"a log line matching {regex.pattern!r}")
        for line in self.lines:
            if match := regex.search(line):
                return match
        raise AssertionError(f"the process ended without {regex.pattern!r}:\n{self.output()}")

    async def url(self) -> str:
        """Where the hub serves, once the log says so."""
        return (await self.wait_for_line(SERVING)).group(1)

    async def wait(self) -> int:
        assert self.process
        code = await self.process.wait()
        await asyncio.gather(*self._readers)
        return code

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.wait()

    def output(self) -> str:
        return "\n".join(self.lines)
