"""The browser dashboard and the JSON API: every HTTP path that is not Socket.IO.

Routes: ``/`` and ``/dashboard`` (the page), ``/api/connections`` (JSON snapshot),
``/api/feed`` (server-sent events), ``/healthz`` (for monitors) and ``/static/*``.
Each request first passes the checks of ``access``: a ``Host`` of this
machine, then loopback or the dashboard token.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qsl

from ..config import Settings
from ..connections import ConnectionManager, manager
from ..hub.metrics import RelayMeter
from ..network import client_ip
from .access import (
    COOKIE_NAME,
    FORWARDING_HEADERS,
    MachineNames,
    cookie_value,
    is_loopback_request,
    session_cookie,
    token_matches,
)
from .feed import LiveFeed
from .page import render_dashboard, render_denied
from .status import HubStatus

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
SECURITY_HEADERS = [
    # No inline script or style at all: whatever a client's name contains cannot run.
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
     b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the ?token= URL must not leak onwards
]
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
PAGE_PATHS = ("/", "/dashboard")
HOW_TO_GET_IN = (
    "This dashboard shows the hub's clients to this computer, and to other devices only "
    "with the dashboard token. Open the link from the QR code in the socketio-tray window, "
    "or add <code>?token=…</code> with the <code>dashboard_token</code> from the hub's "
    "config file to this address. Programs can send <code>Authorization: Bearer …</code>."
)


# -- requests and responses ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """What the dashboard needs from an HTTP request, read once from the ASGI scope."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names, first value of each
    client_ip: str
    from_loopback: bool

    @classmethod
    def from_scope(cls, scope: Scope, settings: Settings) -> Request:
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", ()):
            headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
        ip = client_ip(scope, settings.trusted_proxies)
        peer = scope.get("client")
        forwarded = any(name.decode() in headers for name in FORWARDING_HEADERS)
        return cls(
            method=scope.get("method", "GET"),
            path=scope.get("path", "/"),
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
            headers=headers,
            client_ip=ip,
            from_loopback=is_loopback_request(ip, str(peer[0]) if peer else None, forwarded),
        )

    def cookie(self, name: str) -> str | None:
        try:
            morsel = SimpleCookie(self.headers.get("cookie", "")).get(name)
        except CookieError:
            return None
        return morsel.value if morsel else None

    def bearer_token(self) -> str | None:
        scheme, _, credentials = self.headers.get("authorization", "").partition(" ")
        return credentials.strip() if scheme.lower() == "bearer" else None


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    cacheable: bool = False  # static files; everything else carries live data

    async def send(self, send: Send, head_only: bool = False) -> None:
        headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
            (b"cache-control", b"no-cache" if self.cacheable else b"no-store"),
            *SECURITY_HEADERS,
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


def _text(status: int, message: str, **headers: str) -> Response:
    extra = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Response(status, f"{message}\n".encode(), TEXT, extra)


def _json(document: Any) -> Response:
    return Response(200, json.dumps(document).encode(), JSON)


def _load_static() -> dict[str, Response]:
    """The page's script and style, read once from the ``static`` package data."""
    served = {}
    for resource in files(__package__).joinpath("static").iterdir():
        suffix = "." + resource.name.rpartition(".")[2]
        if suffix in STATIC_TYPES:
            served[f"/static/{resource.name}"] = Response(
                200, resource.read_bytes(), STATIC_TYPES[suffix], cacheable=True)
    return served


# -- the views -------------------------------------------------------------------------------


def get_connections_json(connections: ConnectionManager = manager) -> dict[str, Any]:
    """The ``/api/connections`` document."""
    items = [c.to_dict() for c in connections.all()]
    return {"count": len(items), "connections": items}


def get_dashboard_html(connections: ConnectionManager = manager, query: str = "",
                       client: str | None = None) -> str:
    """The dashboard page; every client-supplied string in it is escaped."""
    return render_dashboard(HubStatus(connections), query, client)


