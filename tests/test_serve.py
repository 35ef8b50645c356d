"""``wardwalk serve`` as an operator runs it: a real gunicorn process on a fresh database.

On the PostgreSQL run this is the docker-compose web service without Docker: migrations on
start, then gunicorn against PostgreSQL.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, fresh_database_url
from tests.support.servers import free_port, request_json, running


@pytest.fixture
def served(backend, tmp_path, request):
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    port = free_port()
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
    command = [str(wardwalk), "serve", "--port", str(port), "--threads", "2"]
    with running(command, f"http://127.0.0.1:{port}", env, PROJECT_ROOT) as base:
        yield base


def test_serve_answers_ping_and_serves_the_seeded_demo(served):
    login = request_json(
        f"{served}/api/v1/auth/login", {"username": "inspector", "password": "serve-test-pass"}
    )
    checklists = request_json(f"{served}/api/v1/checklists", token=login["token"])
    assert {c["id"] for c in checklists} == {"civilized-city", "infection-control", "smoke-free"}


def test_serve_serves_the_client_shell(served):
    with urllib.request.urlopen(f"{served}/", timeout=10) as response:
        assert response.status == 200
        assert "text/html" in response.headers["Content-Type"]


def test_serve_runs_the_scheduled_jobs_in_its_worker(served):
    # On a fresh demo no place has been inspected: the coverage job, run once at start by the
    # embedded scheduler, tells the supervisor.
    login = request_json(
        f"{served}/api/v1/auth/login", {"username": "supervisor", "password": "serve-test-pass"}
    )
    deadline = time.monotonic() + 30
    codes: list[str] = []
    while time.monotonic() < deadline and "coverage.gap" not in codes:
        inbox = request_json(f"{served}/api/v1/notifications", token=login["token"])
        codes = [notification["code"] for notification in inbox]
        time.sleep(0.3)
    assert "coverage.gap" in codes
