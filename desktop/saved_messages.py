"""The composer's saved messages and its last sends, kept in a JSON file by the config file.

The file is input like any other: garbage, an oversized file or entries of the wrong
shape give a clear ``problem`` and whatever could be read, never an exception.  Before
anything of it is lost, the file as found is kept next to it as ``….bad`` (then
``….bad-2``, ...): the store rewrites the file on the next save, and that must not erase
what the user could still mend by hand.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from server.config import config_file_path
from server.inspector.entry import TEXT_LIMIT

from . import LOGGER_NAME

logger = logging.getLogger(LOGGER_NAME)

FILE_NAME = "saved-messages.json"
RECENT_LIMIT = 50
"""How many of the last sends are remembered."""
SAVED_LIMIT = 200
MESSAGE_BYTES_LIMIT = 64 * 1024
"""The largest arguments (as JSON) a message may have to be saved or remembered."""
FILE_BYTES_LIMIT = (SAVED_LIMIT + RECENT_LIMIT) * (MESSAGE_BYTES_LIMIT + 2 * 1024)
"""Above what the store can write: a larger file is not one of ours."""
NAME_LIMIT = 100
BAD_COPIES_LIMIT = 100


def default_path() -> Path:
    """``saved-messages.json`` in the directory of the config file (``SOCKETIO_CONFIG_FILE``
    or the user's config directory)."""
    return config_file_path().parent / FILE_NAME


class MessageError(ValueError):
    """A message that cannot be saved or read back; the text says why."""


@dataclass(frozen=True, slots=True)
class Message:
    """A send: to whom, which event, which arguments; ``name`` is empty for a recent one.

    A client target keeps the client's name beside its sid (``{"sid": s, "name": n}``):
    sids change when a device reconnects, its name does not.
    """

    name: str
    target: dict[str, Any]
    event: str
    args: list[Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "event": self.event,
                "args": self.args}

    @classmethod
    def from_json(cls, data: Any) -> Message:
        """The message ``data`` describes, or ``MessageError`` saying what is wrong."""
        if not isinstance(data, dict):
            raise MessageError("not an object")
        name, event, args = data.get("name", ""), data.get("event"), data.get("args", [])
        if not isinstance(name, str) or len(name) > NAME_LIMIT:
            raise MessageError(f"name must be text of at most {NAME_LIMIT} characters")
        if not isinstance(event, str) or not 1 <= len(event) <= TEXT_LIMIT:
            raise MessageError(f"event must be text of 1 to {TEXT_LIMIT} characters")
        if not isinstance(args, list):
            raise MessageError("args must be a list")
        message = cls(name, _target(data.get("target")), event, args)
        message.check_size()
        return message

    def check_size(self) -> None:
        if len(orjson.dumps(self.args)) > MESSAGE_BYTES_LIMIT:
            raise MessageError(f"arguments over {MESSAGE_BYTES_LIMIT // 1024} KB")


def _target(target: Any) -> dict[str, Any]:
    if isinstance(target, dict):
        if target == {"all": True}:
            return target
        if set(target) == {"room"} and isinstance(target["room"], str) and target["room"]:
            return target
        if (set(target) in ({"sid"}, {"sid", "name"}) and isinstance(target["sid"], str)
                and isinstance(target.get("name"), str | None)):
            return target
    raise MessageError('target must be {"sid": ..., "name": ...}, {"room": ...} or '
                       '{"all": true}')


@dataclass
class SavedMessages:
    """The saved messages by name and the recent sends, newest first, with the file.

    ``problem`` says what went wrong reading or writing the file (None when nothing did).
    """

    path: Path
    saved: list[Message] = field(default_factory=list)
    recent: list[Message] = field(default_factory=list)
    problem: str | None = None
    _writable: bool = field(default=True, init=False, repr=False)
    """False when a damaged file could not be copied aside: then it is never overwritten."""

    @classmethod
    def load(cls, path: Path | None = None) -> SavedMessages:
        """What ``path`` holds (by default next to the config file); never raises."""
        store = cls(default_path() if path is None else path)
        try:
            problems = store._read()
        except (OSError, MessageError) as exc:
            problems = [str(exc)]
        if problems:
            store._set_aside(problems)
        return store

    def _read(self) -> list[str]:
        """Fill the lists from the file; what was skipped, and why."""
        try:
            with self.path.open("rb") as file:
                raw = file.read(FILE_BYTES_LIMIT + 1)
        except (FileNotFoundError, NotADirectoryError):  # none yet: nothing is lost
            return []
        if len(raw) > FILE_BYTES_LIMIT:
            raise MessageError(f"it is over {FILE_BYTES_LIMIT // (1024 * 1024)} MB")
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MessageError(f"it is not JSON ({exc})") from None
        if not isinstance(document, dict):
            raise MessageError('it is not a {"saved": [...], "recent": [...]} object')
        problems: list[str] = []
        self.saved = self._messages(document, "saved", SAVED_LIMIT, problems)
        self.recent = self._messages(document, "recent", RECENT_LIMIT, problems)
        by_name = {m.name: m for m in reversed(self.saved) if m.name}  # the first of a name
        if len(by_name) != len(self.saved):
            problems.append("saved messages need distinct, non-empty names")
            self.saved = [m for m in self.saved if by_name.get(m.name) is m]
        return problems

    @staticmethod
    def _messages(document: dict[str, Any], key: str, limit: int,
                  problems: list[str]) -> list[Message]:
        items = document.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{key!r} is not a list")
            return []
        if len(items) > limit:
            problems.append(f"{key!r}: only the first {limit} of {len(items)} kept")
        messages: list[Message] = []
        for number, item in enumerate(items[:limit], 1):
            try:
                messages.append(Message.from_json(item))
            except MessageError as exc:
                problems.append(f"{key!r} #{number} skipped: {exc}")
        return messages

    def _set_aside(self, problems: list[str]) -> None:
        """Keep the file as found beside it, and say so in ``problem``."""
        summary = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)"
                                             if len(problems) > 3 else "")
        copy = self._copy_as_bad()
        kept = f"it was kept as {copy.name}" if copy else \
            "it could not be copied aside and will not be overwritten"
        self.problem = f"{self.path.name} could not be read whole: {summary}; {kept}"
        self._writable = copy is not None
        logger.warning("%s", self.problem)

    def _copy_as_bad(self) -> Path | None:
        for number in range(1, BAD_COPIES_LIMIT + 1):
            copy = self.path.with_name(self.path.name + (".bad" if number == 1 else
                                                         f".bad-{number}"))
            try:
                with self.path.open("rb") as source, copy.open("xb") as target:
                    shutil.copyfileobj(source, target)
            except FileExistsError:
                continue
            except OSError:
                return None
            return copy
        return None

    # -- changes, each written at once

    def save(self, message: Message) -> None:
        """Keep ``message`` under its name, in place of one of the same name."""
        if not message.name or len(message.name) > NAME_LIMIT:
            raise MessageError(f"a saved message needs a name of 1 to {NAME_LIMIT} characters")
        message.check_size()
        if any(m.name == message.name for m in self.saved):
            self.saved = [message if m.name == message.name else m for m in self.saved]
        elif len(self.saved) >= SAVED_LIMIT:
            raise MessageError(f"at most {SAVED_LIMIT} saved messages: delete one first")
        else:
            self.saved = [*self.saved, message]
        self._write()

    def delete(self, name: str) -> None:
        self.saved = [m for m in self.saved if m.name != name]
        self._write()

    def remember(self, message: Message) -> None:
        """Put a send at the top of the recent ones (not if its arguments are too large)."""
        try:
            message.check_size()
        except MessageError:
            return
        self.recent = [message, *(m for m in self.recent if m != message)][:RECENT_LIMIT]
        self._write()

    def _write(self) -> None:
        """The lists to the file, atomically; a failure is kept in ``problem``."""
        if not self._writable:
            return
        document = {"saved": [m.to_json() for m in self.saved],
                    "recent": [m.to_json() for m in self.recent]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=".saved-", dir=self.path.parent)
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(orjson.dumps(document, option=orjson.OPT_INDENT_2))
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.problem = f"{self.path.name} could not be written: {exc}"
            logger.warning("%s", self.problem)
