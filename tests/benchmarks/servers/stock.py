"""Stock python-socketio on uvicorn and uvloop, with the hub's handlers and no more:
the "at or above stock" baseline.  uvicorn's defaults otherwise (ws="auto",
per-message deflate on), access log off like every server here.

    python stock.py PORT TICKS_FILE
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import socketio
import uvicorn

TICK_MS = 16


def build() -> socketio.ASGIApp:
    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")

    def room_error(room: Any) -> str | None:
        ok = isinstance(room, str) and 1 <= len(room) <= 128
        return None if ok else "room must be a string of 1 to 128 characters"

    @sio.event
    async def join(sid: str, room: Any = None) -> dict[str, Any]:
        if error := room_error(room):
            return {"ok": False, "error": error}
        await sio.enter_room(sid, room)
        return {"ok": True, "rooms": sorted(r for r in sio.rooms(sid) if r != sid)}

    @sio.event
    async def leave(sid: str, room: Any = None) -> dict[str, Any]:
        if error := room_error(room):
            return {"ok": False, "error": error}
        await sio.leave_room(sid, room)
        return {"ok": True, "rooms": sorted(r for r in sio.rooms(sid) if r != sid)}

    @sio.event
    async def message(sid: str, data: Any = None) -> None:
        await sio.emit("message", {"from": sid, "data": data}, skip_sid=sid)

    @sio.event
    async def room_message(sid: str, payload: Any = None) -> dict[str, Any]:
        room = payload.get("room") if isinstance(payload, dict) else None
        error = room_error(room) or (None if room in sio.rooms(sid) else "not a member")
        if error:
            return {"ok": False, "error": error}
        await sio.emit("message", {"from": sid, "room": room, "data": payload.get("data")},
                       room=room, skip_sid=sid)
        return {"ok": True}

    return socketio.ASGIApp(sio)


class _TickingServer(uvicorn.Server):
    """uvicorn's own SIGTERM handling, plus the 16 ms timer every server here runs; the
    ticks are written at the end of shutdown (uvicorn re-raises SIGTERM after it)."""

    def __init__(self, config: uvicorn.Config, ticks_file: Path) -> None:
        super().__init__(config)
        self.ticks: list[float] = []
        self.ticks_file = ticks_file

    async def shutdown(self, sockets: Any = None) -> None:
        await super().shutdown(sockets)
        self.ticks_file.write_text(json.dumps(self.ticks))

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        loop = asyncio.get_running_loop()

        def tick() -> None:
            self.ticks.append(time.time() * 1000)
            loop.call_later(TICK_MS / 1000, tick)
        tick()
        print("ready", flush=True)


def main() -> None:
    port, ticks_file = int(sys.argv[1]), Path(sys.argv[2])
    config = uvicorn.Config(build(), host="127.0.0.1", port=port, loop="uvloop",
                            log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=1)
    _TickingServer(config, ticks_file).run()


if __name__ == "__main__":
    main()
