"""``wardwalk serve`` as an operator runs it: a real gunicorn process on a fresh database.

On the PostgreSQL run this is the docker-compose web service without Docker: migrations on
start, then gunicorn against PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, fresh_database_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, body: dict | None = None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def served(backend, tmp_path, request):
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    port = _free_port()
    env = {
        **os.environ,
        "WARDWALK_INSTANCE_DIR": str(tmp_path / "instance"),
        "WARDWALK_DEMO_PASSWORD": "serve-test-pass",
    }
    if backend == "postgresql":
        env["DATABASE_URL"] = fresh_database_url(backend, tmp_path, pg_url, "wardwalk_serve")
    else:
        env.pop("DATABASE_URL", None)
    wardwalk = Path(sys.executable).parent / "wardwalk"
    process = subprocess.Popen(
        [str(wardwalk), "serve", "--port", str(port), "--threads", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _request(f"{base}/api/v1/ping")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output, _ = process.communicate()
                pytest.fail(f"wardwalk serve did not come up:\n{output}")
            time.sleep(0.2)
    yield base
    process.terminate()
    process.communicate(timeout=20)


def test_serve_answers_ping_and_serves_the_seeded_demo(served):
    login = _request(
        f"{served}/api/v1/auth/login", {"username": "inspector", "password": "serve-test-pass"}
    )
    checklists = _request(f"{served}/api/v1/checklists", token=login["token"])
    assert {c["id"] for c in checklists} == {"civilized-city", "infection-control", "smoke-free"}


def test_serve_serves_the_client_shell(served):
    with urllib.request.urlopen(f"{served}/", timeout=10) as response:
        assert response.status == 200
        assert "text/html" in response.headers["Content-Type"]
