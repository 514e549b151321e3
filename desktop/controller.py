"""The GUI's one handle on the hub: a small ``QObject`` façade over ``HubServer``.

Widgets bind to its signals and call its few methods; none of them touches uvicorn or
python-socketio.  One ``ConnectionManager`` outlives every restart, so the table model
subscribes once and a restart (new settings, new ``HubServer``) needs no rewiring; so does
``clients``, the view the window lists: the same clients, and in a cluster every node's.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from PySide6.QtCore import QObject, Signal

from server.cluster.directory import ClusterDirectory
from server.config import Settings, SettingsError, ensure_dashboard_token, save_config_file
from server.connect_snippets import Snippet, snippets
from server.connections import ConnectionManager
from server.discovery import AdvertiserState
from server.inspector import MATCH_ALL, Entry, Filter, Journal
from server.inspector.stats import OTHER
from server.inspector.subscription import Listener, Listeners, Unsubscribe
from server.network import is_loopback_only, lan_addresses, reachable_hosts
from server.runtime.runner import HubServer, PortInUseError, bind_socket

from . import LOGGER_NAME
from .composer_emit import SendResult, Target, send_through_api
from .traffic_feed import EntryBatches

logger = logging.getLogger(LOGGER_NAME)

REMOTE_ANSWER_SECONDS = 5.0
"""How long another node of the cluster has to carry out a disconnect."""
FREE_PORT_SEARCH = 20
"""How many ports above a busy one to try when suggesting another."""
ALL_INTERFACES = "0.0.0.0"


class State(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    ERROR = "error"


class HubController(QObject):
    """Start, stop and restart the in-process hub; say what it is doing through signals."""

    stateChanged = Signal(object)
    """The new ``State``; read ``port``, ``urls`` and ``error`` for the details."""
    discoveryChanged = Signal()
    """The LAN announcement started, settled on a name, failed or stopped: read
    ``discovery_status``."""
    entriesRecorded = Signal(list)
    """New journal entries (``server.inspector.Entry``), oldest first, in batches at most
    every 50 ms; after a start, first those the new hub's journal already holds."""

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = ConnectionManager()
        self.clients = ClusterDirectory(self.manager, "")
        """Every client the window lists: this hub's, and in a cluster every node's."""
        self._settings = settings
        self._hub: HubServer | None = None
        self._state = State.STOPPED
        self._error: str | None = None
        self._busy_port: int | None = None
        self._lock = asyncio.Lock()
        self._entry_batches = EntryBatches(self)
        self._entry_batches.batch.connect(self._hand_out)
        self._journal_listeners = Listeners()

    # -- what the GUI reads ------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def state(self) -> State:
        return self._state

    @property
    def is_running(self) -> bool:
        return self._state is State.RUNNING

    @property
    def port(self) -> int | None:
        return self._hub.port if self._hub is not None else None

    @property
    def urls(self) -> list[str]:
        return self._hub.urls if self._hub is not None else []

    @property
    def lan_url(self) -> str | None:
        """The first address a device on the LAN can open; None when there is none (the
        hub listens on loopback only, or this machine has no network, or it is stopped)."""
        return next((url for url in self.urls
                     if not is_loopback_only(urlsplit(url).hostname or "")), None)

    def lan_problem(self) -> str | None:
        """Why there is no LAN address, in a few words; None when there is one or the
        hub is not running (which says so itself)."""
        if not self.is_running or self.lan_url is not None:
            return None
        if self.loopback_only:
            return f"not served: listening on {self._settings.host} only"
        return "no network"

    @property
    def journal(self) -> Journal | None:
        """The running hub's traffic journal (each start makes a new one), or None."""
        return self._hub.journal if self._hub is not None else None

    @property
    def error(self) -> str | None:
        """Why the last start failed, in one line; None unless the state is ERROR."""
        return self._error

    @property
    def busy_port(self) -> int | None:
        """The port that was taken when the last start failed on it."""
        return self._busy_port

    def dashboard_url(self) -> str | None:
        """The first reachable dashboard URL, with its token when one is set."""
        if not self.urls:
            return None
        url = self.urls[0] + "/"
        if self._settings.dashboard_token:
            url += "?token=" + quote(self._settings.dashboard_token, safe="")
        return url

    def lan_addresses(self) -> list[str]:
        """This machine's LAN addresses, for display."""
        return lan_addresses()

    @property
    def loopback_only(self) -> bool:
        """Whether the hub is bound so that only this machine can reach it."""
        return is_loopback_only(self._settings.host)

    def discovery_status(self) -> str:
        """One line: the name the hub is announced by on the LAN, or why it is not."""
        advertiser = self._hub.advertiser if self._hub is not None else None
        if not self._settings.discovery:
            return "Discovery off: turned off in the settings (discovery = false)"
        if advertiser is None or advertiser.state is AdvertiserState.STOPPED:
            return "Discovery off: the server is not running"
        if advertiser.state is AdvertiserState.STARTING:
            return "Discovery: announcing by mDNS…"
        if advertiser.state is AdvertiserState.FAILED:
            return f"Discovery off: {advertiser.error}"
        return f"Announced by mDNS as “{advertiser.name_in_use}”"

    def connect_snippets(self) -> list[Snippet]:
        """Client code for the hub as it serves now (its first reachable address, LAN
        first), or none when it is not serving."""
        port = self.port
        if port is None:
            return []
        return snippets(reachable_hosts(self._settings.host)[0], port,
                        self._settings.auth_token is not None)

    async def open_to_lan(self) -> bool:
        """Listen on every interface from now on: saved for the next launch (a failure to
        save is logged; this run serves the LAN all the same), then restarted."""
        try:
            save_config_file({"host": ALL_INTERFACES})
        except (SettingsError, OSError) as exc:
            logger.warning("the address could not be saved for the next launch: %s", exc)
        return await self.restart(self._settings.model_copy(update={"host": ALL_INTERFACES}))

    def suggest_free_port(self) -> int | None:
        """A port above the busy one that can be bound right now, or None."""
        if self._busy_port is None:
            return None
        for port in range(self._busy_port + 1, min(self._busy_port + FREE_PORT_SEARCH, 65536)):
            try:
                bind_socket(self._settings.host, port).close()
            except PortInUseError:
                continue
            return port
        return None

    @property
    def client_count(self) -> int:
        return self.manager.count()

    @property
    def clustered(self) -> bool:
        """Whether the running hub is a node of a cluster (``redis_url`` is set)."""
        return self._hub is not None and self._hub.registry is not None

    def nodes_up(self) -> int | None:
        """How many of the cluster's nodes are up, this one included; None if no cluster."""
        registry = self._hub.registry if self._hub is not None else None
        return None if registry is None else registry.nodes_up()

    def cluster_status(self) -> str | None:
        """``cluster: 3 nodes up, …`` or ``cluster: Redis unreachable since …``; None
        when the hub is no node of a cluster."""
        registry = self._hub.registry if self._hub is not None else None
        return None if registry is None else registry.status_line()

    def restart_needed(self, settings: Settings) -> bool:
        """Whether serving ``settings`` takes a restart, which disconnects every client.

        The hub reads each setting once, when it is built: the address and port bind the
        listening socket, the handlers and the dashboard keep the tokens, and the heartbeat
        is python-engineio's.  Its sessions have no heartbeat of their own: every ping of
        every session reads the server's one ``ping_interval`` and ``ping_timeout``, which
        each client was told in its handshake.  Changed on a running server, they would
        change the heartbeat under clients that expect the old one (a longer interval
        than they wait for makes them drop), so a change of any setting restarts.
        """
        return not self.is_running or settings != self._settings

    # -- what the GUI asks for -----------------------------------------------------------

    async def start(self) -> bool:
        """Start serving; on failure the state becomes ERROR and the app stays up."""
        async with self._lock:
            return await self._start()

    async def stop(self) -> None:
        """Disconnect every client and stop serving; safe when already stopped."""
        async with self._lock:
            await self._stop()

    async def restart(self, settings: Settings | None = None) -> bool:
        """Stop, take ``settings`` if given, and start again."""
        async with self._lock:
            await self._stop()
            if settings is not None:
                self._settings = settings
            return await self._start()

    def remember_port(self, port: int) -> str | None:
        """Save ``port`` in the config file for the next launch; why it failed, or None."""
        try:
            save_config_file({"port": port})
        except (SettingsError, OSError) as exc:
            return str(exc)
        return None

    async def apply(self, settings: Settings) -> bool:
        """Serve ``settings``, restarting only if ``restart_needed`` says so."""
        if not self.restart_needed(settings):
            return True
        return await self.restart(settings)

    async def disconnect_client(self, sid: str) -> None:
        """Drop one client, as the server (the client is told, it does not reconnect);
        journalled as ``kicked``, as the dashboard's disconnect is."""
        if self._hub is not None and sid in self.manager:
            logger.info("disconnecting client sid=%s at the user's request", sid)
            await self._hub.sio.kick(sid)
        elif self._hub is not None and self._hub.registry is not None:
            remote = self.clients.table.client(sid)
            if remote is not None and remote.node is not None:
                logger.info("disconnecting client sid=%s of node %r at the user's request",
                            sid, remote.node)
                status, answer = await self._hub.registry.actions.ask(
                    remote.node, {"do": "disconnect", "sid": sid}, REMOTE_ANSWER_SECONDS)
                if status != 200:
                    logger.warning("node %r did not disconnect sid=%s: %s", remote.node, sid,
                                   answer.decode(errors="replace"))

    # -- sending events (the composer) ---------------------------------------------------

    async def send_event(self, target: Target, event: str, args: list[Any],
                         ack_timeout: float | None = None) -> SendResult:
        """Emit ``event`` to ``target`` (``{"sid": s}``, ``{"room": r}`` or ``{"all": True}``)
        as the dashboard's ``POST /api/emit`` does, by the same handler: the same refusals,
        recorded in the journal like any emit; with ``ack_timeout``, the client's ack."""
        inspector = self._hub.dashboard.inspector if self._hub is not None else None
        if inspector is None:
            return SendResult.failed("the server is not running")
        return await send_through_api(inspector, target, event, args, ack_timeout)

    def seen_event_names(self) -> list[str]:
        """The event names the hub's journal has counted, in or out, busiest first."""
        if self._hub is None:
            return []
        return [row["event"] for row in self._hub.journal.event_counts()
                if row["event"] != OTHER]

    # -- the traffic inspector: what the clients say, and acting on one ---------------------

    @property
    def inspector_enabled(self) -> bool:
        """Whether the hub records its traffic (the ``inspector`` setting)."""
        return self._settings.inspector

    async def change_room(self, sid: str, room: str, *, join: bool) -> dict[str, Any]:
        """Make a client join or leave ``room`` by the hub protocol's own ``join`` and
        ``leave`` (the same rules and answers, as the dashboard's ``/api/clients`` does):
        ``{"ok": true, "rooms": [...]}`` or ``{"ok": false, "error": ...}``."""
        inspector = self._hub.dashboard.inspector if self._hub is not None else None
        if inspector is None or sid not in self.manager:
            return {"ok": False, "error": "that client is not connected"}
        handler = inspector.namespace.on_join if join else inspector.namespace.on_leave
        result: dict[str, Any] = await handler(sid, room)
        return result

    # -- the journal, live (the plots) ---------------------------------------------------

    def subscribe_journal(self, listener: Listener, wanted: Filter = MATCH_ALL) -> Unsubscribe:
        """Call ``listener(entry)`` on the loop for each new journal entry matching
        ``wanted``, from the batch after the one ``journal_entries`` ends with, and across
        restarts (each hub has its own journal), until the returned function is called.
        Entries come with ``entriesRecorded``'s batches, not as they are recorded: the hub
        does no work for the GUI while it records."""
        return self._journal_listeners.subscribe(listener, wanted)

    def journal_entries(self, wanted: Filter = MATCH_ALL) -> Iterator[Entry]:
        """The matching entries the running hub's journal holds, oldest first, up to the
        last one handed out in a batch (none when stopped): with ``subscribe_journal``,
        each entry once.  Iterate it on the loop."""
        journal = self.journal
        if journal is None:
            return iter(())
        handed_out = self._entry_batches.handed_out
        return itertools.takewhile(lambda entry: entry.seq <= handed_out, journal.export(wanted))

    def _hand_out(self, entries: list[Entry]) -> None:
        self.entriesRecorded.emit(entries)
        self._journal_listeners.notify_all(entries)

    # -- the phases ----------------------------------------------------------------------

    async def _start(self) -> bool:
        if self._state is State.RUNNING:
            return True
        self._set_state(State.STARTING)
        # The app is an entry point: a token generated here is kept for the next start.
        hub = HubServer(ensure_dashboard_token(self._settings), self.manager, self.clients)
        try:
            await hub.start()
        except PortInUseError as exc:
            self._busy_port = exc.port if exc.port else None
            return self._fail(str(exc))
        except Exception as exc:  # a start that fails must not take the app down
            logger.exception("the server could not start")
            return self._fail(f"the server could not start: {exc}")
        self._hub = hub
        self._entry_batches.follow(hub.journal)
        if hub.advertiser is not None:
            hub.advertiser.on_change = self.discoveryChanged.emit
        # The hub may have completed the settings (a generated dashboard token): keep its
        # version, so that a later restart serves the same token.
        self._settings = hub.settings
        self._error = None
        self._busy_port = None
        self._set_state(State.RUNNING)
        return True

    def _fail(self, message: str) -> bool:
        logger.error("%s", message)
        self._error = message
        self._set_state(State.ERROR)
        return False

    async def _stop(self) -> None:
        if self._hub is None:
            if self._state is State.ERROR:
                self._error = None
                self._set_state(State.STOPPED)
            return
        self._set_state(State.STOPPING)
        try:
            await self._hub.stop()
        finally:
            self._entry_batches.stop_following()
            self._hub = None
            self._set_state(State.STOPPED)

    def _set_state(self, state: State) -> None:
        self._state = state
        self.stateChanged.emit(state)
        self.discoveryChanged.emit()


def _nothing() -> None:
    """Unsubscribing while no hub runs: nothing to undo."""
