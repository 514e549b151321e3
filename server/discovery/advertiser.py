"""Announcing one hub by mDNS/DNS-SD on the hub's own loop, without ever stopping the hub.

Probing for a unique name takes a second or two, so ``start()`` returns at once and the
work runs in a task of its own; ``stop()`` cancels it and sends the goodbye packets.  A
failure (no multicast, port 5353 held by a responder that does not share it) is one
warning line and a state the window and the dashboard can show.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from enum import StrEnum

from zeroconf.asyncio import AsyncZeroconf

from .. import __version__
from .interfaces import EXPECTED_FAILURES, failure_reason, open_zeroconf
from .records import Announcement, instance_name

logger = logging.getLogger(__name__)

class AdvertiserState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"  # probing the network for a name nobody holds
    ADVERTISING = "advertising"
    FAILED = "failed"  # ``error`` says why


class Advertiser:
    """Announces a hub as ``_socketio._tcp`` and ``_http._tcp`` on the interfaces (by
    address) its caller names; see ``interfaces.advertised_interfaces``.

    ``name_in_use`` is the name actually announced: mDNS renames ``hub`` to ``hub-2``
    when another hub holds it.  ``on_change`` (settable later, e.g. to a Qt signal's
    ``emit``) is called on the loop after every change of ``state`` or ``error``.
    """

    def __init__(self, name: str, *, auth_required: bool, version: str = __version__,
                 on_change: Callable[[], None] | None = None) -> None:
        self.name = name
        self.auth_required = auth_required
        self.version = version
        self.on_change = on_change
        self._state = AdvertiserState.STOPPED
        self._error: str | None = None
        self._name_in_use: str | None = None
        self._interfaces: tuple[str, ...] = ()
        self._port: int | None = None
        self._zeroconf: AsyncZeroconf | None = None
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()

    @property
    def state(self) -> AdvertiserState:
        return self._state

    @property
    def error(self) -> str | None:
        """Why discovery is off, when ``state`` is FAILED."""
        return self._error

    @property
    def name_in_use(self) -> str | None:
        return self._name_in_use

    @property
    def interfaces(self) -> tuple[str, ...]:
        return self._interfaces

    @property
    def port(self) -> int | None:
        return self._port

    def start(self, interfaces: Sequence[str], port: int) -> None:
        """Begin announcing the hub at ``port`` on ``interfaces``; returns at once.
        Only when stopped: ``update()`` moves an advertiser that is not."""
        if self._state is not AdvertiserState.STOPPED:
            raise RuntimeError(f"the advertiser is {self._state}; use update()")
        self._interfaces, self._port = tuple(interfaces), port
        self._name_in_use = None
        self._settled.clear()
        self._set_state(AdvertiserState.STARTING)
        self._task = asyncio.create_task(self._advertise(), name="mDNS advertiser")

    async def settled(self) -> AdvertiserState:
        """The state once the hub is announced, announcing failed, or it was stopped."""
        await self._settled.wait()
        return self._state

    async def update(self, interfaces: Sequence[str], port: int) -> None:
        """Announce again after the hub moved (port, bind address); a failed announcement
        is tried again, an active one for the same place is left alone."""
        active = self._state in (AdvertiserState.STARTING, AdvertiserState.ADVERTISING)
        if active and tuple(interfaces) == self._interfaces and port == self._port:
            return
        await self.stop()
        self.start(interfaces, port)

    async def stop(self) -> None:
        """Withdraw the announcement with goodbye packets; safe in any state."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        await self._close_zeroconf()
        self._name_in_use = None
        self._settled.set()
        self._set_state(AdvertiserState.STOPPED)

    async def _advertise(self) -> None:
        assert self._port is not None
        infos = Announcement(self.name, self._port, self._interfaces, self.auth_required,
                             self.version).service_infos()
        try:
            self._zeroconf = await open_zeroconf(self._interfaces)
            announcing = await asyncio.gather(
                *(self._zeroconf.async_register_service(info, allow_name_change=True)
                  for info in infos))
        except Exception as exc:
            await self._close_zeroconf()
            self._fail(exc)
            return
        self._name_in_use = instance_name(infos[0])
        self._settled.set()
        self._set_state(AdvertiserState.ADVERTISING)
        logger.info("announced by mDNS as %r on %s", self._name_in_use,
                    ", ".join(self._interfaces))
        # The announcements repeat for a moment; stop() cancels them before its goodbyes,
        # which they would otherwise follow and undo.
        await asyncio.gather(*announcing)

    def _fail(self, exc: Exception) -> None:
        where = ", ".join(self._interfaces) or "no interface"
        error = f"cannot announce the hub by mDNS on {where}: {failure_reason(exc)}"
        logger.warning("discovery is off: %s", error,
                       exc_info=not isinstance(exc, EXPECTED_FAILURES))
        self._settled.set()
        self._set_state(AdvertiserState.FAILED, error)

    async def _close_zeroconf(self) -> None:
        """Goodbye packets for whatever was registered, then the sockets closed."""
        aiozc, self._zeroconf = self._zeroconf, None
        if aiozc is None:
            return
        try:
            await aiozc.async_close()
        except EXPECTED_FAILURES as exc:
            logger.warning("mDNS goodbye not sent: %s", failure_reason(exc))

    def _set_state(self, state: AdvertiserState, error: str | None = None) -> None:
        changed = (state, error) != (self._state, self._error)
        self._state, self._error = state, error
        if changed and self.on_change is not None:
            self.on_change()
