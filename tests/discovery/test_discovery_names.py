"""Where a hub is announced and under which name: pure functions and settings, no network."""

from __future__ import annotations

import pytest

from server import __version__
from server.config import NODE_NAME_MAX_BYTES, SettingsError, load_settings
from server.discovery.interfaces import advertised_interfaces, checked_interfaces
from server.discovery.naming import default_node_name, mdns_host_name, node_name
from server.discovery.records import Announcement
from server.network import lan_addresses


@pytest.mark.parametrize(("bind_host", "interfaces"), [
    ("127.0.0.1", ["127.0.0.1"]),
    ("127.0.0.2", ["127.0.0.2"]),
    ("localhost", ["127.0.0.1"]),
    ("192.168.1.20", ["192.168.1.20"]),
    ("fd00::2", ["fd00::2"]),
    ("::1", []),  # zeroconf cannot multicast on IPv6 loopback: not announced
])
def test_a_hub_on_one_address_is_announced_there_only(bind_host: str,
                                                      interfaces: list[str]) -> None:
    assert advertised_interfaces(bind_host) == interfaces


@pytest.mark.parametrize("bind_host", ["0.0.0.0", "::"])
def test_a_hub_on_every_address_is_announced_on_the_lan_interfaces(bind_host: str) -> None:
    interfaces = advertised_interfaces(bind_host)
    assert interfaces == lan_addresses()
    assert not any(address.startswith("127.") for address in interfaces)


@pytest.mark.parametrize("interfaces", [[], ["0.0.0.0"], ["127.0.0.1", "::"], ["eth0"]])
def test_zeroconf_is_never_left_to_pick_its_default_interfaces(interfaces: list[str]) -> None:
    with pytest.raises(ValueError):
        checked_interfaces(interfaces)


@pytest.mark.parametrize(("auth_required", "auth"), [(True, "token"), (False, "none")])
def test_txt_says_how_to_connect_and_whether_a_token_is_needed(auth_required: bool,
                                                               auth: str) -> None:
    announcement = Announcement("hub", 8765, ("127.0.0.1",), auth_required, __version__)
    assert announcement.socketio_txt() == {
        "path": "/socket.io/", "eio": "4", "auth": auth, "version": __version__,
        "dashboard": "/",
    }
    socketio, http = announcement.service_infos()
    assert (socketio.type, socketio.name) == ("_socketio._tcp.local.",
                                              "hub._socketio._tcp.local.")
    assert (http.type, http.decoded_properties["path"]) == ("_http._tcp.local.", "/")
    assert {socketio.port, http.port} == {8765}


def test_default_name_is_the_host_name_short_enough_for_one_dns_label() -> None:
    assert default_node_name("box.example.org") == "socketio-tray on box"
    long_name = default_node_name("é" * 100)
    assert long_name.startswith("socketio-tray on é")
    assert len(long_name.encode()) <= NODE_NAME_MAX_BYTES


def test_mdns_host_name_is_a_valid_host_label() -> None:
    assert mdns_host_name("My PC_2.example.org") == "My-PC-2.local."
    assert mdns_host_name("ünïcode") == "n-code.local."
    assert mdns_host_name("") == "socketio-tray.local."


def test_discovery_and_node_name_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCKETIO_DISCOVERY")  # tests/conftest.py turns it off for the tests
    assert load_settings().discovery is True
    assert node_name(load_settings()) == default_node_name()
    monkeypatch.setenv("SOCKETIO_DISCOVERY", "false")
    monkeypatch.setenv("SOCKETIO_NODE_NAME", "  Workshop hub  ")
    settings = load_settings()
    assert settings.discovery is False
    assert node_name(settings) == "Workshop hub"
    monkeypatch.setenv("SOCKETIO_NODE_NAME", " ")
    assert load_settings().node_name is None


@pytest.mark.parametrize("value", ["hub.local", "tab\there", "x" * (NODE_NAME_MAX_BYTES + 1)])
def test_a_node_name_that_cannot_be_one_dns_label_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOCKETIO_NODE_NAME", value)
    with pytest.raises(SettingsError, match="SOCKETIO_NODE_NAME"):
        load_settings()
