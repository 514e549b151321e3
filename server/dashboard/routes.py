"""The browser dashboard and the JSON API on Starlette: every HTTP path that is not Socket.IO.

The HTTP surface is ``Dashboard.routes``; every request first passes ``access.AccessGate``
(GET and HEAD, and POST with JSON from this site to the inspector's actions; loopback or
the dashboard token) and every answer carries the
security headers of ``SecurityHeaders``.  The ``Host`` check (DNS rebinding) guards the
whole hub, Socket.IO included: see ``server.hosts``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..connections import ClientView, ConnectionManager, manager
from ..discovery import Advertiser
from ..hosts import HostGuard
from ..hub.metrics import RelayMeter
from .access import AccessGate, session_cookie, token_matches
from .connect import render_connect_section
from .feed import LiveFeed
from .info import hub_info
from .inspector_api import InspectorApi
from .page import render_dashboard
from .sse import EventStreams
from .status import HubStatus

if TYPE_CHECKING:
    from ..cluster.registry import ClusterRegistry

SECURITY_HEADERS = [
    # No inline script or style at all: whatever a client's name contains cannot run.
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the ?token= URL must not leak onwards
]
ICON = files(__package__).joinpath("static", "favicon.svg").read_bytes()


class SecurityHeaders:
    """ASGI middleware: the security headers on every answer, and ``no-store`` on every
    answer that did not choose its caching (all but the static files carry live data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(key == b"cache-control" for key, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RevalidatedStaticFiles(StaticFiles):
    """The page's script, style and icon: kept by browsers, but checked on each use (a
    new version of the app must not run with last version's script)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        return response


async def not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Not found.\n", 404)


def get_connections_json(connections: ClientView = manager) -> dict[str, Any]:
    """The seed's API: the ``/api/connections`` document, ``{"count": n, "connections":
    [...]}``, for ``connections`` (the process-wide registry by default; a cluster's
    directory lists every node's clients, each with its ``node``)."""
    items = [c.to_dict() for c in connections.all()]
    return {"count": len(items), "connections": items}


def get_dashboard_html(connections: ConnectionManager = manager, query: str = "",
                       client: str | None = None) -> str:
    """The seed's API: the dashboard page as served at ``/``, filtered by ``query`` with
    ``client``'s details open; every client-supplied string in it is escaped.  It has no
    traffic view: that needs a hub's inspector."""
    return render_dashboard(HubStatus(connections), query, client, traffic=False)


class Dashboard:
    """The dashboard of one hub as an ASGI app: its routes are the HTTP surface."""

    def __init__(self, status: HubStatus, settings: Settings | None,
                 inspector: InspectorApi | None = None,
                 advertiser: Advertiser | None = None) -> None:
        self.status = status
        self._settings = settings
        self.inspector = inspector
        self.advertiser = advertiser
        self._feeds = EventStreams()
        self.routes = [
            Route("/", self.page),
            Route("/dashboard", self.page),
            Route("/api/connections", self.connections),
            Route("/api/connections/{sid}", self.connection),
            Route("/api/feed", self.feed),
            *(inspector.routes if inspector is not None else ()),
            Route("/api/nodes", self.nodes),
            Route("/api/info", self.info),
            Route("/healthz", self.healthz),
            Route("/favicon.svg", self.icon),
            Route("/favicon.ico", self.icon),  # what browsers and tools ask for unprompted
            Mount("/static", RevalidatedStaticFiles(packages=[(__package__, "static")])),
        ]
        self.app = Starlette(
            routes=self.routes,
            middleware=[Middleware(SecurityHeaders),
                        Middleware(AccessGate, token=lambda: self.settings.dashboard_token,
                                   allowed_hosts=lambda: self.settings.allowed_hosts)],
            exception_handlers={404: not_found},
        )

    def join_cluster(self, registry: ClusterRegistry) -> None:
        """Show every client of the cluster and act on any of them (``registry``: this
        hub's part of the cluster)."""
        self.status.join_cluster(registry)
        if self.inspector is not None:
            self.inspector.join_cluster(registry)

    @property
    def settings(self) -> Settings:
        """The hub's settings; the process-wide ones, read on first use, when none given."""
        if self._settings is None:
            from ..config import settings  # here: importing this module must never fail

            self._settings = settings
        return self._settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def page(self, request: Request) -> Response:
        token = self.settings.dashboard_token
        if token is not None and token_matches(request.query_params.get("token"), token):
            # Keep the token in a cookie and take it out of the address bar and history.
            return RedirectResponse(request.url.path, 303,
                                    headers={"set-cookie": session_cookie(token)})
        query = request.query_params
        connect = render_connect_section(
            hub_info(self.settings, _served_port(request), self.advertiser))
        return HTMLResponse(render_dashboard(self.status, query.get("q", ""),
                                             query.get("client"), query.get("room", ""),
                                             connect, traffic=self.inspector is not None,
                                             node=query.get("node", "")))

    async def connections(self, request: Request) -> Response:
        return JSONResponse(get_connections_json(self.status.manager))

    async def connection(self, request: Request) -> Response:
        """One client, for its details panel: its message counts change without a feed
        event, so the panel asks again while it is open."""
        found = self.status.manager.get(request.path_params["sid"])
        if found is None:
            return await not_found(request, LookupError(request.path_params["sid"]))
        return JSONResponse(found.to_dict())

    async def nodes(self, request: Request) -> Response:
        """The cluster's nodes, this one first; an empty list on a hub that is no node."""
        cluster = self.status.cluster
        return JSONResponse([] if cluster is None else cluster.nodes())

    async def info(self, request: Request) -> Response:
        return JSONResponse(hub_info(self.settings, _served_port(request), self.advertiser))

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "uptime_seconds": self.status.uptime_seconds()})

    async def icon(self, request: Request) -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"cache-control": "no-cache"})

    async def feed(self, request: Request) -> Response:
        return self._feeds.response(request, lambda: self._stream(LiveFeed(self.status)))

    async def _stream(self, feed: LiveFeed) -> AsyncIterator[bytes]:
        with self._feeds.tracking(feed):
            async for chunk in feed.events():
                yield chunk

    def close_feeds(self) -> None:
        """End every live feed, so that stopping the server need not wait for browsers
        (an open feed would otherwise hold uvicorn's shutdown for its whole grace time)."""
        self._feeds.close_all()
        if self.inspector is not None:
            self.inspector.close_feeds()


