"""The PySide6 build in use does not leak references to ``None`` (6.12.0 on Python 3.11).

qasync calls ``QObject.killTimer()`` and ``QSocketNotifier.setEnabled()`` on every timer
and socket event, and our loop still calls them whenever its timer is re-armed or a
reader or writer comes and goes; on the broken build each call drops a reference to
``None`` until the interpreter aborts with ``Fatal Python error: none_dealloc``.
"""

from __future__ import annotations

import socket
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from PySide6.QtCore import QObject, QSocketNotifier

CALLS = 1000
BROKEN = "6.12.0"


def none_drift_per_call(action) -> float:
    """How ``sys.getrefcount(None)`` moves per call of ``action``, over CALLS calls."""
    before = sys.getrefcount(None)
    for number in range(CALLS):
        action(number)
    return (sys.getrefcount(None) - before) / CALLS


def test_kill_timer_keeps_none_alive(qapp) -> None:
    owner = QObject()
    timers = [owner.startTimer(60_000) for _ in range(CALLS)]
    assert abs(none_drift_per_call(lambda n: owner.killTimer(timers[n]))) < 0.01


def test_socket_notifier_set_enabled_keeps_none_alive(qapp) -> None:
    left, right = socket.socketpair()
    try:
        notifier = QSocketNotifier(left.fileno(), QSocketNotifier.Type.Read)
        assert abs(none_drift_per_call(lambda n: notifier.setEnabled(n % 2 == 0))) < 0.01
        notifier.setEnabled(False)
    finally:
        left.close()
        right.close()


@pytest.mark.parametrize("python", ["3.11", "3.12"])
def test_the_desktop_extra_cannot_install_the_broken_build_on_python_3_11(python) -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = [Requirement(line) for line in pyproject["project"]["optional-dependencies"]["desktop"]
            if line.startswith("PySide6")]
    applicable = [pin for pin in pins
                  if pin.marker is None or pin.marker.evaluate({"python_version": python})]
    assert len(applicable) == 1
    allows_broken = applicable[0].specifier.contains(BROKEN)
    assert allows_broken is (python != "3.11")
