"""Coroutines started from Qt slots: kept alive until done, their failures logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from . import LOGGER_NAME

logger = logging.getLogger(LOGGER_NAME)

_running: set[asyncio.Task[Any]] = set()


def run_in_background(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Schedule ``coroutine`` on the running loop; an exception is logged, never lost.

    A slot cannot await, and the loop only keeps weak references to tasks: without the
    set, a task could be collected mid-flight and its error would vanish.
    """
    task = asyncio.ensure_future(coroutine)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("a background task failed", exc_info=task.exception())