def _served_port(request: Request) -> int | None:
    """The port this request reached: the one the hub really listens on (port 0 in the
    settings means "any free one")."""
    server = request.scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


def create_dashboard_app(connections: ConnectionManager = manager,
                         settings: Settings | None = None,
                         relays: RelayMeter | None = None,
                         inspector: InspectorApi | None = None,
                         advertiser: Advertiser | None = None) -> Dashboard:
    """An ASGI app serving the dashboard, JSON API and live feed for ``connections``.

    ``settings`` gives the dashboard token (the process-wide settings when None);
    ``relays`` is the meter the hub's handlers count relayed messages on; ``inspector``
    adds the traffic inspector's API (``/api/events``, ``/api/emit``, ...); ``advertiser``
    is the hub's mDNS announcement, for ``/api/info``.  The caller puts
    ``server.hosts.HostGuard`` in front, as ``server.app.build_hub`` does for the hub.
    """
    return Dashboard(HubStatus(connections, relays), settings, inspector, advertiser)


def _seed_dashboard() -> HostGuard:
    dashboard = create_dashboard_app()
    return HostGuard(dashboard, lambda: dashboard.settings)


dashboard_app = _seed_dashboard()
"""The seed's API: the dashboard over the process-wide ``manager`` and ``settings`` as an
ASGI app (``uvicorn server.dashboard:dashboard_app``), with the same Host check, access
rule and routes as the hub serves."""
