"""Which of this machine's addresses the window lists and mDNS announces: LAN ones only.

``lan_ipv4`` is pure over (interface name, address) pairs, so no network is touched.
"""

from __future__ import annotations

import ifaddr
import pytest

from server.network import ADAPTERS_MAX_AGE_SECONDS, Adapters, lan_addresses, lan_ipv4


def test_lan_interfaces_are_kept_in_order_and_once() -> None:
    pairs = [("eth0", "192.168.1.20"), ("wlan0", "10.0.0.7"), ("eth0:1", "192.168.1.20"),
             ("br0", "192.168.2.1"), ("Ethernet", "172.20.0.3")]
    assert lan_ipv4(pairs) == ["192.168.1.20", "10.0.0.7", "192.168.2.1", "172.20.0.3"]


@pytest.mark.parametrize("name", [
    "docker0", "br-3f2a9c1d", "veth12ab", "virbr0", "vmnet8", "vboxnet0", "lxcbr0",
    "tun0", "tap0", "wg0", "utun3", "ztabcdef12", "tailscale0", "Tailscale",
    "ZeroTier One [8056c2e21c]", "vEthernet (WSL)", "TAP-Windows Adapter V9",
])
def test_bridges_and_tunnels_are_left_out(name: str) -> None:
    assert lan_ipv4([(name, "172.17.0.1"), ("eth0", "192.168.1.20")]) == ["192.168.1.20"]


def test_loopback_link_local_and_ipv6_are_left_out() -> None:
    pairs = [("lo", "127.0.0.1"), ("eth0", "169.254.3.4"), ("eth0", "fd00::2"),
             ("eth0", "not an address")]
    assert lan_ipv4(pairs) == []


def test_this_machine_lists_no_loopback() -> None:
    assert "127.0.0.1" not in lan_addresses()


def test_the_interfaces_are_read_once_within_the_max_age() -> None:
    """``/api/info`` lists the LAN addresses to anyone on the LAN: each request must not
    read the interfaces again."""
    now = [0.0]
    reads: list[float] = []

    def read() -> list[ifaddr.Adapter]:
        reads.append(now[0])
        return ifaddr.get_adapters()

    interfaces = Adapters(read, clock=lambda: now[0])
    first = lan_addresses(interfaces)
    now[0] += ADAPTERS_MAX_AGE_SECONDS / 2
    assert lan_addresses(interfaces) == first
    assert reads == [0.0]
    now[0] += ADAPTERS_MAX_AGE_SECONDS / 2
    assert lan_addresses(interfaces) == first
    assert reads == [0.0, ADAPTERS_MAX_AGE_SECONDS]
