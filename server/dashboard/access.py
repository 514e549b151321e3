"""Who may see the dashboard: this machine always, the LAN with the token.

``AccessGate`` applies, in this order, after ``server.hosts.HostGuard`` has refused any
``Host`` that is not this machine's (DNS rebinding):

* the dashboard answers GET and HEAD only (405 otherwise, before any token is asked),
  but for the inspector's actions (``ACTION_PREFIXES``), which take POST with a JSON body
  from the hub's own origin only (415 otherwise; 403 for a foreign ``Origin``), so that no
  other web site can make a browser act here, not even with the dashboard's cookie (the
  ``Origin``'s host and port must be the ``Host`` header's, whatever the scheme, as behind
  an HTTPS reverse proxy, or a name in ``allowed_hosts``);
* its script, style and icon are for anyone: nothing about the clients is in them;
* a request from this machine passes (``network.is_local_request``: loopback and no
  proxy headers);
* anyone else presents the dashboard token: ``?token=`` (then kept in a cookie), an
  ``Authorization: Bearer`` header or that cookie, compared in constant time;
* ``/healthz`` and ``/api/info`` stay open (monitors and devices on the LAN need no
  token; neither says anything about the clients); the rest gets 401.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Callable, Sequence

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..hosts import host_name
from ..network import is_local_request
from .page import render_denied

COOKIE_NAME = "socketio_tray_dashboard"
COOKIE_MAX_AGE_SECONDS = 30 * 86_400
OPEN_PREFIXES = ("/static/", "/favicon.")
ACTION_PREFIXES = ("/api/emit", "/api/clients/")
OPEN_PATHS = ("/healthz", "/api/info")
HOW_TO_GET_IN = (
    "This dashboard shows the hub's clients to this computer, and to other devices only "
    "with the dashboard token. Open the link from the QR code in the socketio-tray window, "
    "or add <code>?token=…</code> with the <code>dashboard_token</code> from the hub's "
    "config file to this address. Programs can send <code>Authorization: Bearer …</code>."
)


class AccessGate:
    """ASGI middleware for the rule above; ``token`` gives the dashboard token (or None),
    ``allowed_hosts`` the names added to the machine's own."""

    def __init__(self, app: ASGIApp, token: Callable[[], str | None],
                 allowed_hosts: Callable[[], Sequence[str]] = tuple) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(Request(scope))
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, request: Request) -> Response | None:
        """The answer to a request that may not go further, or None."""
        path = request.url.path
        if request.method == "POST" and path.startswith(ACTION_PREFIXES):
            refusal = cross_site_refusal(request, self.allowed_hosts())
            if refusal is not None:
                return refusal
        elif request.method not in ("GET", "HEAD"):
            return PlainTextResponse(
                "Method not allowed: the dashboard only answers GET and HEAD.\n", 405,
                headers={"allow": "GET, HEAD"})
        if path.startswith(OPEN_PREFIXES) or is_local_request(request.scope):
            return None
        if path in OPEN_PATHS or self.has_token(request):
            return None
        if path.startswith("/api/"):
            return PlainTextResponse(
                "Unauthorized: send the dashboard token as 'Authorization: Bearer <token>'.\n",
                401, headers={"www-authenticate": 'Bearer realm="socketio-tray"'})
        return HTMLResponse(render_denied(401, "Token needed", HOW_TO_GET_IN), 401)

    def has_token(self, request: Request) -> bool:
        token = self.token()
        if token is None:
            return False
        return (token_matches(request.query_params.get("token"), token)
                or token_matches(bearer_token(request), token)
                or token_matches(request.cookies.get(COOKIE_NAME), cookie_value(token)))


def cross_site_refusal(request: Request, allowed_hosts: Sequence[str] = ()) -> Response | None:
    """Why an action may not run: another site's ``Origin`` (a browser sends it on every
    cross-site POST) or a body that is not JSON (a form needs no CORS preflight)."""
    origin = request.headers.get("origin")
    if origin is not None and not same_site(origin, request.headers.get("host", ""),
                                            allowed_hosts):
        return PlainTextResponse(
            "Forbidden: another site may not act on this hub.\n", 403)
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        return PlainTextResponse(
            "Unsupported media type: send the body as application/json.\n", 415)
    return None


def same_site(origin: str, host_header: str, allowed_hosts: Sequence[str]) -> bool:
    """Whether ``origin`` is the hub's own: its host and port those of the ``Host`` header
    (any scheme: a reverse proxy may serve HTTPS), or its name in ``allowed_hosts``."""
    netloc = urllib.parse.urlsplit(origin).netloc.lower()
    if not netloc:
        return False  # "null", or no URL at all
    if netloc == host_header.strip().lower():
        return True
    return host_name(netloc) in {name.lower().rstrip(".") for name in allowed_hosts}


def bearer_token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def token_matches(candidate: str | None, token: str | None) -> bool:
    """Constant-time comparison; no token configured means no token matches."""
    if not candidate or not token:
        return False
    return hmac.compare_digest(candidate.encode(), token.encode())


def cookie_value(token: str) -> str:
    """What the cookie holds: derived from the token, so any token is cookie-safe text
    and the cookie alone does not reveal it."""
    return hmac.new(token.encode(), b"socketio-tray dashboard cookie", hashlib.sha256).hexdigest()


def session_cookie(token: str) -> str:
    """The ``Set-Cookie`` value that lets a browser in after one ``?token=`` link.

    HttpOnly: page scripts never see it.  SameSite=Lax: sent when the QR code's link or
    a bookmark opens the page, not on other sites' requests.
    """
    return (f"{COOKIE_NAME}={cookie_value(token)}; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}; "
            "HttpOnly; SameSite=Lax")
