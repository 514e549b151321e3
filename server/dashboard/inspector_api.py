"""The traffic inspector's JSON API: the journal to read, and the composer to act on clients.

Read: ``GET /api/events`` (a page), ``/api/events/feed`` (server-sent events),
``/api/events/export`` (JSON Lines), ``/api/events/stats`` (counts and rates per event).
Act: ``POST /api/emit``, ``/api/clients/{sid}/disconnect``, ``/api/clients/{sid}/rooms``.
The dashboard's ``AccessGate`` applies to all of them, and its cross-site rule to the POSTs
(JSON bodies only, no foreign ``Origin``).  What the composer sends goes through the
Socket.IO server's ``emit`` and is recorded like any other emit.

In a cluster (``join_cluster``) the actions take any client the registry knows: one
connected to another node is acted on there, through ``server.cluster.actions``, and its
node's answer is this one's; a sid unknown to the whole cluster is a 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..cluster.actions import Answer
from ..connections import ConnectionManager
from ..inspector import Entry, Filter, Journal, QueryError, Skipped, before_param, page_params
from ..inspector.entry import TEXT_LIMIT, render_payload
from ..inspector.subscription import DEFAULT_FEED_CAPACITY
from ..wire.socketio_packets import RESERVED_EVENTS
from .sse import EventStreams, sse_message

if TYPE_CHECKING:
    from ..cluster.registry import ClusterRegistry
    from ..hub.namespace import HubNamespace
    from ..wire.socketio_server import HubSocketIOServer

KEEP_ALIVE_SECONDS = 15.0
MAX_BODY_BYTES = 1024 * 1024
MAX_ACK_TIMEOUT_SECONDS = 60.0
EXPORT_BATCH = 200  # entries written per chunk of the export
NAMESPACE = "/"  # the namespace the hub protocol serves
REMOTE_ANSWER_SECONDS = 5.0
"""How long another node has to answer an action, on top of any ack timeout."""


class BadRequest(ValueError):
    """The request cannot be served as sent: the message says why (a 400, or ``status``)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _failure(message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status)


