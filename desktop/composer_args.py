"""The composer's arguments box: its text read as an argument list, or where it is wrong.

As in the dashboard's composer, a JSON array is the argument list, any other value the
single argument, and an empty box no argument.  The text is read with orjson, the parser
the hub reads the API's bodies with, so what passes here the hub accepts (no ``NaN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Arguments:
    """The box read: ``args``, or ``error`` at ``line`` and ``column`` (from 1)."""

    args: list[Any] | None
    error: str | None = None
    line: int = 0
    column: int = 0

    @property
    def valid(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line for the user: the error where it is, or what will be sent."""
        if self.args is None:
            return f"Line {self.line}, column {self.column}: {self.error}"
        count = len(self.args)
        return "No arguments" if not count else f"{count} argument{'' if count == 1 else 's'}"


def parse_arguments(text: str) -> Arguments:
    if not text.strip():
        return Arguments([])
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Arguments(None, exc.msg, exc.lineno, exc.colno)
    return Arguments(value if isinstance(value, list) else [value])


def pretty(text: str) -> str | None:
    """``text`` laid out with two-space indents, keys kept in order; None if not JSON."""
    if not text.strip():
        return text
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def compact(args: list[Any]) -> str:
    """``args`` as the box shows a message: one value bare, several as an array."""
    value = args[0] if len(args) == 1 and not isinstance(args[0], list) else args
    return "" if not args else orjson.dumps(value).decode()
