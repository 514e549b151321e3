"""``python -m desktop`` as a real process: signals, second launch, headless mode."""

from __future__ import annotations

import asyncio
import re
import signal

import pytest
from helpers.desktop_support import AppProcess
from helpers.support import KINDS_AND_TRANSPORTS, wait_until

from desktop.single_instance import instance_name


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_disconnects_everyone_and_exits_0(tmp_path, clients, signum):
    app = AppProcess(tmp_path / "config.toml")
    await app.start()
    try:
        url = await app.url()
        connected = [await clients(kind, url, transport) for kind, transport in
                     KINDS_AND_TRANSPORTS * 2]
        await app.wait_for_line(r"client connected sid=.*transport=polling")
        # Let the polling clients park a GET on the server, the case that used to hold
        # uvicorn's shutdown for a whole poll.
        await asyncio.sleep(0.3)
        assert app.process is not None
        app.process.send_signal(signum)
        # A hang guard: a parked poll would hold the exit for a whole poll (25 s); the
        # speed is the benchmark's "shutdown with 1,000 connected" row.
        code = await asyncio.wait_for(app.wait(), 10)
    finally:
        await app.kill()
    assert code == 0, app.output()
    assert any("quitting" in line for line in app.lines)
    for client in connected:
        await asyncio.wait_for(client.disconnected.wait(), 5)


async def test_a_second_launch_hands_over_to_the_first_and_exits_0(tmp_path):
    config_file = tmp_path / "config.toml"
    first = AppProcess(config_file)
    await first.start()
    try:
        await first.url()
        second = AppProcess(config_file)
        await second.start()
        assert await asyncio.wait_for(second.wait(), 20) == 0
        assert "already running" in "\n".join(second.printed)
        assert not any("serving" in line for line in second.lines)
        await first.wait_for_line("the app was launched again: showing this window")

        # Started at login over the running app: it stays as it is, no window popped up.
        hidden = AppProcess(config_file, "--hidden")
        await hidden.start()
        assert await asyncio.wait_for(hidden.wait(), 20) == 0
        assert "already running in the tray" in "\n".join(hidden.printed)
        await first.wait_for_line("the app was launched again hidden")
        assert sum("showing this window" in line for line in first.lines) == 1

        # Another config file is another app: it starts on its own.
        other = AppProcess(tmp_path / "other.toml")
        await other.start()
        await other.url()
        assert other.process is not None
        other.process.terminate()
        assert await asyncio.wait_for(other.wait(), 10) == 0

        assert first.process is not None
        first.process.terminate()
        assert await asyncio.wait_for(first.wait(), 10) == 0
    finally:
        await first.kill()


async def test_a_second_launch_with_a_port_says_the_running_app_keeps_its_own(tmp_path):
    config_file = tmp_path / "config.toml"
    first = AppProcess(config_file)
    await first.start()
    try:
        await first.url()
        second = AppProcess(config_file, "--port", "18502")
        await second.start()
        assert await asyncio.wait_for(second.wait(), 20) == 0
        assert any("the running app keeps its own settings, --port 18502 was not applied"
                   in line for line in second.lines), second.output()
        assert first.process is not None
        first.process.terminate()
        assert await asyncio.wait_for(first.wait(), 10) == 0
    finally:
        await first.kill()


@pytest.mark.parametrize(("contents", "args", "named"), [
    (b"ping_interval = 99999\n", (), "ping_interval = 99999 in "),
    (b"", ("--port", "70000"), "--port 70000 on the command line"),
], ids=["in the file", "on the command line"])
async def test_a_bad_setting_does_not_stop_the_tray_app(tmp_path, clients, contents, args,
                                                        named):
    config_file = tmp_path / "config.toml"
    config_file.write_bytes(contents)
    app = AppProcess(config_file, *args)
    await app.start()
    try:
        await app.wait_for_line("setting set aside: " + re.escape(named))
        client = await clients("py", await app.url(), "websocket")
        await wait_until(lambda: client.sid is not None)
        assert app.process is not None
        app.process.terminate()
        assert await asyncio.wait_for(app.wait(), 10) == 0
    finally:
        await app.kill()
    if contents:  # a bad file is left as it is (a valid one gets the dashboard token)
        assert config_file.read_bytes() == contents

    headless = AppProcess(config_file, "--headless", *args)  # no one to show a dialog to
    await headless.start()
    assert await asyncio.wait_for(headless.wait(), 20) == 2
    assert "invalid setting" in headless.output()


def test_the_instance_name_follows_the_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "a.toml"))
    a = instance_name()
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "b.toml"))
    assert instance_name() != a
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "a.toml"))
    assert instance_name() == a


@pytest.mark.parametrize("how", ["--headless", "no display"])
async def test_headless_runs_the_hub_alone(tmp_path, clients, how):
    no_display = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    app = AppProcess(tmp_path / "config.toml", *([how] if how == "--headless" else []),
                     env=no_display if how == "no display" else None)
    await app.start()
    try:
        url = await app.url()
        client = await clients("py", url, "websocket")
        await wait_until(lambda: client.sid is not None)
        assert app.process is not None
        app.process.terminate()
        assert await asyncio.wait_for(app.wait(), 10) == 0
    finally:
        await app.kill()
    assert not any("desktop" in line for line in app.lines), app.output()


async def test_version_and_help(tmp_path):
    for flag, expected in (("--version", "socketio-tray "), ("--help", "--headless")):
        app = AppProcess(tmp_path / "config.toml", flag)
        await app.start()
        assert await asyncio.wait_for(app.wait(), 20) == 0
        assert expected in "\n".join(app.printed)
