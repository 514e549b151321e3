"""Engine.IO packets read as the reference parser reads them; no I/O."""

from __future__ import annotations

import base64
import binascii

from engineio import packet

_TEXT_TYPES = "0123456"


def decode_engineio_packet(encoded: str | bytes) -> packet.Packet:
    """One packet as the reference parser reads it; ``ValueError`` when it is malformed.

    python-engineio accepts any character ``int()`` takes as the type, JSON-decodes
    message data (``4null`` becomes None) and lets bad base64 raise deep inside.
    """
    if isinstance(encoded, bytes):
        return packet.Packet(packet.MESSAGE, encoded)
    if not encoded:
        raise ValueError("empty packet")
    if encoded[0] == "b":
        try:
            return packet.Packet(packet.MESSAGE, base64.b64decode(encoded[1:], validate=True))
        except binascii.Error:
            raise ValueError("bad base64 payload") from None
    if encoded[0] not in _TEXT_TYPES:
        raise ValueError("unknown packet type")
    return packet.Packet(int(encoded[0]), encoded[1:])


def decode_engineio_payload(body: bytes) -> list[packet.Packet]:
    """A polling POST body: packets separated by U+001E; ``ValueError`` when malformed.

    python-engineio refuses more than 16 packets in one body; the reference (and its
    JavaScript client, which batches its whole write buffer) has no such limit.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("payload is not UTF-8") from None
    return [decode_engineio_packet(part) for part in text.split("\x1e")]
