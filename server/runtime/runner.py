"""Serving the hub with uvicorn: start, stop and the headless ``run_server()``.

``HubServer`` is the one controller both front ends use.  It binds the socket itself
(uvicorn would ``sys.exit`` on a busy port), never lets uvicorn take the signals, and
stops by closing every Socket.IO session first, so that parked long-polling requests
do not hold the shutdown for a whole poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import socket
from collections.abc import Iterator

import uvicorn

from ..app import build_hub
from ..cluster.directory import ClusterDirectory
from ..cluster.registry import ClusterRegistry
from ..config import Settings, ensure_dashboard_token, with_dashboard_token
from ..connections import ConnectionManager
from ..discovery import Advertiser, advertised_interfaces, node_name
from ..logging_config import log_loop_error
from ..network import reachable_urls
from .bounded_protocols import BoundedConfig
from .connection_limits import ConnectionLimiter, open_connections_cap
from .event_loop import new_event_loop
from .open_files import open_files_limit
from .signals import quit_on_signals

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 1
LISTEN_BACKLOG = 2048
TICK_SECONDS = 0.1  # uvicorn's housekeeping tick (its Date header, its request limits)
TICKS_PER_DAY = 864_000  # where uvicorn's tick counter wraps


class ServerCrashed(RuntimeError):
    """uvicorn stopped serving although nobody asked it to."""


class PortInUseError(OSError):
    """The configured address and port cannot be bound (taken, or not this machine's)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, or ``PortInUseError`` saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    address = "127.0.0.1" if host == "localhost" else host
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if hasattr(socket, "SO_REUSEADDR") and not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            # POSIX: allow a quick restart over TIME_WAIT.  (On Windows the same option
            # would let two servers share a port, so it is left off there.)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise PortInUseError(host, port, reason or str(exc)) from None
    sock.setblocking(False)
    return sock


def tune_gc() -> None:
    """Freeze what start-up made, once per process: no collection walks it again.

    For a program's entry point, once its hub is built: it changes the whole process's
    collector, which a library (``HubServer``) must not do to the program that embeds it.
    Full collections of the whole Qt app's heap paused the shared loop (measured in
    tests/benchmarks on the desktop loop with 1,000 clients).

    The collector's thresholds stay Python's.  Raised (to 50,000 for the youngest
    generation), they bought throughput but let the garbage of closed connections pile
    up in the oldest generation: asyncio's socket transports are reference cycles, and
    the benchmark's churn scenario then saw the server's memory grow with every round,
    where with the default thresholds it stays flat.
    """
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()


def skip_exit_collection() -> None:
    """Let the process end without one last garbage collection over all it held.

    CPython collects every generation again as it shuts down: 70 ms of a 0.26 s
    SIGTERM-to-exit with 1,000 clients just gone.  For a ``main`` on its way out only:
    frozen objects are never collected again.
    """
    gc.freeze()


class _EmbeddedUvicorn(uvicorn.Server):
    """uvicorn that leaves the signals to whoever runs it, and stops when asked."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        self.should_exit = True
        self._exit_requested.set()

    async def main_loop(self) -> None:
        """uvicorn's own loop (``on_tick`` every 0.1 s until it says exit), but woken by
        ``request_exit``: uvicorn would notice ``should_exit`` only at its next tick,
        0.05 s later on average, 0.1 s at worst."""
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % TICKS_PER_DAY
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_SECONDS):
                    await self._exit_requested.wait()


class HubServer:
    """One hub on one port: ``await start()``, ``await stop()``, and what it is doing.

    It writes no file: without a dashboard token in ``settings`` it makes one for its own
    run, and keeping one in the config file is the entry points' job (``run_server``).
    """

    def __init__(self, settings: Settings, manager: ConnectionManager | None = None,
                 directory: ClusterDirectory | None = None) -> None:
        """``directory``: in a cluster, the view of every client to keep up to date (one
        over ``manager`` that outlives this hub); the registry's own by default."""
        self.settings = with_dashboard_token(settings)
        self.manager = ConnectionManager() if manager is None else manager
        self.advertiser: Advertiser | None = None
        """Announces the hub on the LAN while it serves; None with ``discovery`` off."""
        if self.settings.discovery:
            self.advertiser = Advertiser(node_name(self.settings),
                                         auth_required=self.settings.auth_token is not None)
        self._hub = build_hub(self.settings, self.manager, self.advertiser)
        self.sio = self._hub.sio
        self.dashboard = self._hub.dashboard
        self.app = self._hub.app
        self.journal = self._hub.journal
        self.cluster_status = self._hub.cluster_status
        """This node's link to the cluster's Redis; None for a single hub."""
        self.registry: ClusterRegistry | None = None
        """Tells the cluster about this hub's clients and shows everyone's; None unless
        ``redis_url`` is set."""
        if self.settings.redis_url is not None:
            self.registry = ClusterRegistry(self.settings, self.manager, directory=directory,
                                            delivery=self.cluster_status)
            self.dashboard.join_cluster(self.registry)
            # A room named after the sid of a client on any node would intercept it.
            self.sio.namespace_handlers["/"].known_sids = self.registry.directory
        self._uvicorn: _EmbeddedUvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self._port: int | None = None

    @property
    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def port(self) -> int | None:
        """The port actually bound (useful with port 0), or None when stopped."""
        return self._port if self.is_running else None

    @property
    def urls(self) -> list[str]:
        return reachable_urls(self.settings.host, self.port) if self.port else []

    async def start(self) -> None:
        """Bind and start serving; raises ``PortInUseError`` and leaves nothing running."""
        if self.is_running:
            return
        sock = bind_socket(self.settings.host, self.settings.port)
        self._port = sock.getsockname()[1]
        self.sio.eio.accepting_sessions = True
        config = BoundedConfig(
            self.app,
            limiter=self._connection_limiter(),
            header_timeout=self.settings.http_header_timeout,
            timeout_keep_alive=self.settings.http_keep_alive_timeout,
            log_config=None,
            access_log=False,
            proxy_headers=False,  # we decide whom to believe: see network.client_ip
            server_header=False,
            # Deflate, uvicorn's default, costs throughput and memory (tests/benchmarks).
            ws_per_message_deflate=False,
            # No websocket-level pings: the Engine.IO heartbeat already finds a dead
            # client, and uvicorn's pings cost a timer per connection.
            ws_ping_interval=None,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            lifespan="off",
        )
        self._uvicorn = _EmbeddedUvicorn(config)
        self._task = asyncio.create_task(self._serve(sock), name="uvicorn")
        # uvicorn offers a flag, not an event, for "listening now".
        while not self._uvicorn.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        if self._task.done():
            await self._task  # startup failed: surface uvicorn's exception
        if self._hub.cluster is not None:  # now, not at the first client as python-socketio
            self.sio.manager_initialized = True
            self._hub.cluster.start()
        self._hub.dashboard.status.mark_started()
        if self.registry is not None:  # returns at once, whether Redis answers or not
            await self.registry.start(self._port, next(iter(self.urls), ""))
        if self.advertiser is not None:  # returns at once; a failure is logged, not raised
            self.advertiser.start(advertised_interfaces(self.settings.host), self._port)
        for url in self.urls:
            logger.info("serving Socket.IO and the dashboard at %s", url)

    def _connection_limiter(self) -> ConnectionLimiter:
        limiter = ConnectionLimiter(self.settings.max_connections_per_ip,
                                    open_connections_cap(self.settings, open_files_limit()),
                                    self.settings.trusted_proxies)
        logger.info("at most %d open connections, %d from one address", limiter.total,
                    limiter.per_peer)
        return limiter

    async def _serve(self, sock: socket.socket) -> None:
        assert self._uvicorn is not None
        try:
            await self._uvicorn.serve(sockets=[sock])
        except SystemExit as exc:  # uvicorn's way of failing; never end the process
            raise RuntimeError(f"uvicorn stopped with status {exc.code}") from None
        finally:
            sock.close()

    async def stop(self) -> None:
        """Disconnect every client, then stop uvicorn; safe to call when not running.

        Order matters: first refuse new sessions, so that no client can arrive after the
        sessions are closed; end the dashboard's live feeds, which would otherwise hold
        uvicorn's graceful shutdown; queue every session's close packet, which wakes the
        websocket writers before uvicorn is asked to exit, so that they send it before
        its shutdown would close their sockets, and let a polling client between two
        polls come for its packet while uvicorn still listens (within its graceful
        time: a client that stopped polling costs the stop that much); run the
        sessions' disconnect handlers while that shutdown spends its first 0.1 s, and
        wait for it; last, close whatever handshake was still in flight while uvicorn
        drained.  The mDNS goodbyes leave first and are sent while the sessions close.
        """
        withdrawing = None if self.advertiser is None else \
            asyncio.create_task(self.advertiser.stop(), name="mDNS goodbye")
        try:
            await self._stop_serving()
        finally:
            if self.registry is not None:
                await self.registry.stop()
            if withdrawing is not None:
                await withdrawing

    async def _stop_serving(self) -> None:
        if self._uvicorn is None or self._task is None:
            return
        eio = self.sio.eio
        eio.accepting_sessions = False
        self._hub.dashboard.close_feeds()
        await self.sio.shutdown()
        sessions = await eio.hand_out_close_packets(GRACEFUL_SHUTDOWN_SECONDS)
        self._uvicorn.request_exit()
        closing = asyncio.create_task(eio.close_sessions(sessions))
        try:
            await self._task
        except Exception:
            logger.exception("uvicorn failed while stopping")
        await closing
        await eio.close_all_sessions()
        if self._hub.cluster is not None:
            await self._hub.cluster.stop()
        self._uvicorn = None
        self._task = None
        logger.info("server stopped")

    async def serve_until_signalled(self) -> None:
        """Start, serve until SIGINT or SIGTERM, then stop: the headless main loop.

        Raises ``ServerCrashed`` if uvicorn ends by itself, so that a supervisor sees a
        failure rather than a clean exit.
        """
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(log_loop_error)
        stop_requested = asyncio.Event()
        with quit_on_signals(loop, stop_requested.set):
            try:
                await self.start()
                assert self._task is not None
                serving = self._task
                waiter = asyncio.create_task(stop_requested.wait())
                await asyncio.wait({waiter, serving}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
            finally:
                await self.stop()
        if not stop_requested.is_set():
            raise ServerCrashed("the server stopped serving by itself; see the log above")


def run_server(settings: Settings) -> None:
    """Serve headless until SIGINT or SIGTERM; raises ``PortInUseError`` if it cannot bind
    and ``ServerCrashed`` if serving ends by itself.

    An entry point: a dashboard token it generates is kept in the config file.
    """
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        hub = HubServer(ensure_dashboard_token(settings))
        tune_gc()
        runner.run(hub.serve_until_signalled())
