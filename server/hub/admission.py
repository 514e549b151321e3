"""The hub's checks on what clients send: who may connect, which names and rooms are valid.

I/O-free, so the protocol's handlers (``namespace.py``) read as the README's table and
these rules read as one list.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Container, Mapping
from typing import Any

from socketio.exceptions import ConnectionRefusedError as Refused

from ..config import Settings
from ..wire.repeated_refusal import RepeatedRefusal
from .guessing import TokenGuessing

MAX_ROOM_LENGTH = 128
MAX_NAME_LENGTH = 64
MAX_USER_AGENT_LENGTH = 256
BACK_OFF_REASON = "too many wrong tokens: connects refused during the back-off"


def clean_text(value: str, limit: int) -> str:
    """Drop control characters and cut to ``limit``: these strings reach logs and tables."""
    return "".join(ch for ch in value if ch.isprintable())[:limit]


class TokenRefused(Refused):  # type: ignore[misc]  # socketio has no types
    """A wrong token, or a connect during the back-off wrong tokens earned."""


class BackOffRefused(TokenRefused, RepeatedRefusal):
    """A connect during the back-off: the client is told how long to wait, the journal
    and the log hear of it once per address (the back-off began with a warning)."""

    def __init__(self, message: str) -> None:
        RepeatedRefusal.__init__(self, message, BACK_OFF_REASON)


def admit(auth: Any, settings: Settings, connected: int, guessing: TokenGuessing,
          address: str) -> str | None:
    """The name a client gives in its auth payload, if it may connect.

    Raises ``Refused``, whose message the client receives, when the payload is not an
    object, the token is missing or wrong (``TokenRefused``; wrong ones are counted
    against ``address`` in ``guessing``), the name is not a string, or ``connected``
    clients already fill the hub.
    """
    if auth is not None and not isinstance(auth, Mapping):
        raise Refused('auth must be an object: {"token": ..., "name": ...}')
    auth = auth or {}
    if settings.auth_token is not None:
        _check_token(auth.get("token"), settings.auth_token, guessing, address)
    name = auth.get("name")
    if name is not None and not isinstance(name, str):
        raise Refused("name must be a string")
    if connected >= settings.max_connections:
        raise Refused(f"server full: at most {settings.max_connections} clients may connect")
    return None if name is None else kept_name(name)


def kept_name(name: str) -> str | None:
    """A client's name as the hub keeps and shows it: control characters out, cut to
    MAX_NAME_LENGTH; None if nothing is left."""
    return clean_text(name, MAX_NAME_LENGTH) or None


def _check_token(token: Any, expected: str, guessing: TokenGuessing, address: str) -> None:
    refusal = guessing.refusal(address)
    if refusal is not None:
        raise BackOffRefused(refusal)  # not even compared: the back-off bounds guessing
    if token is None:
        raise Refused("authentication failed: missing token")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(),
                                                             expected.encode()):
        guessing.wrong(address)
        raise TokenRefused("authentication failed: wrong token")
    guessing.right(address)


def rooms_full_error(rooms: Collection[str], room: str, limit: int) -> str | None:
    """Why a client in ``rooms`` (its own sid room not counted) cannot join ``room``."""
    if room in rooms or len(rooms) < limit:
        return None
    return f"in {limit} rooms already (max_rooms_per_client): leave one first"


def room_error(room: Any, sids: Container[str]) -> str | None:
    """Why ``room`` cannot be joined, left or sent to; None if it can (``sids``: the
    clients whose sids are reserved)."""
    if not isinstance(room, str):
        return "room must be a string"
    if not 1 <= len(room) <= MAX_ROOM_LENGTH:
        return f"room must be 1 to {MAX_ROOM_LENGTH} characters long"
    if not room.isprintable():
        return "room must be printable text, without control characters"
    if room in sids:
        # python-socketio keeps each client in a room named after its sid, and sids are
        # public (every relay carries "from"): joining one would intercept that client.
        return "room name is reserved"
    return None
