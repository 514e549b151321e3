"""The hub protocol: what a LAN client can do once connected (see the README's table)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any

from socketio.exceptions import ConnectionRefusedError as Refused

from ..config import Settings
from ..connections import Connection, ConnectionManager
from ..network import client_ip, header_values
from ..wire.socketio_server import HubSocketIOServer
from .metrics import RelayMeter

logger = logging.getLogger(__name__)

MAX_ROOM_LENGTH = 128
MAX_NAME_LENGTH = 64
MAX_USER_AGENT_LENGTH = 256


def _clean_text(value: str, limit: int) -> str:
    """Drop control characters and cut to ``limit``: these strings reach logs and tables."""
    return "".join(ch for ch in value if ch.isprintable())[:limit]


def _room_error(room: Any, manager: ConnectionManager) -> str | None:
    if not isinstance(room, str):
        return "room must be a string"
    if not 1 <= len(room) <= MAX_ROOM_LENGTH:
        return f"room must be 1 to {MAX_ROOM_LENGTH} characters long"
    if not room.isprintable():
        return "room must be printable text, without control characters"
    if room in manager:
        # python-socketio keeps each client in a room named after its sid, and sids are
        # public (every relay carries "from"): joining one would intercept that client.
        return "room name is reserved"
    return None


def _check_auth(auth: Any, settings: Settings) -> str | None:
    """The client's name from the auth payload; raises ``Refused`` if refused."""
    if auth is not None and not isinstance(auth, Mapping):
        raise Refused('auth must be an object: {"token": ..., "name": ...}')
    auth = auth or {}
    if settings.auth_token is not None:
        token = auth.get("token")
        if not isinstance(token, str) or not hmac.compare_digest(
            token.encode(), settings.auth_token.encode()
        ):
            reason = "missing" if token is None else "wrong"
            raise Refused(f"authentication failed: {reason} token")
    name = auth.get("name")
    if name is None:
        return None
    if not isinstance(name, str):
        raise Refused("name must be a string")
    return _clean_text(name, MAX_NAME_LENGTH) or None


def register_events(sio: HubSocketIOServer, manager: ConnectionManager, settings: Settings,
                    relays: RelayMeter) -> None:
    """Attach the hub's handlers to ``sio``; they keep ``manager`` equal to the live clients
    and count each relayed message in ``relays`` (the dashboard shows the rate)."""
    sio.on_transport_upgrade(lambda sid: manager.set_transport(sid, "websocket"))

    def rooms_of(sid: str) -> list[str]:
        connection = manager.get(sid)
        return sorted(connection.rooms) if connection else []

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        name = _check_auth(auth, settings)
        if manager.count() >= settings.max_connections:
            raise Refused(
                f"server full: at most {settings.max_connections} clients may connect"
            )
        scope = environ.get("asgi.scope", {})
        agents = header_values(scope, b"user-agent")
        connection = Connection(
            sid=sid,
            client_ip=client_ip(scope, settings.trusted_proxies),
            transport=sio.transport(sid),
            user_agent=_clean_text(agents[0], MAX_USER_AGENT_LENGTH) if agents else "",
            name=name,
        )
        await sio.save_session(sid, {"name": name})
        manager.add(connection)
        logger.info("client connected sid=%s ip=%s name=%r transport=%s",
                    sid, connection.client_ip, name, connection.transport)

    @sio.event
    async def disconnect(sid: str, reason: Any = None) -> None:
        if manager.remove(sid) is not None:
            logger.info("client disconnected sid=%s reason=%s", sid, reason)

    async def change_room(sid: str, room: Any, enter: bool) -> dict[str, Any]:
        error = _room_error(room, manager)
        if error:
            return {"ok": False, "error": error}
        if enter:
            await sio.enter_room(sid, room)
            manager.add_room(sid, room)
        else:
            await sio.leave_room(sid, room)
            manager.remove_room(sid, room)
        return {"ok": True, "rooms": rooms_of(sid)}

    @sio.event
    async def join(sid: str, room: Any = None) -> dict[str, Any]:
        return await change_room(sid, room, enter=True)

    @sio.event
    async def leave(sid: str, room: Any = None) -> dict[str, Any]:
        return await change_room(sid, room, enter=False)

    @sio.event
    async def message(sid: str, data: Any = None) -> None:
        await sio.emit("message", {"from": sid, "data": data}, skip_sid=sid)
        relays.record()

    @sio.event
    async def room_message(sid: str, payload: Any = None) -> dict[str, Any]:
        if not isinstance(payload, Mapping) or "room" not in payload:
            return {"ok": False, "error": "expected {\"room\": ..., \"data\": ...}"}
        room = payload["room"]
        error = _room_error(room, manager)
        if error:
            return {"ok": False, "error": error}
        if room not in rooms_of(sid):
            return {"ok": False, "error": f"not a member of room {room!r}: join it first"}
        await sio.emit("message", {"from": sid, "room": room, "data": payload.get("data")},
                       room=room, skip_sid=sid)
        relays.record()
        return {"ok": True}
