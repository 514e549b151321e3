"""The app factory: a wired Socket.IO server and the ASGI app that serves it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import socketio

from . import config
from .config import Settings
from .connections import ConnectionManager
from .connections import manager as default_manager
from .dashboard import Dashboard, create_dashboard_app
from .dashboard.inspector_api import InspectorApi
from .hosts import HostGuard
from .hub.metrics import RelayMeter
from .hub.namespace import HubNamespace
from .inspector import Journal
from .inspector.recorder import TrafficRecorder
from .logging_config import LOGGER_NAME
from .wire.fanout import FanOutManager
from .wire.room_index import RoomIndexManager
from .wire.socketio_server import HubSocketIOServer

if TYPE_CHECKING:
    from .cluster.manager import ClusterManager
    from .cluster.status import ClusterStatus
    from .discovery import Advertiser


class FastJson:
    """python-socketio's ``json`` option: orjson, measured in tests/benchmarks at about
    30 % more broadcast and echo throughput.  What orjson refuses (writing non-string keys
    or integers past 64 bits, reading ``NaN``) goes to the standard library, so nothing
    accepted before is refused now.  Like ``JSON.parse`` and ``JSON.stringify`` in the
    reference server, orjson reads integers past 64 bits as floats and writes NaN as null.
    """

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:
            return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text, **kwargs)


def client_manager(settings: Settings) -> RoomIndexManager:
    """python-socketio's client manager for these settings: a node of the cluster on
    ``redis_url`` if set, else the single hub's, with no Redis code in its way."""
    if settings.redis_url is None:
        return FanOutManager()
    from .cluster.manager import ClusterManager  # only a node of a cluster loads redis-py

    return ClusterManager(settings.redis_url, settings.cluster_name)


def create_socketio_server(settings: Settings, manager: ConnectionManager,
                           relays: RelayMeter) -> HubSocketIOServer:
    """A Socket.IO server speaking the hub protocol (``HubNamespace``), keeping ``manager``
    up to date and counting what it relays in ``relays``."""
    origins: list[str] | str | None = settings.cors_allowed_origins
    if origins == ["*"]:
        origins = "*"
    elif not origins:
        # None is python-engineio's "same origin only"; its [] would turn the check off.
        origins = None
    sio = HubSocketIOServer(
        # Always ASGI: without it python-socketio picks aiohttp whenever it is installed.
        async_mode="asgi",
        cors_allowed_origins=origins,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        connect_timeout=settings.connect_timeout,
        max_http_buffer_size=settings.max_http_buffer_size,
        max_clients=settings.max_connections,
        max_pending_sessions_per_ip=settings.max_pending_sessions_per_ip,
        trusted_proxies=settings.trusted_proxies,
        find_client=manager.get,
        max_queued_packets=settings.max_queued_packets,
        max_queued_bytes=settings.max_queued_bytes,
        logger=logging.getLogger(f"{LOGGER_NAME}.socketio"),
        engineio_logger=logging.getLogger(f"{LOGGER_NAME}.engineio"),
        json=FastJson,
        client_manager=client_manager(settings),
    )
    hub = HubNamespace(manager, settings, relays)
    sio.register_namespace(hub)
    sio.on_transport_upgrade(hub.transport_upgraded)
    return sio


@dataclass(frozen=True, slots=True)
class Hub:
    """One wired hub: the Socket.IO server, the dashboard and the ASGI app serving both
    (behind the Host allow-list, which guards Socket.IO as much as the dashboard), and
    the traffic inspector's journal of what its clients and it said and did."""

    sio: HubSocketIOServer
    dashboard: Dashboard
    app: HostGuard
    journal: Journal
    cluster: ClusterManager | None = None
    """The client manager of a node of a cluster (``redis_url`` set); None for a single hub."""

    @property
    def cluster_status(self) -> ClusterStatus | None:
        """This node's link to Redis (``describe()`` is the line to show); None for a
        single hub."""
        cluster = self.cluster
        return None if cluster is None else cluster.status


def build_hub(settings: Settings, manager: ConnectionManager,
              advertiser: Advertiser | None = None) -> Hub:
    """The hub's parts, sharing one registry, one relay meter and one journal (recorded
    into only when the ``inspector`` setting is on); ``advertiser`` (the hub's mDNS
    announcement, if any) is what ``/api/info`` reports on."""
    relays = RelayMeter()
    journal = Journal.from_settings(settings)
    sio = create_socketio_server(settings, manager, relays)
    if journal.enabled:
        sio.record_traffic(TrafficRecorder(journal, manager, lambda: settings))
    inspector = InspectorApi(journal, sio, sio.namespace_handlers["/"], manager)
    dashboard = create_dashboard_app(manager, settings, relays, inspector, advertiser)
    both = socketio.ASGIApp(sio, other_asgi_app=dashboard)
    cluster = None if settings.redis_url is None else sio.manager  # see client_manager
    return Hub(sio, dashboard, HostGuard(both, lambda: settings), journal, cluster)


def create_app() -> HostGuard:
    """The seed's app factory: the whole hub as one ASGI app, Socket.IO at ``/socket.io/``
    and the dashboard elsewhere, configured by ``config.settings`` and keeping
    ``connections.manager`` equal to its clients.

    Any ASGI server can serve it (``uvicorn --factory server.app:create_app``).  It is
    ``build_hub``'s app, the one ``HubServer`` serves, with no second implementation; for
    other settings or a registry of one's own, use ``HubServer``.  Nothing is written: with
    no ``dashboard_token`` set, its dashboard answers this machine only.
    """
    return build_hub(config.settings, default_manager).app
