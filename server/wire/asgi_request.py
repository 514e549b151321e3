"""An ASGI request as the WSGI-style ``environ`` python-engineio reads; no I/O but the body.

python-engineio's ``translate_request`` (``engineio.async_drivers.asgi``) defines its body
reader class inside the function: a new class for every HTTP request and websocket.  A
class is a reference cycle, and that one's methods close over the request's ``receive``,
so each request left uvicorn's request cycle, its transport and its socket to the cyclic
garbage collector.  Here the reader is one class; the environ is the library's, key for key.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]


class RequestBody:
    """``environ["wsgi.input"]``: the body of an HTTP request, read on demand."""

    def __init__(self, event: dict[str, Any], receive: Receive) -> None:
        self._event = event
        self._receive = receive
        self._http = event["type"] == "http.request"
        self._payload: bytes | None = None

    async def read(self, length: int | None = None) -> bytes:
        """Up to ``length`` bytes (all with None); the rest of a long body is dropped."""
        if self._payload is None and self._http:
            self._payload = self._event.get("body") or b""
            while self._event.get("more_body"):
                self._event = await self._receive()
                if self._event["type"] == "http.request" and (
                        length is None or len(self._payload) < length):
                    self._payload += self._event.get("body") or b""
        payload = self._payload or b""
        if length is None:
            self._payload = b""
            return payload
        self._payload = payload[length:]
        return payload[:length]


async def translate_request(scope: dict[str, Any], receive: Receive,
                            send: Callable[[dict[str, Any]], Awaitable[None]]) -> dict[str, Any]:
    """python-engineio's ``translate_request``, with the body reader above."""
    event = await receive()
    if event["type"] not in ("http.request", "websocket.connect"):
        return {}
    raw_uri, query_string = scope["path"], ""
    if scope.get("query_string"):
        try:
            query_string = scope["query_string"].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raw_uri += "?" + query_string
    environ: dict[str, Any] = {
        "wsgi.input": RequestBody(event, receive), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.async": True, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "SERVER_SOFTWARE": "asgi",
        "REQUEST_METHOD": scope.get("method", "GET"), "PATH_INFO": scope["path"],
        "QUERY_STRING": query_string, "RAW_URI": raw_uri, "SCRIPT_NAME": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "0",
        "SERVER_NAME": "asgi", "SERVER_PORT": "0",
        "asgi.receive": receive, "asgi.send": send, "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        try:
            name, value = raw_name.upper().decode("utf-8"), raw_value.decode("utf-8")
        except UnicodeDecodeError:
            continue  # as python-engineio: a header that cannot be decoded is skipped
        if name in ("CONTENT-TYPE", "CONTENT-LENGTH"):
            environ[name.replace("-", "_")] = value
            continue
        key = "HTTP_" + name.replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ
