"""What ``wardwalk serve`` (and so ``scripts/run``) prints about where it can be opened."""

from __future__ import annotations

import ipaddress

from server import lan


def test_serving_every_interface_lists_each_lan_address(monkeypatch):
    monkeypatch.setattr(lan, "lan_addresses", lambda: ["192.168.10.5", "10.0.0.7"])
    lines = lan.startup_lines("0.0.0.0", 8080, tls=False)
    assert lines[:3] == [
        "Wardwalk on http://127.0.0.1:8080/",
        "Wardwalk on http://192.168.10.5:8080/",
        "Wardwalk on http://10.0.0.7:8080/",
    ]


def test_serving_the_network_without_tls_says_phones_need_https(monkeypatch):
    monkeypatch.setattr(lan, "lan_addresses", lambda: ["192.168.10.5"])
    lines = lan.startup_lines("0.0.0.0", 8000, tls=False)
    assert lines[-1] == lan.HTTPS_HINT
    assert "docs/deployment.md" in lan.HTTPS_HINT


def test_serving_the_network_with_tls_prints_https_addresses_and_no_warning(monkeypatch):
    monkeypatch.setattr(lan, "lan_addresses", lambda: ["192.168.10.5"])
    lines = lan.startup_lines("0.0.0.0", 8443, tls=True)
    assert lines == [
        "Wardwalk on https://127.0.0.1:8443/",
        "Wardwalk on https://192.168.10.5:8443/",
    ]


def test_serving_loopback_says_how_to_serve_the_network():
    lines = lan.startup_lines("127.0.0.1", 8000, tls=False)
    assert lines == [
        "Wardwalk on http://127.0.0.1:8000/",
        "Only this machine can open it; --host 0.0.0.0 serves the network.",
    ]


def test_lan_addresses_are_ipv4_and_never_loopback():
    for address in lan.lan_addresses():
        assert not ipaddress.IPv4Address(address).is_loopback
