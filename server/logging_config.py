"""One logger for the hub, with timestamped ``key=value`` lines."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Any

import platformdirs

from .config import APP_NAME
from .log_filters import RedactSecrets, SuppressRepeats

LOGGER_NAME = "server"
FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
# The loggers whose records we show: ours (python-socketio and python-engineio are given
# children of it) and uvicorn's ("uvicorn.error" propagates into "uvicorn").
ROOT_LOGGERS = (LOGGER_NAME, "uvicorn")
# The protocol libraries log a line per packet at INFO; keep them quiet unless debugging.
CHATTY_LOGGERS = (f"{LOGGER_NAME}.socketio", f"{LOGGER_NAME}.engineio")
# Shared by every handler the app installs (see log_filters): a flood is one line per
# window and a record is judged once.  Repeats first: redaction rewrites the template.
LOG_FILTERS = (SuppressRepeats(), RedactSecrets())
# A log file rotates past this size, keeping this many older files: 10 MB at most.
LOG_FILE_BYTES = 2_000_000
LOG_FILE_BACKUPS = 4


def default_log_file() -> Path:
    """Where the log goes when there is no console: the user's log directory."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / f"{APP_NAME}.log"


def configure_logging(level: str = "INFO", log_file: Path | None = None) -> logging.Logger:
    """Send the hub's records to stderr, or to ``log_file`` when given.

    Calling it again replaces the handler it installed rather than adding a second.
    Without a console (``pythonw``, a windowed build: ``sys.stderr`` is None) the records
    go to ``default_log_file()``.
    """
    if log_file is None and sys.stderr is None:
        log_file = default_log_file()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.set_name(LOGGER_NAME)
    install_log_filters(handler)

    for name in ROOT_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == LOGGER_NAME]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    quiet = level if logging.getLevelName(level) == logging.DEBUG else "WARNING"
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    return logging.getLogger(LOGGER_NAME)


def install_log_filters(handler: logging.Handler) -> None:
    """Give ``handler`` the app's filters: no credentials, no floods."""
    for log_filter in LOG_FILTERS:
        handler.addFilter(log_filter)


def log_loop_error(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler: what escapes a task or callback (a Socket.IO handler
    that raises, say) is logged with the hub's records, and the server keeps serving."""
    error = context.get("exception")
    logging.getLogger(LOGGER_NAME).error(
        "event loop: %s", context.get("message"),
        exc_info=error if isinstance(error, BaseException) else None)
