"""A throwaway PostgreSQL cluster stops with the process that started it (support/postgres.py)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.support.gunicorn import PROJECT_ROOT

pytestmark = pytest.mark.postgres_only  # it starts a cluster of its own; once per CI run is enough

_STARTS_A_CLUSTER = (
    "import time\n"
    "from tests.support.postgres import start_cluster\n"
    "cluster = start_cluster()\n"
    "print(cluster.port, cluster.base, flush=True)\n"
    "time.sleep(300)\n"
)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _refuses_within(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _accepts(port):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_cluster_stops_when_the_process_that_started_it_is_killed(how):
    with subprocess.Popen(
        [sys.executable, "-c", _STARTS_A_CLUSTER],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as starter:
        started = starter.stdout.readline()
        assert started, "the starter did not start its cluster"
        port_text, base = started.split()
        try:
            port = int(port_text)
            assert _accepts(port)
            starter.send_signal(how)  # no finalizer runs: only the kernel can stop the cluster now
            starter.wait(timeout=30)
            assert _refuses_within(port, 30)
        finally:
            starter.kill()
            shutil.rmtree(base, ignore_errors=True)
