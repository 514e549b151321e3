"""The hub protocol: what a LAN client can do once connected, one method a row of the
README's table."""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from typing import Any

import socketio

from ..config import Settings
from ..connections import Connection, ConnectionManager
from ..network import client_ip, header_values
from ..wire.background import spawn
from .admission import (
    MAX_USER_AGENT_LENGTH,
    TokenRefused,
    admit,
    clean_text,
    kept_name,
    room_error,
    rooms_full_error,
)
from .guessing import TokenGuessing
from .metrics import RelayMeter
from .traffic import ClientTraffic, RelayTally

logger = logging.getLogger(__name__)

TOKEN_TRIES_PER_SESSION = 2
"""Refusals for its token one Engine.IO session may get; its next CONNECT closes it (a
client that mistyped its token tries once or twice; a guesser would go on)."""
_TOKEN_TRIES = "hub.token_tries"  # the count, kept in the session's environ


class HubNamespace(socketio.AsyncNamespace):  # type: ignore[misc]  # socketio has no types
    """The hub's handlers on the default namespace, each called with the client's sid and
    the event's arguments.

    They keep ``manager`` equal to the live clients and count each relayed message in
    ``relays`` (the dashboard shows the rate) and in each client's ``traffic``.  Every
    method named ``on_<event>`` answers that event from any client: helpers must not be
    named so.
    """

    def __init__(self, manager: ConnectionManager, settings: Settings,
                 relays: RelayMeter) -> None:
        super().__init__("/")
        self.manager = manager
        self.settings = settings
        self.relays = relays
        self.known_sids: Container[str] = manager
        """Every sid a room name must not be: this hub's clients, or in a cluster every
        node's (the registry's view, set by ``HubServer``)."""
        self.tally = RelayTally()
        self.guessing = TokenGuessing()

    @staticmethod
    def client_name(auth: Any) -> str | None:
        """The name a client gives in its auth payload as the hub keeps names (cleaned and
        cut as ``admit`` keeps an accepted one), or None: for the wire layer, which names a
        refused client by it.  Nothing else of ``auth`` (the token) leaves here."""
        name = auth.get("name") if isinstance(auth, Mapping) else None
        return kept_name(name) if isinstance(name, str) else None

    def event_refusal(self, event: str, sid: str, *args: Any) -> str | None:
        """Why the hub protocol refuses ``event`` from ``sid`` with ``args`` (what
        ``trigger_event`` would pass its handler after the sid): the error its handler
        answers, or None.

        For the wire layer, which asks before dispatch, and then records, logs and answers
        the refusal instead of dispatching.  ``on_join`` and ``on_leave`` check the same
        (the dashboard calls them directly); ``on_room_message`` relies on it.
        """
        payload = args[0] if args else None
        if event == "room_message":
            return self._room_message_error(sid, payload)
        if event in ("join", "leave"):
            return self._room_change_error(sid, payload, enter=event == "join")
        return None

    def transport_upgraded(self, sid: str) -> None:
        """For the server's transport-upgrade hook: the client has moved to websocket."""
        self.manager.set_transport(sid, "websocket")

    # -- the protocol ----------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        scope = environ.get("asgi.scope", {})
        address = client_ip(scope, self.settings.trusted_proxies)
        self._close_a_persistent_guesser(sid, environ)
        try:
            name = admit(auth, self.settings, self.manager.count(), self.guessing, address)
        except TokenRefused:
            environ[_TOKEN_TRIES] = environ.get(_TOKEN_TRIES, 0) + 1
            raise
        agents = header_values(scope, b"user-agent")
        connection = Connection(
            sid=sid,
            client_ip=address,
            transport=self.server.transport(sid),
            user_agent=clean_text(agents[0], MAX_USER_AGENT_LENGTH) if agents else "",
            name=name,
            traffic=ClientTraffic(self.tally),
        )
        await self.save_session(sid, {"name": name})
        self.manager.add(connection)
        logger.info("client connected sid=%s ip=%s name=%r transport=%s",
                    sid, connection.client_ip, name, connection.transport)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        if (connection := self.manager.remove(sid)) is not None:
            logger.info("client disconnected sid=%s ip=%s name=%r reason=%s",
                        sid, connection.client_ip, connection.name, reason)

    async def on_join(self, sid: str, room: Any) -> dict[str, Any]:
        return await self._change_room(sid, room, enter=True)

    async def on_leave(self, sid: str, room: Any) -> dict[str, Any]:
        return await self._change_room(sid, room, enter=False)

    async def on_message(self, sid: str, data: Any = None) -> None:
        await self.emit("message", {"from": sid, "data": data}, skip_sid=sid)
        self.relays.record()
        if (traffic := self._traffic(sid)) is not None:
            traffic.relayed()

    async def on_room_message(self, sid: str, payload: Any) -> dict[str, Any]:
        # Only the wire calls it, once event_refusal let the payload through: it is a
        # mapping with a room the client is in.
        room = payload["room"]
        await self.emit("message", {"from": sid, "room": room, "data": payload.get("data")},
                        room=room, skip_sid=sid)
        self.relays.record()
        if (traffic := self._traffic(sid)) is not None:
            traffic.relayed(room)
        return {"ok": True}

    # -- helpers ---------------------------------------------------------------------------

    def _traffic(self, sid: str) -> ClientTraffic | None:
        connection = self.manager.get(sid)
        return connection.traffic if connection else None

    def _close_a_persistent_guesser(self, sid: str, environ: dict[str, Any]) -> None:
        """Refuse, and drop, a session that tries again after its token tries."""
        tries = environ.get(_TOKEN_TRIES, 0)
        if tries >= TOKEN_TRIES_PER_SESSION:
            eio_sid = self.server.manager.eio_sid_from_sid(sid, self.namespace)
            spawn(self.server.eio.drop_offender(
                eio_sid, f"CONNECT again after {tries} refused tokens"))
            raise TokenRefused(f"{tries} refused tokens: connect anew")

    def _room_message_error(self, sid: str, payload: Any) -> str | None:
        if not isinstance(payload, Mapping) or "room" not in payload:
            return "expected {\"room\": ..., \"data\": ...}"
        room = payload["room"]
        connection = self.manager.get(sid)
        if isinstance(room, str) and connection is not None and room in connection.rooms:
            return None  # a room it joined passed room_error then: every relay's path
        return room_error(room, self.known_sids) or f"not a member of room {room!r}: join it first"

    def _room_change_error(self, sid: str, room: Any, enter: bool) -> str | None:
        error = room_error(room, self.known_sids)
        connection = self.manager.get(sid)
        if error or not enter or connection is None:
            return error
        return rooms_full_error(connection.rooms, room, self.settings.max_rooms_per_client)

    def _rooms_of(self, sid: str) -> list[str]:
        connection = self.manager.get(sid)
        return sorted(connection.rooms) if connection else []

    async def _change_room(self, sid: str, room: Any, enter: bool) -> dict[str, Any]:
        error = self._room_change_error(sid, room, enter)
        if error:
            return {"ok": False, "error": error}
        traffic = self._traffic(sid)
        if traffic is not None:
            traffic.seen()
            (traffic.joined if enter else traffic.left)(room)
        if enter:
            await self.enter_room(sid, room)
            self.manager.add_room(sid, room)
        else:
            await self.leave_room(sid, room)
            self.manager.remove_room(sid, room)
        return {"ok": True, "rooms": self._rooms_of(sid)}
