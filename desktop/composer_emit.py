"""Sending an event the way the dashboard's composer does: by ``POST /api/emit``'s rules.

The rules of a send (reserved names, unknown sid or room, the ack's timeout, a client on
another node of a cluster) and its recording in the journal all live in the inspector
API.  The window hands its ``send`` the body ``/api/emit`` takes, in-process, so that the
two composers can never drift apart: no socket, no access gate (the app's user owns the
hub), and never python-socketio's internals.  Qt-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from server.dashboard.inspector_api import BadRequest, InspectorApi

Target = dict[str, Any]
"""Whom to send to, as the API takes it: ``{"sid": s}``, ``{"room": r}`` or ``{"all": True}``."""

EVERYONE: Target = {"all": True}
NO_ACK_STATUS = 504


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one send: how many clients it went to and their ack, or why not
    (an error with a recipient: it was sent, but no ack came in time)."""

    recipients: int = 0
    ack: list[Any] | None = None
    """The client's ack values; None when no ack was asked for."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(cls, error: str) -> SendResult:
        return cls(error=error)


async def send_through_api(api: InspectorApi, target: Target, event: str, args: list[Any],
                           ack_timeout: float | None = None) -> SendResult:
    """Emit ``event`` with ``args`` to ``target`` by ``api``'s own rules;
    with ``ack_timeout`` (seconds, a single client only), wait that long for its ack."""
    body: dict[str, Any] = {"to": target, "event": event, "args": args}
    if ack_timeout is not None:
        body["ack_timeout"] = ack_timeout
    try:
        json.dumps(body, allow_nan=False)  # what a client can be sent: JSON, no NaN
    except (TypeError, ValueError) as exc:
        return SendResult.failed(f"the arguments are not JSON: {exc}")
    try:
        response = await api.send(body)
    except BadRequest as exc:
        # A 504 is a send that went out to its one client, which did not answer in time.
        return SendResult(recipients=1 if exc.status == NO_ACK_STATUS else 0, error=str(exc))
    answer = orjson.loads(response.body)
    return SendResult(recipients=answer["recipients"], ack=answer.get("ack"))
