"""The process's open-files limit: raised at start, read when sizing the connection cap.

Desktops commonly start programs with a soft limit of 1,024 descriptors, far below the
hard limit a user may raise it to; every client connection takes one.  Only the
programs' entry points raise it: it is the process's, not a library's, to change.
"""

from __future__ import annotations

import logging
import sys

if sys.platform != "win32":  # Windows has no such limit on sockets
    import resource

logger = logging.getLogger(__name__)

# Where the hard limit is "unlimited", ask for this much rather than for infinity; macOS
# refuses more than OPEN_MAX (10,240) whatever the hard limit says, so that comes next.
UNLIMITED_TARGET = 1_048_576
OPEN_MAX_MACOS = 10_240


def open_files_limit() -> int | None:
    """The soft limit on open descriptors, or None where there is none to read."""
    if sys.platform == "win32":
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def raise_open_files_limit() -> int | None:
    """Raise the soft open-files limit to the hard one and log the outcome once;
    returns the soft limit now in force."""
    if sys.platform == "win32":
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        logger.info("open-files limit: unlimited")
        return None
    highest = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    error: Exception | None = None
    for target in [t for t in (highest, OPEN_MAX_MACOS) if soft < t <= highest]:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            error = exc
            continue
        logger.info("open-files limit raised from %d to %d", soft, target)
        return target
    if error is not None:
        logger.warning("open-files limit stays at %d (could not raise it: %s)", soft, error)
    else:
        logger.info("open-files limit: %d", soft)
    return soft
