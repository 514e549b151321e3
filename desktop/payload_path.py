"""Paths into an event's payload, and the number one reads there (for the live plots).

A path starts in the event's **first argument**, the payload of nearly every device:
``emit("reading", {"temperature": 21.5})`` is read by ``temperature``.  The empty path is
the first argument itself (``emit("temperature", 21.5)``), and ``$`` is the list of all
the arguments, for an event that sends several: ``$[1].value`` reads the second one's
``value``.

    path  := [ "$" ] step*  |  key step*
    step  := "." key  |  "[" index "]"  |  "[" JSON string "]"
    key   := characters other than . [ ] " ' and white space
    index := an integer; a negative one counts from the end (``readings[-1]``)

So ``data.readings[0]``, ``[1].value`` (the first argument is a list), ``.temperature``
(a leading dot, as jq writes it) and ``sensors["living room"].temp`` are paths.  Parsing
is Qt-free and raises ``PathError``, with a message fit to show beside the field; reading
never raises: a value that is not a number (a string, a bool, null, a list, nothing at
all, a payload cut short by the journal) is a ``Skip`` saying why.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import orjson

ROOT = "$"
_KEY_STOPS = frozenset(".[]\"'")
_INDEX = re.compile(r"\s*(-?[0-9]{1,18})\s*")  # 18 digits: any list is shorter


class PathError(ValueError):
    """A path that cannot be parsed; the message says where and what to write instead."""


class Skip(enum.StrEnum):
    """Why an event gave no number."""

    NO_PAYLOAD = "no payload kept"  # the journal keeps metadata only (inspector_payloads)
    TRUNCATED = "payload cut short"  # larger than the journal keeps (inspector_max_payload)
    MISSING = "nothing at the path"
    NOT_A_NUMBER = "not a number"
    TOO_DEEP = "payload nested too deeply to read"


Step = str | int  # a key into an object, or an index into a list


@dataclass(frozen=True, slots=True)
class PayloadPath:
    """A parsed path: ``steps`` taken from the first argument, or from the argument list
    when ``from_arguments`` (the path began with ``$``)."""

    text: str
    steps: tuple[Step, ...]
    from_arguments: bool = False

    @classmethod
    def parse(cls, text: str) -> PayloadPath:
        """The path in ``text`` (surrounding white space ignored); ``PathError`` if bad."""
        return _Parser(text.strip()).path()

    def read(self, args: Sequence[Any]) -> float | Skip:
        """The number at this path in an event's arguments, or why there is none."""
        if self.from_arguments:
            value: Any = list(args)
        elif args:
            value = args[0]
        else:
            return Skip.MISSING
        for step in self.steps:
            found, value = _take(value, step)
            if not found:
                return Skip.MISSING
        return _number(value)

    def read_json(self, payload: str | None, truncated: bool = False) -> float | Skip:
        """``read`` over arguments kept as JSON text, as a journal entry keeps them."""
        if payload is None:
            return Skip.NO_PAYLOAD
        if truncated:
            return Skip.TRUNCATED
        try:
            args = orjson.loads(payload)
        except orjson.JSONDecodeError:
            # What orjson refuses and the journal may write: integers past 64 bits, arrays
            # nested deeper than orjson goes.
            try:
                args = json.loads(payload)
            except RecursionError:
                return Skip.TOO_DEEP
            except ValueError:
                return Skip.TRUNCATED  # not JSON: only a cut could have made it so
        return self.read(args) if isinstance(args, list) else Skip.MISSING


def _take(value: Any, step: Step) -> tuple[bool, Any]:
    if isinstance(step, str):
        if isinstance(value, dict) and step in value:
            return True, value[step]
        return False, None
    if isinstance(value, list) and -len(value) <= step < len(value):
        return True, value[step]
    return False, None


def _number(value: Any) -> float | Skip:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Skip.NOT_A_NUMBER
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return Skip.NOT_A_NUMBER
    return number if math.isfinite(number) else Skip.NOT_A_NUMBER


class _Parser:
    """A hand-written scanner: the grammar is small, and its errors can name the place."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def path(self) -> PayloadPath:
        from_arguments = self.text.startswith(ROOT)
        steps: list[Step] = []
        if from_arguments:
            self.at = 1
            if not self._done() and self._peek() != "[":
                self._fail("after $ (the list of arguments) comes an index, as in $[1]")
        elif not self._done() and self._peek() not in ".[":
            steps.append(self._key())
        while not self._done():
            char = self._peek()
            if char == ".":
                self.at += 1
                steps.append(self._key())
            elif char == "[":
                steps.append(self._bracket())
            else:
                self._fail(f"unexpected {char!r}: a step is .key, [0] or [\"key\"]")
        return PayloadPath(self.text, tuple(steps), from_arguments)

    def _key(self) -> str:
        start = self.at
        while not self._done() and not self._stops_key(self._peek()):
            self.at += 1
        if self.at == start:
            found = "the end" if self._done() else repr(self._peek())
            self._fail(f"a key was expected, found {found} (quote odd keys: [\"a.b\"])")
        return self.text[start:self.at]

    def _bracket(self) -> Step:
        start = self.at
        close = self.text.find("]", start + 1)
        if self.text.startswith('"', start + 1):
            return self._quoted_key()
        if close == -1:
            self._fail("this [ is never closed")
        inside = self.text[start + 1:close]
        index = _INDEX.fullmatch(inside)
        if index is None:
            self._fail(f"[{inside.strip()[:20]}] is not an index: write [0], [-1] or [\"key\"]")
        self.at = close + 1
        return int(index.group(1))

    def _quoted_key(self) -> str:
        decoder = json.JSONDecoder()
        try:
            key, end = decoder.raw_decode(self.text, self.at + 1)
        except ValueError:
            self.at += 1
            self._fail("this quoted key is not a valid JSON string")
        if not self.text.startswith("]", end):
            self.at = end
            self._fail("a quoted key is closed by ]")
        self.at = end + 1
        return str(key)

    def _peek(self) -> str:
        return self.text[self.at]

    def _done(self) -> bool:
        return self.at >= len(self.text)

    @staticmethod
    def _stops_key(char: str) -> bool:
        return char in _KEY_STOPS or char.isspace()

    def _fail(self, message: str) -> NoReturn:
        raise PathError(f"at character {self.at + 1}: {message}")
