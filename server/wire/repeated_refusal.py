"""A connect refusal that repeats for as long as its cause lasts (a back-off)."""

from __future__ import annotations

from socketio.exceptions import ConnectionRefusedError as Refused


class RepeatedRefusal(Refused):  # type: ignore[misc]  # socketio has no types
    """Raised by a connect handler: the client gets ``message`` (a count-down, say); the
    hub records and logs ``reason`` once per address within the refusal window, so that
    a client retrying all along writes one line, not one a try."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
