"""A directory where the config file should be is a bad config file, not a missing one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_directory_at_config_path_stops_the_server_with_one_line_and_status_2(
        tmp_path: Path) -> None:
    directory = tmp_path / "config.toml"
    directory.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0"],
        env={**os.environ, "SOCKETIO_CONFIG_FILE": str(directory)},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"socketio-tray: config file {directory}: is a directory, not a file"]
