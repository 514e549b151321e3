"""The inspector's settings: defaults, the environment, refusals of bad bounds, and the
journal they configure."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import SettingsError, load_settings
from server.inspector import Journal


@pytest.fixture(autouse=True)
def own_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(tmp_path / "config.toml"))


def test_defaults_keep_10000_entries_16_mib_and_4_kib_payloads() -> None:
    settings = load_settings()
    assert settings.inspector is True and settings.inspector_payloads is True
    assert settings.inspector_size == 10_000
    assert settings.inspector_bytes == 16 * 1024 * 1024
    assert settings.inspector_max_payload == 4096
    journal = Journal.from_settings(settings)
    assert (journal.enabled, journal.payloads, journal.max_entries, journal.max_bytes,
            journal.max_payload) == (True, True, 10_000, 16 * 1024 * 1024, 4096)


def test_the_environment_configures_the_journal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCKETIO_INSPECTOR", "false")
    monkeypatch.setenv("SOCKETIO_INSPECTOR_PAYLOADS", "0")
    monkeypatch.setenv("SOCKETIO_INSPECTOR_SIZE", "500")
    monkeypatch.setenv("SOCKETIO_INSPECTOR_MAX_PAYLOAD", "1024")
    journal = Journal.from_settings(load_settings())
    assert (journal.enabled, journal.payloads, journal.max_entries, journal.max_payload) == (
        False, False, 500, 1024)
    assert journal.record_event_in("sid-a", "message", (1,)) is None


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("inspector_size", "0", "greater than or equal to 1"),
    ("inspector_size", "many", "valid integer"),
    ("inspector_bytes", "1000", "greater than or equal to 1048576"),
    ("inspector_bytes", str(2 * 1024**3), "less than or equal to"),
    ("inspector_max_payload", "-5", "greater than or equal to"),
    ("inspector_max_payload", str(10 * 1024 * 1024), "less than or equal to 262144"),
    ("inspector", "maybe", "valid boolean"),
])
def test_bad_bounds_name_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                     reason: str) -> None:
    monkeypatch.setenv(f"SOCKETIO_{name.upper()}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"SOCKETIO_{name.upper()}" in str(caught.value)
    assert reason in str(caught.value)


def test_the_extreme_valid_settings_make_a_working_journal() -> None:
    settings = load_settings(inspector_bytes=1024 * 1024, inspector_max_payload=256 * 1024,
                             inspector_size=1)
    journal = Journal.from_settings(settings)
    journal.record_event_in("sid-a", "big", ("z" * 400_000,))
    journal.record_event_in("sid-a", "big", ("z" * 400_000,))
    assert len(journal) == 1 and journal.stored_bytes <= 1024 * 1024
