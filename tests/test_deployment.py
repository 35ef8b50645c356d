"""The docker-compose web service, proven without Docker (no engine here).

The web container runs ``scripts/docker-web``: migrations and checklists, then gunicorn with
several workers. This runs that script as it is, against the run's database (a throwaway
PostgreSQL cluster on the PostgreSQL run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_ROOT, fresh_database_url
from tests.test_serve import _free_port, _request


def test_compose_web_service_runs_the_migrating_start_script():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["command"] == ["scripts/docker-web"]
    assert web["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "wardwalk init" in (PROJECT_ROOT / "scripts/docker-web").read_text()


@pytest.fixture
def web_service(backend, tmp_path, request):
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": fresh_database_url(backend, tmp_path, pg_url, "wardwalk_compose"),
        "WARDWALK_INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "compose-test",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WARDWALK_DEMO": "1",
        "WARDWALK_DEMO_PASSWORD": "compose-pass",
    }
    process = subprocess.Popen(
        [str(PROJECT_ROOT / "scripts/docker-web")],
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
                pytest.fail(f"docker-web did not come up:\n{output}")
            time.sleep(0.2)
    yield base
    process.terminate()
    process.communicate(timeout=30)


def test_web_service_logs_in_across_workers(web_service):
    login = _request(
        f"{web_service}/api/v1/auth/login", {"username": "supervisor", "password": "compose-pass"}
    )
    # Several requests land on both workers; every one must see the same token.
    for _ in range(10):
        me = _request(f"{web_service}/api/v1/me", token=login["token"])
        assert me["username"] == "supervisor"


def test_web_service_publishes_the_openapi_document(web_service):
    with urllib.request.urlopen(f"{web_service}/api/openapi.json", timeout=10) as response:
        document = json.load(response)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in document["paths"]
