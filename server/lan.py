"""Where ``wardwalk serve`` can be reached: the addresses to open, printed at start.

Served on every interface (``--host 0.0.0.0``), the app is reached through this machine's LAN
addresses, which an operator should not have to look up. Phones also need HTTPS (service worker,
photo hashing and the camera need a secure context), which plain ``serve`` does not give.
"""

from __future__ import annotations

import ipaddress
import socket

EVERY_INTERFACE = {"0.0.0.0", "::", ""}
HTTPS_HINT = (
    "Phones need HTTPS for photos and offline use: open the app through the TLS proxy "
    "(docker-compose.yml) or serve with --cert/--key. See docs/deployment.md."
)


def lan_addresses() -> list[str]:
    """Return this machine's IPv4 addresses other than loopback, the default route's first."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # Connecting a UDP socket sends nothing; it only picks the outgoing interface.
            probe.connect(("192.0.2.1", 9))
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    found += [info[4][0] for info in infos]
    usable = [a for a in found if not ipaddress.ip_address(a).is_loopback]
    return list(dict.fromkeys(usable))


def startup_lines(host: str, port: int, tls: bool) -> list[str]:
    """Return what ``serve`` prints: the addresses to open and, without TLS, what phones need."""
    scheme = "https" if tls else "http"
    if host in EVERY_INTERFACE:
        hosts = ["127.0.0.1", *lan_addresses()]
    else:
        hosts = [f"[{host}]" if ":" in host else host]
    lines = [f"Wardwalk on {scheme}://{name}:{port}/" for name in hosts]
    if _is_loopback(host):
        lines.append("Only this machine can open it; --host 0.0.0.0 serves the network.")
    elif not tls:
        lines.append(HTTPS_HINT)
    return lines


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
