"""Smoke test of the built PyInstaller bundles (``scripts/build-bundle``; CI builds both).

Each test runs against the one-folder and the one-file bundle, and skips, saying how to
build it, when that bundle is not there.  The bundle runs as a user would start it, with
its settings isolated: ``SOCKETIO_CONFIG_FILE`` in a temporary directory, 127.0.0.1 and a
free port, and the XDG directories (state, logs) under the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import socketio
from helpers.mdns import LoopbackBrowser, unique_name
from helpers.support import HANG_GUARD, SERVING, LoggedProcess, wait_until

from server import __version__

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = {
    "one-folder": ROOT / "dist" / "socketio-tray" / "socketio-tray",
    "one-file": ROOT / "dist" / "onefile" / "socketio-tray",
}
BUILD_FLAG = {"one-folder": "", "one-file": " --onefile"}
START_TIMEOUT = 60.0  # the one-file bundle unpacks itself first; CI machines are slow


@pytest.fixture(params=list(BUNDLES), name="bundle")
def bundle_fixture(request: pytest.FixtureRequest) -> Path:
    kind = request.param
    path = BUNDLES[kind]
    if not os.access(path, os.X_OK):
        pytest.skip(f"no {kind} bundle at {path.relative_to(ROOT)}: build it with "
                    f"scripts/build-bundle{BUILD_FLAG[kind]} (CI builds both)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bundle_env(tmp_path: Path, display: str | None = "offscreen") -> dict[str, str]:
    """The environment for one run: isolated settings, a free port on 127.0.0.1.

    ``display``: ``"offscreen"`` for the tray app on Qt's offscreen platform, None for a
    machine without any display (the bundle then runs the hub alone).
    """
    hidden = ("SOCKETIO_", "QT_", "DISPLAY", "WAYLAND_DISPLAY", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(hidden)}
    env.update({
        "SOCKETIO_CONFIG_FILE": str(tmp_path / "config.toml"),
        "SOCKETIO_HOST": "127.0.0.1",
        "SOCKETIO_PORT": str(free_port()),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
    })
    (tmp_path / "runtime").mkdir(mode=0o700, exist_ok=True)
    if display is not None:
        env["QT_QPA_PLATFORM"] = display
    return env


@asynccontextmanager
async def running(path: Path, env: dict[str, str], *args: str) -> AsyncIterator[LoggedProcess]:
    app = LoggedProcess([str(path), *args], env, start_within=START_TIMEOUT)
    await app.start()
    try:
        yield app
    finally:  # no bundle outlives its test
        if app.process is not None and app.process.returncode is None:
            # SIGTERM first: the one-file bundle's bootloader passes it on to the app it
            # unpacked, where a SIGKILL would orphan that app (and it would keep our pipes).
            app.process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.wait(), START_TIMEOUT)
        await app.kill()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.mark.parametrize("mode", ["tray-offscreen", "--headless", "no-display"])
async def test_the_bundle_serves_a_client_and_exits_0_on_sigterm_within_2_s(
        bundle: Path, tmp_path: Path, mode: str) -> None:
    env = bundle_env(tmp_path, display=None if mode == "no-display" else "offscreen")
    args = ["--headless"] if mode == "--headless" else []
    async with running(bundle, env, *args) as app:
        url = await app.url()
        assert url.endswith(f":{env['SOCKETIO_PORT']}")
        client = socketio.AsyncClient(handle_sigint=False, reconnection=False)
        disconnected = asyncio.Event()
        client.on("disconnect", lambda *_: disconnected.set())
        await client.connect(url, auth={"name": "bundle-smoke"}, wait_timeout=10)
        try:
            # The upgrade to WebSocket works: uvicorn's websocket protocol is in the bundle.
            await wait_until(lambda: client.transport() == "websocket",
                             message="the upgrade to WebSocket")
            listed = await asyncio.to_thread(get_json, f"{url}/api/connections")
            assert listed["count"] == 1, listed
            assert listed["connections"][0]["name"] == "bundle-smoke"

            assert app.process is not None
            app.process.send_signal(signal.SIGTERM)
            # A hang guard under the 25 s a parked poll would hold the exit for; the speed
            # is the benchmark's "shutdown with 1,000 connected" row.
            code = await asyncio.wait_for(app.wait(), HANG_GUARD)
            await asyncio.wait_for(disconnected.wait(), HANG_GUARD)
        finally:
            await client.disconnect()
    assert code == 0, app.output()
    tray_app_ran = any("logger=server.desktop" in line for line in app.lines)
    assert tray_app_ran == (mode == "tray-offscreen"), app.output()
    # The icons are found in the bundle (Qt logs "qt.svg: Cannot open file ..." otherwise).
    assert not any("qt.svg" in line for line in app.lines), app.output()


@pytest.mark.timeout(300)  # the one-file bundle unpacks itself twice: app and discover
async def test_the_bundle_announces_itself_on_loopback_and_finds_itself(
        bundle: Path, tmp_path: Path) -> None:
    """zeroconf (and its submodules) are in the bundle: it announces itself, bound to
    127.0.0.1 so on loopback only, and its ``discover`` command finds that."""
    name = unique_name("bundle")
    env = {**bundle_env(tmp_path, display=None), "SOCKETIO_DISCOVERY": "true",
           "SOCKETIO_NODE_NAME": name}
    async with LoopbackBrowser(["_socketio._tcp.local."]) as seen, \
            running(bundle, env) as app:
        await app.url()
        info = await seen.found("_socketio._tcp.local.", name)
        assert info.port == int(env["SOCKETIO_PORT"])
        found = await asyncio.to_thread(
            subprocess.run, [str(bundle), "discover", "--interface", "127.0.0.1"],
            env=env, capture_output=True, text=True, timeout=START_TIMEOUT)
    assert found.returncode == 0, found.stderr
    assert f"{name}  127.0.0.1:{env['SOCKETIO_PORT']}  no token" in found.stdout


def test_version_and_help(bundle: Path, tmp_path: Path) -> None:
    env = bundle_env(tmp_path)
    version = subprocess.run([str(bundle), "--version"], env=env, capture_output=True,
                             text=True, timeout=START_TIMEOUT)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"socketio-tray {__version__}"
    assert __version__ != "0+unknown"

    usage = subprocess.run([str(bundle), "--help"], env=env, capture_output=True,
                           text=True, timeout=START_TIMEOUT)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("usage: socketio-tray")
    assert "--headless" in usage.stdout


def test_without_a_console_the_log_goes_to_the_user_log_directory(bundle: Path,
                                                                  tmp_path: Path) -> None:
    """As in a windowed build on Windows: ``sys.stdout`` and ``sys.stderr`` are None.

    Starting with descriptors 1 and 2 closed gives the same on Linux.
    """
    env = bundle_env(tmp_path)
    log_file = tmp_path / "state" / "socketio-tray" / "log" / "socketio-tray.log"

    def close_stdout_and_stderr() -> None:
        os.close(1)
        os.close(2)

    process = subprocess.Popen([str(bundle)], env=env, stdin=subprocess.DEVNULL,
                               preexec_fn=close_stdout_and_stderr)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (log_file.exists() and SERVING.search(log_file.read_text())):
            assert process.poll() is None, f"the bundle ended: {process.returncode}"
            assert time.monotonic() < deadline, "no 'serving' line in the log file"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "server stopped" in log_file.read_text()


def test_the_linux_install_script_puts_the_app_in_the_menu_and_takes_it_out(
        tmp_path: Path) -> None:
    folder = BUNDLES["one-folder"].parent
    script = folder / "linux" / "install.sh"
    if not script.exists():
        pytest.skip(f"no one-folder bundle with {script.relative_to(ROOT)}: "
                    "build it with scripts/build-bundle on Linux")
    home = tmp_path / "home"
    env = {**bundle_env(tmp_path), "HOME": str(home)}
    subprocess.run([str(script), "--autostart"], env=env, check=True, capture_output=True,
                   timeout=120)

    installed = home / ".local" / "lib" / "socketio-tray" / "socketio-tray"
    entry = (home / ".local/share/applications/socketio-tray.desktop").read_text()
    assert f'Exec="{installed}"' in entry.splitlines()
    at_login = (Path(env["XDG_CONFIG_HOME"]) / "autostart/socketio-tray.desktop").read_text()
    assert f'Exec="{installed}" --hidden' in at_login.splitlines()  # started in the tray
    assert "Icon=socketio-tray" in entry.splitlines()
    icons = home / ".local/share/icons/hicolor"
    for size in (16, 32, 48, 128, 256):
        assert (icons / f"{size}x{size}/apps/socketio-tray.png").is_file()
    assert (icons / "scalable/apps/socketio-tray.svg").is_file()
    version = subprocess.run([str(home / ".local/bin/socketio-tray"), "--version"], env=env,
                             capture_output=True, text=True, timeout=START_TIMEOUT)
    assert version.stdout.strip() == f"socketio-tray {__version__}"

    subprocess.run([str(script), "--uninstall"], env=env, check=True, capture_output=True,
                   timeout=60)
    left = [*home.rglob("*socketio-tray*"), *Path(env["XDG_CONFIG_HOME"]).rglob("autostart/*")]
    assert left == [], left
