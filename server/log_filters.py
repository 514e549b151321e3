"""Filters on the log's handlers: no secret is written, and no flood either.

A handler filter sees every record that handler writes, whichever logger made it
(a logger's own filters miss what its children propagate).  Both filters may sit on
several handlers at once: the verdict on a record is kept on the record, so the second
handler writes exactly what the first did.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

# Query parameters and members whose value is a credential: `?token=...` in a page or
# websocket URL, `{"token": "..."}` in a Socket.IO CONNECT packet or `{'token': ...}` in
# a Python dict's repr.
SECRET_NAMES = r"(?:auth_token|dashboard_token|access_token|token|password|secret)"
QUERY_SECRET = re.compile(rf"(?i)([?&;]{SECRET_NAMES}=)[^&\s\"'#]*")
JSON_SECRET = re.compile(
    rf"(?i)([\"']{SECRET_NAMES}[\"']\s*:\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^,}\s]+)")
# A Socket.IO CONNECT packet as python-engineio logs it: "0", an optional "/namespace,",
# then the auth payload, which is the client's to fill with anything.
CONNECT_PACKET = re.compile(r"(Received packet MESSAGE data 0(?:/[^,]*,)?)\S.*", re.DOTALL)
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` with credentials in URLs, JSON members and CONNECT packets replaced."""
    text = CONNECT_PACKET.sub(rf"\1{REDACTED}", text)
    text = QUERY_SECRET.sub(rf"\1{REDACTED}", text)
    return JSON_SECRET.sub(rf'\1"{REDACTED}"', text)


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message carries a credential; passes every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


REPEAT_KEY = "socketio_tray_repeat_key"
"""The record attribute ``once_per`` sets: what makes two such records alike."""


def once_per(*key: object) -> dict[str, object]:
    """``extra=`` for an INFO line a client can make repeat at will (a refusal, a drop):
    ``SuppressRepeats`` writes it once per ``key`` (who: an address or a sid, and the
    reason) a window."""
    return {REPEAT_KEY: key}


class SuppressRepeats(logging.Filter):
    """Writes the first of a run of like records, drops the rest for ``window`` seconds,
    then writes the next one with how many were dropped: ``... (repeated 812 times)``.

    Records are alike when logger, level, message template and exception type agree,
    so a flood of one error is one line a window whatever its arguments.  Only warnings
    and errors are judged, and the lines logged with ``once_per`` (alike when their keys
    agree too): what floods is a failure repeating, or a client repeating what the hub
    refuses, while every connect line or DEBUG packet is worth having.
    """

    ATTRIBUTE = "socketio_tray_repeat_verdict"
    MAX_KEYS = 1_000  # forget quiet runs past this many, so the table stays small

    def __init__(self, window: float = 10.0, level: int = logging.WARNING,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.level = level
        self._clock = clock
        self._runs: dict[tuple[object, ...], list[float]] = {}  # key: [started, dropped]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level and not hasattr(record, REPEAT_KEY):
            return True
        verdict = getattr(record, self.ATTRIBUTE, None)
        if verdict is None:
            verdict = self._judge(record)
            setattr(record, self.ATTRIBUTE, verdict)
        return bool(verdict)

    def _judge(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        error = record.exc_info[0] if record.exc_info else None
        key = (record.name, record.levelno, record.msg, error,
               getattr(record, REPEAT_KEY, None))
        run = self._runs.get(key)
        if run is not None and now - run[0] < self.window:
            run[1] += 1
            return False
        if run is not None and run[1]:
            record.msg = f"{record.getMessage()} (repeated {int(run[1])} times)"
            record.args = None
        if len(self._runs) >= self.MAX_KEYS:
            self._forget_quiet(now)
        self._runs[key] = [now, 0]
        return True

    def _forget_quiet(self, now: float) -> None:
        for key in [k for k, (started, _) in self._runs.items() if now - started >= self.window]:
            del self._runs[key]
        if len(self._runs) >= self.MAX_KEYS:
            self._runs.clear()
