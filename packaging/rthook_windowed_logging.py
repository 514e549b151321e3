"""PyInstaller runtime hook: give a windowed bundle somewhere to write.

A windowed build has no console: on Windows ``sys.stdout`` and ``sys.stderr`` are None
(so are they on any platform when the process starts with those descriptors closed), and
uvicorn, argparse or a stray print would fail or be lost.  Before the app starts, point
the missing streams at ``socketio-tray.log`` in the user's log directory
(``platformdirs.user_log_dir``: ``%LOCALAPPDATA%\\socketio-tray\\Logs`` on Windows,
``~/Library/Logs/socketio-tray`` on macOS, ``~/.local/state/socketio-tray/log`` on Linux).
The app's logging then writes there through ``sys.stderr``.  Runs append; past 1 MB,
even in the middle of a run, the file becomes ``socketio-tray.log.1`` (the older ones
``.2`` and ``.3``), so that a flood of errors cannot fill the disk.
"""

import io
import logging.handlers

MAX_BYTES = 1_000_000
BACKUPS = 3


class _QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        """Drop what cannot be written: logging would report it on sys.stderr, which is
        this very file."""


class _RotatingStream(io.TextIOBase):
    """A text stream written through a rotating file handler: ``sys.stderr`` that rotates."""

    def __init__(self, handler: logging.Handler) -> None:
        super().__init__()
        self._handler = handler

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase says str | None
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._handler.emit(logging.makeLogRecord({"msg": text}))
        return len(text)

    def flush(self) -> None:
        self._handler.flush()


def _redirect_missing_streams() -> None:
    import os
    import sys

    if sys.stdout is not None and sys.stderr is not None:
        return
    stream: io.TextIOBase
    try:
        from pathlib import Path

        import platformdirs

        log_dir = Path(platformdirs.user_log_dir("socketio-tray", appauthor=False))
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = _QuietRotatingFileHandler(log_dir / "socketio-tray.log", maxBytes=MAX_BYTES,
                                            backupCount=BACKUPS, encoding="utf-8", delay=True,
                                            errors="backslashreplace")
        handler.terminator = ""  # the writer's text already ends its lines
        stream = _RotatingStream(handler)
    except OSError:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


_redirect_missing_streams()