class Dashboard:
    """The dashboard of one hub as an ASGI app."""

    def __init__(self, status: HubStatus, settings: Settings | None) -> None:
        self.status = status
        self._settings = settings
        self._machine: MachineNames | None = None
        self._static = _load_static()
        self._feeds: set[LiveFeed] = set()

    @property
    def settings(self) -> Settings:
        """The hub's settings; the process-wide ones, read on first use, when none given."""
        if self._settings is None:
            from ..config import settings  # here: importing this module must never fail

            self._settings = settings
        return self._settings

    @property
    def machine(self) -> MachineNames:
        if self._machine is None:
            self._machine = MachineNames(self.settings.host)
        return self._machine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # A websocket to a path that is not Socket.IO: refuse the handshake.
            await send({"type": "websocket.close", "code": 1008})
            return
        request = Request.from_scope(scope, self.settings)
        head_only = request.method == "HEAD"
        response = self._refusal(request)
        if response is None and request.path == "/api/feed" and not head_only:
            await self._feed(receive, send)
            return
        if response is None:
            response = self._route(request)
        await response.send(send, head_only)

    def _refusal(self, request: Request) -> Response | None:
        """The response to a request that may not go further, or None."""
        if not self.machine.allows(request.headers.get("host")):
            return _text(421, "Misdirected request: the Host header does not name this "
                              "machine. Open the dashboard by its IP address or localhost.")
        if request.method not in ("GET", "HEAD"):
            return _text(405, "Method not allowed: the dashboard only answers GET and HEAD.",
                         allow="GET, HEAD")
        if request.path in self._static:
            return None  # script and style only: nothing about the clients
        if request.from_loopback or self._has_token(request):
            return None
        if request.path == "/healthz":
            return None  # no client data in it; monitors on the LAN need no token
        if request.path.startswith("/api/"):
            return _text(401, "Unauthorized: send the dashboard token as "
                              "'Authorization: Bearer <token>'.",
                         www_authenticate='Bearer realm="socketio-tray"')
        return Response(401, render_denied(401, "Token needed", HOW_TO_GET_IN).encode(), HTML)

    def _has_token(self, request: Request) -> bool:
        token = self.settings.dashboard_token
        if token is None:
            return False
        return (token_matches(request.query.get("token"), token)
                or token_matches(request.bearer_token(), token)
                or token_matches(request.cookie(COOKIE_NAME), cookie_value(token)))

    def _route(self, request: Request) -> Response:
        path = request.path
        if path in self._static:
            return self._static[path]
        if path in PAGE_PATHS:
            token = self.settings.dashboard_token
            if token is not None and token_matches(request.query.get("token"), token):
                # Keep the token in a cookie and take it out of the address bar and history.
                return Response(303, b"", HTML, [(b"location", path.encode()),
                                                 (b"set-cookie", session_cookie(token))])
            page = render_dashboard(self.status, request.query.get("q", ""),
                                    request.query.get("client"))
            return Response(200, page.encode(), HTML)
        if path == "/api/connections":
            return _json(get_connections_json(self.status.manager))
        if path == "/healthz":
            return _json({"status": "ok", "uptime_seconds": self.status.uptime_seconds()})
        if path == "/api/feed":  # HEAD: what a GET would start with
            return Response(200, b"", "text/event-stream")
        return _text(404, "Not found.")

    async def _feed(self, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream"),
            (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"),  # nginx: pass events on as they come
            *SECURITY_HEADERS,
        ]})
        feed = LiveFeed(self.status, receive, send)
        self._feeds.add(feed)
        try:
            await feed.run()
        finally:
            self._feeds.discard(feed)
        await send({"type": "http.response.body", "body": b""})

    def close_feeds(self) -> None:
        """End every live feed, so that stopping the server need not wait for browsers
        (an open feed would otherwise hold uvicorn's shutdown for its whole grace time)."""
        for feed in list(self._feeds):
            feed.close()


def create_dashboard_app(connections: ConnectionManager = manager,
                         settings: Settings | None = None,
                         relays: RelayMeter | None = None) -> Dashboard:
    """An ASGI app serving the dashboard, JSON API and live feed for ``connections``.

    ``settings`` gives the dashboard token and trusted proxies (the process-wide settings
    when None); ``relays`` is the meter the hub's handlers count relayed messages on.
    """
    return Dashboard(HubStatus(connections, relays), settings)


dashboard_app = create_dashboard_app()
"""The dashboard over the process-wide ``manager``."""
