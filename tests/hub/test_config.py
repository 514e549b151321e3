"""Settings: defaults, the config file, env overriding it, and clear refusals of bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import (
    DEFAULT_PORT,
    SettingsError,
    config_file_path,
    ensure_dashboard_token,
    load_settings,
    read_config_file,
    save_config_file,
)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "socketio-tray" / "config.toml"
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(path))
    return path


def test_defaults_serve_the_lan_on_the_documented_port(config_file: Path) -> None:
    settings = load_settings()
    assert settings.host == "0.0.0.0"
    assert settings.port == DEFAULT_PORT == 8765
    assert settings.auth_token is None
    assert settings.trusted_proxies == []
    assert config_file_path() == config_file


def test_file_values_apply_and_env_overrides_them(config_file: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    save_config_file({"port": 9100, "auth_token": "from-file", "ping_interval": 0.5})
    assert load_settings().port == 9100
    monkeypatch.setenv("SOCKETIO_PORT", "9200")
    monkeypatch.setenv("SOCKETIO_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/24")
    settings = load_settings()
    assert (settings.port, settings.auth_token, settings.ping_interval) == (9200, "from-file", 0.5)
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.1/32", "192.168.0.0/24"]


def test_saved_file_is_private_and_merges(config_file: Path) -> None:
    save_config_file({"port": 9100})
    save_config_file({"auth_token": "t"})
    assert read_config_file() == {"port": 9100, "auth_token": "t"}
    assert config_file.stat().st_mode & 0o777 == 0o600
    save_config_file({"auth_token": None})
    assert read_config_file() == {"port": 9100}


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("port", "-1", "greater than or equal to 0"),
        ("port", "abc", "valid integer"),
        ("port", "70000", "less than or equal to 65535"),
        ("logger_level", "loud", "'DEBUG'"),
        ("host", "not an address", "IP address"),
        ("ping_interval", "0", "greater than 0"),
        ("max_connections", "1e99", "valid integer"),
        ("trusted_proxies", "10.0.0.300", "does not appear to be an IPv4 or IPv6 network"),
    ],
)
def test_invalid_values_name_the_setting(config_file: Path, monkeypatch: pytest.MonkeyPatch,
                                         name: str, value: str, reason: str) -> None:
    monkeypatch.setenv(f"SOCKETIO_{name.upper()}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"SOCKETIO_{name.upper()}" in message
    assert reason in message
    assert "\n" not in message


def test_saving_a_bad_value_is_refused_and_keeps_the_file(config_file: Path) -> None:
    save_config_file({"port": 9100})
    with pytest.raises(SettingsError, match="SOCKETIO_PORT"):
        save_config_file({"port": 99999})
    assert read_config_file() == {"port": 9100}


@pytest.mark.parametrize("content", [
    b"port = = 3\n", b"\xff\xfe\x00garbage", b"port = 'x' * 3", b"[[[", b"port = 1e400\n",
])
def test_garbage_config_file_is_a_clear_error(config_file: Path, content: bytes) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_bytes(content)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(config_file) in str(caught.value) or "SOCKETIO_PORT" in str(caught.value)


def test_huge_config_file_value_is_refused(config_file: Path) -> None:
    config_file.parent.mkdir(parents=True)
    config_file.write_text(f'host = "{"9" * 100_000}"\n')
    with pytest.raises(SettingsError, match="SOCKETIO_HOST"):
        load_settings()


@pytest.mark.parametrize(("env", "needle"), [
    ({"SOCKETIO_PORT": "-1"}, "SOCKETIO_PORT"),
    ({"SOCKETIO_PORT": "abc"}, "SOCKETIO_PORT"),
    ({"SOCKETIO_LOGGER_LEVEL": "chatty"}, "SOCKETIO_LOGGER_LEVEL"),
])
def test_server_refuses_to_start_with_one_line_and_status_2(config_file: Path,
                                                            env: dict[str, str],
                                                            needle: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server"], env={**os.environ, **env},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0] and "Traceback" not in result.stderr


def test_the_entry_points_generate_a_dashboard_token_once_and_keep_it(
        config_file: Path) -> None:
    first = ensure_dashboard_token(load_settings()).dashboard_token
    assert first and len(first) >= 20
    assert read_config_file()["dashboard_token"] == first
    assert config_file.stat().st_mode & 0o777 == 0o600
    assert ensure_dashboard_token(load_settings()).dashboard_token == first


def test_a_dashboard_token_set_by_the_user_is_used_and_not_saved(config_file: Path) -> None:
    assert ensure_dashboard_token(load_settings(dashboard_token="mine")).dashboard_token == "mine"
    assert not config_file.exists()
