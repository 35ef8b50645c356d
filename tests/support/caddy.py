"""Run Caddy with the repository's Caddyfile (deploy/Caddyfile) in front of a test server.

The file is used as it is: the environment names a loopback site address, free ports, the
upstream and folders under the test's ``tmp_path``, as docker-compose.yml names the real ones.
Caddy's internal CA makes the site's certificate; its root is what a phone would install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port

CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile"


class CaddyUnavailable(RuntimeError):
    """No ``caddy`` binary here (Debian's package: ``apt-get install caddy``)."""


@dataclass(frozen=True)
class Front:
    """A running proxy: its HTTPS and HTTP addresses and its internal root certificate."""

    https: str
    http: str
    root_certificate: Path

    def tls(self) -> ssl.SSLContext:
        """A TLS context that trusts only this proxy's root, as a phone that installed it."""
        return ssl.create_default_context(cafile=str(self.root_certificate))


@contextlib.contextmanager
def caddy_front(upstream_port: int, directory: Path, timeout: float = 30) -> Iterator[Front]:
    """Serve ``127.0.0.1:upstream_port`` over HTTPS on loopback until the block ends."""
    binary = shutil.which("caddy")
    if binary is None:
        raise CaddyUnavailable("caddy is not installed")
    http_port, https_port = free_port(), free_port()
    data = directory / "caddy-data"
    ca_dir = data / "caddy" / "pki" / "authorities" / "local"
    env = {
        **os.environ,
        "SITE_ADDRESS": "127.0.0.1",
        "UPSTREAM": f"127.0.0.1:{upstream_port}",
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "CA_DIR": str(ca_dir),
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(directory / "caddy-config"),
    }
    env.pop("TLS", None)  # the default: `tls internal`
    command = [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    process = subprocess.Popen(
        command, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    front = Front(
        f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", ca_dir / "root.crt"
    )
    try:
        _wait_until_serving(front, process, timeout)
        yield front
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _wait_until_serving(front: Front, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if front.root_certificate.exists():
                ping = f"{front.https}/api/v1/ping"
                with urllib.request.urlopen(ping, timeout=5, context=front.tls()):
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output, _ = process.communicate()
            raise RuntimeError(f"caddy did not come up:\n{output}")
        time.sleep(0.2)
