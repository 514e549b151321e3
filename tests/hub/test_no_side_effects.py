"""Library code changes nothing outside itself: a ``HubServer`` built, started, serving a
client and stopped leaves the user's config file as it found it.  Keeping a generated
dashboard token is the entry points' job (tests/hub/test_config.py, tests/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.support import hub_url, running_hub, wait_until

from server.config import save_config_file


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.parametrize("existing", [None, {"port": 9100}], ids=["no file", "a file"])
async def test_a_hub_server_leaves_the_config_file_alone(tmp_path, monkeypatch, clients,
                                                         existing):
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("SOCKETIO_CONFIG_FILE", str(folder / "config.toml"))
    if existing is not None:
        save_config_file(existing)
    before = snapshot(folder)
    async with running_hub() as hub:
        assert hub.settings.dashboard_token  # this run's dashboard is protected all the same
        client = await clients("py", hub_url(hub), "websocket")
        await wait_until(lambda: client.sid in hub.manager, message="registration")
        await client.close()
    assert snapshot(folder) == before
