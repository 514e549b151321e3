"""Where python-engineio and python-socketio depart from the Engine.IO v4 / Socket.IO v5
specifications (or from what the hub needs to know), corrected by subclassing.

Every correction is a method override here with a comment saying what the reference
server does; nothing edits the installed packages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import engineio
import socketio
from engineio import async_socket, packet


class HubEngineSocket(async_socket.AsyncSocket):
    """An Engine.IO session that reports its upgrade to websocket."""

    @property  # type: ignore[override]
    def upgraded(self) -> bool:
        return self.__dict__.get("_upgraded", False)

    @upgraded.setter
    def upgraded(self, value: bool) -> None:
        was = self.__dict__.get("_upgraded", False)
        self.__dict__["_upgraded"] = value
        if value and not was:
            server: HubEngineServer = self.server
            if server.on_upgrade is not None:
                server.on_upgrade(self.sid)


class HubEngineServer(engineio.AsyncServer):
    """python-engineio's server with the hub's corrections."""

    on_upgrade: Callable[[str], None] | None = None
    """Called with the Engine.IO sid once a session runs on websocket."""

    async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "connect":
            # python-engineio creates its socket class directly; the session is made ours
            # right after creation, before any packet is read.
            socket = self.sockets.get(args[0])
            if socket is not None and type(socket) is async_socket.AsyncSocket:
                upgraded = socket.upgraded
                socket.__class__ = HubEngineSocket
                socket.__dict__["_upgraded"] = upgraded
        elif event == "disconnect":
            sid, reason = args[0], args[1] if len(args) > 1 else None
            socket = self.sockets.get(sid)
            if (reason == self.reason.CLIENT_DISCONNECT and socket is not None
                    and not socket.upgraded):
                # A close packet sent by POST: the reference server answers the
                # parked GET with a noop at once; python-engineio leaves it parked for
                # up to ping_interval + ping_timeout, so the client hangs in close().
                socket.queue.put_nowait(packet.Packet(packet.NOOP))
        return await super()._trigger_event(event, *args, **kwargs)

    async def close_all_sessions(self, grace: float) -> None:
        """Close every session; parked polls get up to ``grace`` s to carry the close packet.

        python-engineio's ``disconnect()`` waits without bound for each session's queue to
        drain, which never happens when a polling client does not come back.
        """
        sockets = list(self.sockets.values())
        self.sockets = {}
        for socket in sockets:
            await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)
        drains = [asyncio.ensure_future(socket.queue.join()) for socket in sockets]
        if drains:
            _, pending = await asyncio.wait(drains, timeout=grace)
            for drain in pending:
                drain.cancel()


class HubSocketIOServer(socketio.AsyncServer):
    """python-socketio's server on the corrected Engine.IO server."""

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return HubEngineServer

    def on_transport_upgrade(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(sid)`` (a Socket.IO sid) when a client moves to websocket."""

        def translate(eio_sid: str) -> None:
            sid = self.manager.sid_from_eio_sid(eio_sid, "/")
            if sid is not None:
                callback(sid)

        self.eio.on_upgrade = translate
