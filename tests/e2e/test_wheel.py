"""The wheel, installed as a user installs it: into a fresh venv outside the source tree.

One venv gets ``socketio-tray[desktop]``: its ``socketio-tray --version`` answers and each
state's tray icon loads from the installed package.  Another gets the wheel alone: its
``socketio-tray`` says in one line what to install and exits 2.  The dependencies come
from PyPI; both venvs are kept, keyed on a hash of the wheel's inputs, so a rerun with
unchanged sources installs nothing; overlapping runs share them under a lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import __version__

ROOT = Path(__file__).resolve().parents[2]
WHEEL_INPUTS = ["pyproject.toml", "README.md", "server", "desktop", "resources"]
CACHE = Path(tempfile.gettempdir()) / "socketio-tray-wheel-test"
INSTALL_TIMEOUT = 900.0  # PySide6 is a large download on a slow line

ICON_CHECK = """
import sys
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

app = QApplication([])
import desktop
from desktop.controller import State
from desktop.icons import icon_path, state_icon

print(desktop.__file__)
for state in State:
    path = icon_path(state)
    assert QSvgRenderer(path).isValid(), f"{state}: no valid SVG at {path}"
    assert not state_icon(state).pixmap(32, 32).isNull(), f"{state}: the icon paints nothing"
print("icons ok")
"""


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for name in WHEEL_INPUTS:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(
            p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def clean_env() -> dict[str, str]:
    """No trace of the source tree or of the test's venv, nor of the user's config file;
    Qt on its offscreen platform."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("SOCKETIO_")}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "SOCKETIO_CONFIG_FILE": str(CACHE / "no-config.toml")}


def run(command: list[str | Path], cwd: Path, timeout: float = 120.0,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def make_venv(where: Path, wheel: Path, requirement: str) -> Path:
    """A venv at ``where`` with ``requirement`` installed; its python."""
    checked(run([sys.executable, "-m", "venv", where], cwd=where.parent))
    python = where / "bin" / "python"
    install = run([python, "-m", "pip", "install", "-q", requirement], cwd=where.parent,
                  timeout=INSTALL_TIMEOUT)
    if install.returncode != 0 and "Could not find a version" in install.stderr + install.stdout:
        pytest.skip(f"PyPI is not reachable: cannot install the dependencies of {wheel.name}")
    checked(install)
    return python


def prune_all_but(keep: Path) -> None:
    """Remove the venvs of other sources that no run is using, and a half-built ``keep``
    (a run that died).  Called under the cache's lock."""
    for entry in CACHE.iterdir():
        if not entry.is_dir() or (entry == keep and (keep / ".ready").exists()):
            continue
        with open(CACHE / f"{entry.name}.lock", "w") as in_use:
            try:
                fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another run is testing those sources now
            shutil.rmtree(entry)


@pytest.fixture(scope="module")
def venvs() -> Iterator[dict[str, Path]]:
    """``{"desktop": python, "bare": python}``, built once per set of wheel inputs.

    Runs may overlap (several worktrees, one /tmp): they build and prune one at a time,
    under the cache's lock, and each holds its venvs' own lock (shared) while it uses
    them, so no run deletes venvs that another is using.  (A venv cannot be built
    elsewhere and moved in: its scripts name its path.)
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    home = CACHE / inputs_hash()
    with open(CACHE / ".lock", "w") as cache_lock, open(f"{home}.lock", "w") as in_use:
        fcntl.flock(cache_lock, fcntl.LOCK_EX)
        if not (home / ".ready").exists():
            prune_all_but(home)
            home.mkdir()
            checked(run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", home,
                         ROOT], cwd=home))
            (wheel,) = home.glob("*.whl")
            make_venv(home / "desktop", wheel, f"{wheel}[desktop]")
            make_venv(home / "bare", wheel, str(wheel))
            (home / ".ready").touch()
        fcntl.flock(in_use, fcntl.LOCK_SH)
        fcntl.flock(cache_lock, fcntl.LOCK_UN)
        yield {kind: home / kind / "bin" / "python" for kind in ("desktop", "bare")}


def test_installed_entry_point_answers_its_version(venvs):
    script = venvs["desktop"].parent / "socketio-tray"
    result = checked(run([script, "--version"], cwd=script.parent))
    assert __version__ in result.stdout


def test_each_tray_icon_loads_from_the_installed_package(venvs):
    python = venvs["desktop"]
    result = checked(run([python, "-c", ICON_CHECK], cwd=python.parents[1]))
    module_file, verdict = result.stdout.splitlines()
    assert Path(module_file).is_relative_to(python.parents[1] / "lib")  # not the source tree
    assert verdict == "icons ok"
    assert "qt.svg" not in result.stderr


def test_without_the_desktop_extra_the_app_says_what_to_install(venvs):
    script = venvs["bare"].parent / "socketio-tray"
    result = run([script], cwd=script.parent)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "socketio-tray[desktop]" in result.stderr
