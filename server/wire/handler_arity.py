"""How many arguments an event handler takes, checked before a client's event reaches it.

A client chooses how many arguments an event carries (``emit("join", a, b)``); python-
socketio calls the handler with all of them, and a mismatch raised ``TypeError`` inside
the handler's task: a traceback in the log, the message dropped, no answer.  Checking the
count first turns that into a refusal the client hears.  No I/O.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@functools.cache
def _positional_range(function: Callable[..., Any]) -> tuple[int, int | None]:
    """(required, most) positional arguments of ``function``; most is None for ``*args``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return 0, None
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)
    variadic = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    return required, None if variadic else len(positional)


def arity_error(handler: Callable[..., Any], given: int, leading: int) -> str | None:
    """Why ``handler`` cannot take ``given`` positional arguments, or None if it can.

    ``leading`` arguments are the server's own (the sid, and for catch-all handlers the
    event name or namespace); the message counts only the client's.
    """
    function = getattr(handler, "__func__", handler)  # a bound method: drop ``self``
    required, most = _positional_range(function)
    if function is not handler:
        required, most = max(required - 1, 0), None if most is None else most - 1
    if required <= given and (most is None or given <= most):
        return None
    low, high = max(required - leading, 0), None if most is None else max(most - leading, 0)
    expected = (f"at least {low}" if high is None else
                f"{low}" if low == high else f"{low} to {high}")
    return f"takes {expected} argument{'' if expected == '1' else 's'}, got {given - leading}"
