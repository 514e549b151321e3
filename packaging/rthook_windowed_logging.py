"""PyInstaller runtime hook: give a windowed bundle somewhere to write.

A windowed build has no console: on Windows ``sys.stdout`` and ``sys.stderr`` are None
(so are they on any platform when the process starts with those descriptors closed), and
uvicorn, argparse or a stray print would fail or be lost.  Before the app starts, point
the missing streams at ``socketio-tray.log`` in the user's log directory
(``platformdirs.user_log_dir``: ``%LOCALAPPDATA%\\socketio-tray\\Logs`` on Windows,
``~/Library/Logs/socketio-tray`` on macOS, ``~/.local/state/socketio-tray/log`` on Linux).
The app's logging then writes there through ``sys.stderr``.  Runs append; past 1 MB the
file becomes ``socketio-tray.log.1`` (replacing the previous one) at the next start.
"""

MAX_BYTES = 1_000_000


def _redirect_missing_streams() -> None:
    import os
    import sys

    if sys.stdout is not None and sys.stderr is not None:
        return
    stream = None
    try:
        from pathlib import Path

        import platformdirs

        log_dir = Path(platformdirs.user_log_dir("socketio-tray", appauthor=False))
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "socketio-tray.log"
        try:
            if log_file.stat().st_size > MAX_BYTES:
                os.replace(log_file, log_dir / "socketio-tray.log.1")
        except OSError:  # no log yet, or (Windows) another instance has it open
            pass
        stream = open(log_file, "a", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                      buffering=1)
    except OSError:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


_redirect_missing_streams()
