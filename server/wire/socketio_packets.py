"""Socket.IO packets checked as the reference parser checks them; no I/O."""

from __future__ import annotations

import json
from typing import Any

import orjson
from socketio import packet as sio_packet

# Event names a client may not emit: the reference keeps them for itself, and
# python-socketio would call the server's own connect/disconnect handler with them.
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener"})
MAX_ACK_ID_DIGITS = 15  # beyond this a JavaScript peer cannot represent the id exactly
MAX_ATTACHMENTS = 10
"""The most binary attachments one packet may announce: the reference parser's limit.
Each is kept until the last comes."""
MAX_NESTING = 100
"""The deepest nesting of arrays and objects in a packet's data (an event's own array is
the first level).  Deeper payloads were accepted, then the relay's re-encoding raised
RecursionError (from about 490 levels): the message was lost with a long traceback.
Real messages nest a handful of levels; 100, with the relay's two levels of wrapping, stays
well inside orjson's limit for writing (255) and Python's recursion limit.  The reference
server has no limit of its own."""


class ProtocolError(ValueError):
    """A Socket.IO packet the reference parser would reject."""


NOT_JSON = "malformed packet: not JSON"


def _reject_constant(name: str) -> Any:
    raise ProtocolError(NOT_JSON)  # NaN, Infinity: Python's extensions of JSON


def parse_socketio_packet(encoded: str) -> tuple[int, int, str, int | None, Any]:
    """``(type, attachments, namespace, id, data)`` as the reference parser reads them.

    Raises ``ProtocolError`` where the reference decoder throws or its
    ``isPacketValid`` refuses; python-socketio's parser accepts a superset.
    """
    if not encoded or encoded[0] not in "0123456":
        raise ProtocolError("unknown packet type")
    kind, rest, attachments = int(encoded[0]), encoded[1:], 0
    if kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
        count, dash, rest = rest.partition("-")
        if not dash or not count.isascii() or not count.isdigit() or len(count) > 3:
            raise ProtocolError("illegal attachments")
        attachments = int(count)
        if attachments > MAX_ATTACHMENTS:
            raise ProtocolError(f"{attachments} attachments (at most {MAX_ATTACHMENTS})")
    namespace = "/"
    if rest.startswith("/"):
        namespace, _, rest = rest.partition(",")
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if digits > MAX_ACK_ID_DIGITS:
        raise ProtocolError("malformed ack id")
    ack_id = int(rest[:digits]) if digits else None
    rest = rest[digits:]
    data = _loads(rest) if rest else None
    if rest.count("[") + rest.count("{") > MAX_NESTING:  # else it cannot nest that deep
        _check_nesting(data)
    _check_payload(kind, attachments, ack_id, data)
    return kind, attachments, namespace, ack_id, data


def _loads(text: str) -> Any:
    """JSON as the reference reads it: orjson (python-socketio's parser here, through
    ``FastJson``), and where orjson refuses, the stdlib without NaN and Infinity."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ProtocolError(f"payload nested deeper than {MAX_NESTING} levels") from None
    except ValueError:
        raise ProtocolError(NOT_JSON) from None


def _check_nesting(data: Any) -> None:
    """``ProtocolError`` when ``data`` nests deeper than ``MAX_NESTING``; no recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, (list, dict)) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (list, dict)):
                if depth == MAX_NESTING:
                    raise ProtocolError(f"payload nested deeper than {MAX_NESTING} levels")
                stack.append((child, depth + 1))


def _check_payload(kind: int, attachments: int, ack_id: int | None, data: Any) -> None:
    if kind == sio_packet.CONNECT:
        # Any auth: one that is not an object gets a connect error saying so from the
        # hub's admission, where the reference's parser drops the connection unexplained.
        error = None
    elif kind == sio_packet.DISCONNECT:
        error = None if data is None else "a DISCONNECT carries no payload"
    elif kind in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
        error = _event_error(data)
    elif kind in (sio_packet.ACK, sio_packet.BINARY_ACK):
        if ack_id is None:
            raise ProtocolError("malformed ack id")
        error = None if isinstance(data, list) else "an ack's payload must be an array"
    else:
        raise ProtocolError("a client may not send CONNECT_ERROR")
    if error is not None:
        raise ProtocolError(error)
    if attachments or kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
        _check_placeholders(data, attachments)


def _event_error(data: Any) -> str | None:
    """Why an EVENT's payload is refused: the reference wants ``[name, *args]``."""
    if not isinstance(data, list) or not data:
        return "an event's payload must be an array: [name, ...args]"
    if not isinstance(data[0], str):
        return "an event's name must be a string"
    if data[0] in RESERVED_EVENTS:
        return f"event name {data[0]!r} is reserved"
    return None


def _check_placeholders(data: Any, attachments: int) -> None:
    """Every ``{"_placeholder": true, "num": n}`` must name an attachment that comes."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("_placeholder") is True:
                num = item.get("num")
                if type(num) is not int or not 0 <= num < attachments:
                    raise ProtocolError("illegal attachments")
            else:
                stack.extend(item.values())
