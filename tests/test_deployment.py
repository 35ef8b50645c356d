"""The docker-compose web service, proven without Docker (no engine here).

The web container runs ``scripts/docker-web``: migrations and checklists, then gunicorn with
several workers. This runs that script as it is, against the run's database (a throwaway
PostgreSQL cluster on the PostgreSQL run).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_ROOT, fresh_database_url
from tests.support.servers import free_port, request_json, running


def test_compose_web_service_runs_the_migrating_start_script():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["command"] == ["scripts/docker-web"]
    assert web["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "wardwalk init" in (PROJECT_ROOT / "scripts/docker-web").read_text()


def test_compose_web_workers_count_login_attempts_in_the_shared_redis():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["environment"]["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert compose["services"]["redis"]["image"].startswith("redis:")


def test_compose_web_service_is_reached_only_through_the_tls_proxy():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    web, proxy = compose["services"]["web"], compose["services"]["proxy"]
    assert "ports" not in web
    assert web["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-1}"
    assert proxy["image"] == "caddy:2"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])


@pytest.fixture(scope="module")
def web_service(backend, tmp_path_factory, request, redis_server):
    """``scripts/docker-web`` serving a new database, started once for this module's tests: each
    start migrates, seeds and forks its workers (~11 s), and the tests only log in and read."""
    import redis

    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    tmp_path = tmp_path_factory.mktemp("web-service")
    redis_url = redis_server.url()
    with redis.Redis.from_url(redis_url) as connection:
        connection.flushdb()
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": fresh_database_url(backend, tmp_path, pg_url, "wardwalk_compose"),
        "WARDWALK_INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "compose-test",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "RATELIMIT_STORAGE_URI": redis_url,  # several workers share their login counters
        "WARDWALK_DEMO": "1",
        "WARDWALK_DEMO_PASSWORD": "compose-pass",
    }
    command = [str(PROJECT_ROOT / "scripts/docker-web")]
    with running(command, f"http://127.0.0.1:{port}", env, PROJECT_ROOT) as base:
        yield base


def test_web_service_logs_in_across_workers(web_service):
    login = request_json(
        f"{web_service}/api/v1/auth/login", {"username": "supervisor", "password": "compose-pass"}
    )
    # Several requests land on both workers; every one must see the same token.
    for _ in range(10):
        me = request_json(f"{web_service}/api/v1/me", token=login["token"])
        assert me["username"] == "supervisor"


def test_web_service_publishes_the_openapi_document(web_service):
    with urllib.request.urlopen(f"{web_service}/api/openapi.json", timeout=10) as response:
        document = json.load(response)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in document["paths"]


def test_web_service_answers_carry_the_security_headers(web_service):
    with urllib.request.urlopen(f"{web_service}/", timeout=10) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
