"""The tray app's settings at launch: a bad one is set aside, not a reason to vanish.

``python -m server`` refuses an invalid setting with exit status 2 and a line on stderr.
Started by a double-click, the tray app has no stderr anyone reads: it starts instead,
with the bad setting replaced (the config file's and the environment's by the default,
the command line's by what the file or the default says), and says so in a dialog.  The
config file is not touched: the user fixes it by saving the settings, or leaves it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from server.config import (
    ENV_PREFIX,
    Settings,
    SettingsError,
    config_file_path,
    describe_validation_error,
)


@dataclass(frozen=True)
class SettingProblem:
    """One setting that was set aside: which, where it was given, and why."""

    name: str
    source: str
    """"the command line", "the environment variable SOCKETIO_…" or the config file's path."""
    value: Any
    reason: str

    @property
    def from_command_line(self) -> bool:
        return self.source == COMMAND_LINE

    def describe(self) -> str:
        """One line for the log and the dialog."""
        if self.from_command_line:
            return f"{option_text(self.name, self.value)} on the command line: {self.reason}"
        return f"{self.name} = {self.value!r} in {self.source}: {self.reason}"


COMMAND_LINE = "the command line"


def option_text(name: str, value: Any) -> str:
    """A setting as it was typed on the command line: ``--port 18502``."""
    option = "--log-level" if name == "logger_level" else f"--{name}"
    return f"{option} {value}"


def _source(name: str, overrides: dict[str, Any]) -> str:
    if name in overrides:
        return COMMAND_LINE
    if f"{ENV_PREFIX}{name.upper()}" in {key.upper() for key in os.environ}:
        return f"the environment variable {ENV_PREFIX}{name.upper()}"
    return str(config_file_path())


def _problems(error: ValidationError, overrides: dict[str, Any]) -> list[SettingProblem]:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        if name not in Settings.model_fields:
            raise SettingsError(f"invalid setting: {describe_validation_error(error)}")
        reason = item["msg"].removeprefix("Value error, ")
        problems.append(SettingProblem(name, _source(name, overrides), item.get("input"),
                                       reason))
    return problems


def _default(name: str) -> Any:
    return Settings.model_fields[name].get_default(call_default_factory=True)


def load_leniently(overrides: dict[str, Any]) -> tuple[Settings, list[SettingProblem]]:
    """The settings with ``overrides``, every invalid one set aside; what was set aside.

    Raises ``SettingsError`` only when no setting can be blamed (a config file that is not
    TOML at all): then there is nothing sensible to start with.
    """
    kept = dict(overrides)
    problems: list[SettingProblem] = []
    # A default is always valid, so three rounds suffice: a bad option dropped may
    # uncover a bad value in the file, which the default then replaces.
    for _ in range(3):
        try:
            return Settings(**kept), problems
        except ValidationError as exc:
            error = exc
            found = _problems(exc, kept)
        for problem in found:
            if problem.from_command_line:
                del kept[problem.name]  # the file's value or the default, as without it
            else:  # explicit arguments win over the environment and the file
                kept[problem.name] = _default(problem.name)
        problems += found
    raise SettingsError(f"invalid setting: {describe_validation_error(error)}")
