"""A real ``redis-server`` on a free loopback port, for the cluster tests.

Persistence is off (``--save '' --appendonly no``), so nothing is written outside its
temporary folder.  ``stop()`` and ``start()`` keep the port, so a test can take Redis
away and bring it back under the same URL while hubs keep their configured ``redis_url``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

REDIS_SERVER = shutil.which("redis-server")
"""Debian's redis-server, installed by scripts/bootstrap.sh; ``None`` where it is absent."""


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process on 127.0.0.1; ``url`` stays the same across restarts."""

    def __init__(self) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (scripts/bootstrap.sh installs it)")
        self.port = free_loopback_port()
        self._folder = tempfile.TemporaryDirectory(prefix="redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        """The running server's process id (the benchmark reads its CPU and memory)."""
        assert self._process is not None, "redis-server is not running"
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, within: float = 10.0) -> None:
        """Start the server and return once it accepts connections (``within`` is a hang
        guard)."""
        assert REDIS_SERVER is not None
        self._process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self._folder.name],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + within
        while not self._answers_ping():
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server and wait for it to exit (SIGKILL if SIGTERM is ignored)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def close(self) -> None:
        self.stop()
        self._folder.cleanup()

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