def _filter(request: Request) -> Filter:
    try:
        return Filter.from_params(request.query_params)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"body over {MAX_BODY_BYTES} bytes", 413)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def _answering(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """``handler`` with ``BadRequest`` answered ``{"ok": false, "error": ...}``."""

    async def answer(request: Request) -> Response:
        try:
            response: Response = await handler(request)
        except BadRequest as exc:
            return _failure(str(exc), exc.status)
        return response

    return answer


def feed_message(item: Entry | Skipped) -> bytes:
    if isinstance(item, Skipped):
        return sse_message("skipped", orjson.dumps(item.json_fields()))
    return sse_message("entry", item.to_json(), item.seq)


class InspectorApi:
    """The inspector's routes for one hub: its journal, Socket.IO server and registry."""

    def __init__(self, journal: Journal, sio: HubSocketIOServer, namespace: HubNamespace,
                 manager: ConnectionManager) -> None:
        self.journal = journal
        self.sio = sio
        self.namespace = namespace
        self.manager = manager
        self.cluster: ClusterRegistry | None = None
        self.feed_capacity = DEFAULT_FEED_CAPACITY
        """Entries a live feed holds for its reader before it skips (per feed)."""
        self._feeds = EventStreams()
        self.routes = [
            Route("/api/events", _answering(self.events)),
            Route("/api/events/feed", _answering(self.feed)),
            Route("/api/events/export", _answering(self.export)),
            Route("/api/events/stats", self.stats),
            Route("/api/emit", _answering(self.emit), methods=["POST"]),
            Route("/api/clients/{sid}/disconnect", self.disconnect, methods=["POST"]),
            Route("/api/clients/{sid}/rooms", _answering(self.rooms), methods=["POST"]),
        ]

    # -- reading

    async def events(self, request: Request) -> Response:
        try:
            after, limit = page_params(request.query_params)
            before = before_param(request.query_params)
        except QueryError as exc:
            raise BadRequest(str(exc)) from None
        wanted = _filter(request)
        page = (self.journal.page(after, limit, wanted) if before is None
                else self.journal.page_before(before, limit, wanted))
        return Response(page.to_json(), media_type="application/json")

    async def stats(self, request: Request) -> Response:
        journal = self.journal
        return JSONResponse({
            "enabled": journal.enabled, "entries": len(journal),
            "bytes": journal.stored_bytes, "evicted": journal.evicted,
            "last_seq": journal.last_seq, "oldest_seq": journal.oldest_seq,
            "events": journal.event_counts(),
        })

    async def export(self, request: Request) -> Response:
        wanted = _filter(request)
        return StreamingResponse(self._lines(wanted), media_type="application/jsonl", headers={
            "content-disposition": 'attachment; filename="socketio-tray-events.jsonl"'})

    async def _lines(self, wanted: Filter) -> AsyncIterator[bytes]:
        batch: list[bytes] = []
        for entry in self.journal.export(wanted):
            batch.append(entry.to_json() + b"\n")
            if len(batch) == EXPORT_BATCH:
                yield b"".join(batch)
                batch = []
                await asyncio.sleep(0)  # let the hub serve between batches
        yield b"".join(batch)

    async def feed(self, request: Request) -> Response:
        wanted = _filter(request)
        return self._feeds.response(request, lambda: self._stream(wanted))

    async def _stream(self, wanted: Filter) -> AsyncIterator[bytes]:
        async with self.journal.feed(wanted, self.feed_capacity) as feed:
            with self._feeds.tracking(feed):
                yield b"retry: 1000\n\n"
                while True:
                    try:
                        item = await asyncio.wait_for(anext(feed), KEEP_ALIVE_SECONDS)
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    except StopAsyncIteration:
                        return
                    yield feed_message(item)

    def close_feeds(self) -> None:
        """End every live feed (the hub is stopping: they must not hold uvicorn)."""
        self._feeds.close_all()

    # -- the cluster

    def join_cluster(self, registry: ClusterRegistry) -> None:
        """Act on the clients of every node, and run the other nodes' actions on ours."""
        self.cluster = registry
        registry.actions.handler = self.act_here

    def _node_of(self, sid: str) -> str | None:
        """The other node ``sid`` is connected to; None for a local or unknown sid."""
        if self.cluster is None or sid in self.manager:
            return None
        found = self.cluster.directory.table.client(sid)
        return None if found is None else found.node

    def _known(self, sid: str) -> bool:
        return sid in self.manager or self._node_of(sid) is not None

    async def _remote(self, node: str, action: dict[str, Any], waits: float = 0.0) -> Response:
        assert self.cluster is not None
        status, body = await self.cluster.actions.ask(node, action,
                                                      waits + REMOTE_ANSWER_SECONDS)
        return Response(body, status, media_type="application/json")

    async def act_here(self, action: dict[str, Any]) -> Answer:
        """Another node's action on a client of this one, answered as the API would."""
        sid = action.get("sid")
        if not isinstance(sid, str) or sid not in self.manager:
            return 404, orjson.dumps({"ok": False, "error": "unknown sid"})
        try:
            if action["do"] == "emit":
                args = action.get("args")
                if not isinstance(args, list):
                    raise BadRequest("args must be a JSON array")
                response = await self._emit_here(_event_name(action.get("event")), args, sid,
                                                 sid, _ack_timeout(action.get("ack_timeout"), sid))
            elif action["do"] == "disconnect":
                response = await self._disconnect_here(sid)
            else:
                response = await self._rooms_here(sid, action["do"], action.get("room"))
        except BadRequest as exc:
            response = _failure(str(exc), exc.status)
        return response.status_code, bytes(response.body)

    # -- acting

    async def emit(self, request: Request) -> Response:
        return await self.send(await _json_object(request))

    async def send(self, body: dict[str, Any]) -> Response:
        """``POST /api/emit``'s work on its parsed body, for the desktop's composer too:
        the same rules, the same answer; ``BadRequest`` for a refusal."""
        event = _event_name(body.get("event"))
        args = body.get("args", [])
        if not isinstance(args, list):
            raise BadRequest("args must be a JSON array")
        sid, target = self._target(body.get("to"))
        timeout = _ack_timeout(body.get("ack_timeout"), sid)
        node = None if sid is None else self._node_of(sid)
        if node is not None:
            return await self._remote(node, {"do": "emit", "sid": sid, "event": event,
                                             "args": args, "ack_timeout": timeout},
                                      timeout or 0.0)
        return await self._emit_here(event, args, sid, target, timeout)

    async def _emit_here(self, event: str, args: list[Any], sid: str | None,
                         target: str | None, ack_within: float | None) -> Response:
        recipients = self.sio.recipient_count(NAMESPACE, target) + self._remote_members(target)
        if ack_within is None:
            await self.sio.emit(event, tuple(args), to=target, namespace=NAMESPACE)
            return JSONResponse({"ok": True, "recipients": recipients})
        answer: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()

        def acknowledged(*values: Any) -> None:
            if not answer.done():
                answer.set_result(list(values))

        await self.sio.emit(event, tuple(args), to=sid, namespace=NAMESPACE,
                            callback=acknowledged)
        try:
            ack = await asyncio.wait_for(answer, ack_within)
        except TimeoutError:
            raise BadRequest(f"no ack within {ack_within:g} s", 504) from None
        text, _, _ = render_payload(ack, MAX_BODY_BYTES)  # binary shown as in the journal
        return Response(b'{"ok":true,"recipients":%d,"ack":%s}' % (recipients, text.encode()),
                        media_type="application/json")

    def _target(self, to: Any) -> tuple[str | None, str | None]:
        """``(sid, emit target)`` of the body's ``to``; the target None means everyone."""
        if not isinstance(to, dict) or len(to) != 1:
            raise BadRequest('to must be {"sid": ...}, {"room": ...} or {"all": true}')
        (kind, value), = to.items()
        if kind == "all" and value is True:
            return None, None
        if kind == "sid" and isinstance(value, str):
            if not self._known(value):
                raise BadRequest(f"unknown sid {value[:64]!r}")
            return value, value
        if kind == "room" and isinstance(value, str):
            # The Socket.IO manager's room table, where each sid is a room of its own.
            if self._known(value) or not (self.sio.recipient_count(NAMESPACE, value)
                                          or self._remote_members(value)):
                raise BadRequest(f"unknown room {value[:64]!r}: no client is in it")
            return None, value
        raise BadRequest('to must be {"sid": ...}, {"room": ...} or {"all": true}')

    def _remote_members(self, target: str | None) -> int:
        """The members of room ``target`` (everyone, for None) on the other nodes."""
        if self.cluster is None:
            return 0
        table = self.cluster.directory.table
        if target is None:
            return table.count()
        return 0 if table.client(target) is not None else table.rooms().get(target, 0)

    async def disconnect(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        node = self._node_of(sid)
        if node is not None:
            return await self._remote(node, {"do": "disconnect", "sid": sid})
        return await self._disconnect_here(sid)

    async def _disconnect_here(self, sid: str) -> Response:
        if sid not in self.manager or not await self.sio.kick(sid, NAMESPACE):
            return _failure("unknown sid", 404)
        return JSONResponse({"ok": True})

    async def rooms(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        body = await _json_object(request)
        if not self._known(sid):
            return _failure("unknown sid", 404)
        if len(body) != 1 or not body.keys() <= {"join", "leave"}:
            raise BadRequest('body must be {"join": room} or {"leave": room}')
        (change, room), = body.items()
        node = self._node_of(sid)
        if node is not None:
            return await self._remote(node, {"do": change, "sid": sid, "room": room})
        return await self._rooms_here(sid, change, room)

    async def _rooms_here(self, sid: str, change: str, room: Any) -> Response:
        if sid not in self.manager:
            return _failure("unknown sid", 404)
        # The hub protocol's own handlers: the same room rules, the same bookkeeping.
        handler = self.namespace.on_join if change == "join" else self.namespace.on_leave
        result: dict[str, Any] = await handler(sid, room)
        return JSONResponse(result, 200 if result.get("ok") else 400)


def _event_name(event: Any) -> str:
    if not isinstance(event, str) or not 1 <= len(event) <= TEXT_LIMIT:
        raise BadRequest(f"event must be a string of 1 to {TEXT_LIMIT} characters")
    if event in RESERVED_EVENTS:
        raise BadRequest(f"event name {event!r} is reserved")
    return event


def _ack_timeout(value: Any, sid: str | None) -> float | None:
    if value is None:
        return None
    if sid is None:
        raise BadRequest("ack_timeout needs a single client: to {\"sid\": ...}")
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not 0 < value <= MAX_ACK_TIMEOUT_SECONDS:
        raise BadRequest(f"ack_timeout must be seconds, above 0 and at most "
                         f"{MAX_ACK_TIMEOUT_SECONDS:g}")
    return float(value)
