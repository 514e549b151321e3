"""Without a console the log goes to a file that rotates while the app runs.

The bundle's runtime hook, run as a windowed build runs it (``sys.stdout`` and
``sys.stderr`` None), then a flood through the app's logging: the files stay bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "rthook_windowed_logging.py"
FLOOD = f"""
import runpy, sys
sys.stdout = sys.stderr = None
runpy.run_path({str(HOOK)!r})
from server.logging_config import configure_logging
log = configure_logging("INFO")
for index in range(40_000):
    log.error("distinct line " + str(index) + " x" * 40)
print("printed last")
log.info("logged last")
"""


def test_a_flood_without_a_console_leaves_a_few_bounded_files(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, "-c", FLOOD], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / "state" / "socketio-tray" / "log"
    files = sorted(path.name for path in log_dir.iterdir())
    assert files == ["socketio-tray.log", "socketio-tray.log.1", "socketio-tray.log.2",
                     "socketio-tray.log.3"]
    assert all((log_dir / name).stat().st_size <= 1_000_200 for name in files)
    current = (log_dir / "socketio-tray.log").read_text()
    assert "printed last" in current and "logged last" in current
