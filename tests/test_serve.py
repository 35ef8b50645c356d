"""``wardwalk serve`` as an operator runs it: a real gunicorn process on a fresh database.

On the PostgreSQL run this is the docker-compose web service without Docker: migrations on
start, then gunicorn against PostgreSQL.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, fresh_database_url
from tests.support.servers import free_port, request_json, running


def serve_env(backend, tmp_path, request, name: str) -> dict:
    """The environment of ``wardwalk serve`` on a fresh database ``name`` of the run's kind."""
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    env = {
        **os.environ,
        "WARDWALK_INSTANCE_DIR": str(tmp_path / "instance"),
        "WARDWALK_DEMO_PASSWORD": "serve-test-pass",
    }
    if backend == "postgresql":
        env["DATABASE_URL"] = fresh_database_url(backend, tmp_path, pg_url, name)
    else:
        env.pop("DATABASE_URL", None)
    return env


WARDWALK = Path(sys.executable).parent / "wardwalk"


# Each server below is started once per module: a start migrates, seeds and forks (~6 s), and
# the tests only log in and read.


@pytest.fixture(scope="module")
def served(backend, tmp_path_factory, request):
    port = free_port()
    env = serve_env(backend, tmp_path_factory.mktemp("serve"), request, "wardwalk_serve")
    command = [str(WARDWALK), "serve", "--port", str(port), "--threads", "2"]
    with running(command, f"http://127.0.0.1:{port}", env, PROJECT_ROOT) as base:
        yield base


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    directory = tmp_path_factory.mktemp("certificate")
    cert, key = directory / "site.crt", directory / "site.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def served_tls(backend, tmp_path_factory, request, certificate):
    cert, key = certificate
    port = free_port()
    env = serve_env(backend, tmp_path_factory.mktemp("serve-tls"), request, "wardwalk_serve_tls")
    command = [str(WARDWALK), "serve", "--port", str(port), "--threads", "2"]
    command += ["--cert", str(cert), "--key", str(key)]
    trust = ssl.create_default_context(cafile=str(cert))
    with running(command, f"https://127.0.0.1:{port}", env, PROJECT_ROOT, context=trust) as base:
        yield base, trust


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


def test_serve_with_cert_and_key_serves_https(served_tls):
    base, trust = served_tls
    login = request_json(
        f"{base}/api/v1/auth/login",
        {"username": "inspector", "password": "serve-test-pass"},
        context=trust,
    )
    assert login["user"]["username"] == "inspector"


def test_serve_over_tls_tells_browsers_to_keep_to_https(served_tls):
    base, trust = served_tls
    with urllib.request.urlopen(f"{base}/", timeout=10, context=trust) as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_serve_refuses_a_certificate_without_its_key(runner, certificate):
    cert, _key = certificate
    result = runner.invoke(args=["serve", "--cert", str(cert)])
    assert result.exit_code != 0
    assert "--cert and --key go together" in result.output
