"""Login limits hold across workers and hosts: two compose web services, two gunicorn workers each.

Both "hosts" run ``scripts/docker-web`` as it is, on the run's database and one real Redis. The
tests alternate between the hosts, so with per-process counters every worker would see only part
of the attempts and let the N+1th through; with the shared Redis it is refused wherever it lands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, fresh_database_url
from tests.support.servers import free_port, running

PASSWORD = "limits-pass"
ACCOUNT_LIMIT = 4
ADDRESS_LIMIT = 10


def _env(database_url: str, instance: Path, port: int, **extra: str) -> dict:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": database_url,
        "WARDWALK_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "limits-test",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
        "WARDWALK_DEMO_PASSWORD": PASSWORD,
        "LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": f"{ADDRESS_LIMIT} per 15 minutes",
        **extra,
    }


@pytest.fixture(scope="module")
def hosts(backend, tmp_path_factory, request, redis_server):
    """Two web services (2 workers each) on one database and one Redis; the first seeds the demo."""
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    base = tmp_path_factory.mktemp("hosts")
    database_url = fresh_database_url(backend, base, pg_url, "wardwalk_limits")
    command = [str(PROJECT_ROOT / "scripts/docker-web")]
    storage = {"RATELIMIT_STORAGE_URI": redis_server.url(1)}
    first, second = free_port(), free_port()
    first_env = _env(database_url, base / "a", first, WARDWALK_DEMO="1", **storage)
    second_env = _env(database_url, base / "b", second, **storage)
    with (
        running(command, f"http://127.0.0.1:{first}", first_env, PROJECT_ROOT) as host_a,
        running(command, f"http://127.0.0.1:{second}", second_env, PROJECT_ROOT) as host_b,
    ):
        yield host_a, host_b


@pytest.fixture(autouse=True)
def fresh_counters(hosts, redis_server):
    """Every test starts with no attempt counted."""
    import redis

    with redis.Redis.from_url(redis_server.url(1)) as connection:
        connection.flushdb()


def login(base: str, username: str, password: str = "wrong-password") -> tuple[int, dict, dict]:
    """POST a login; return the status, the headers and the JSON body (errors included)."""
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def alternate(hosts, times: int):
    """Yield a host for each of ``times`` attempts, switching every time."""
    for number in range(times):
        yield hosts[number % 2]


def test_the_attempt_after_the_account_limit_is_refused_on_every_host(hosts):
    statuses = [login(host, "inspector")[0] for host in alternate(hosts, ACCOUNT_LIMIT)]
    assert statuses == [401] * ACCOUNT_LIMIT
    for host in hosts:
        status, _headers, body = login(host, "inspector", PASSWORD)
        assert (status, body["code"]) == (429, "auth.too_many_attempts")


def test_the_refusal_carries_retry_after_from_whichever_host_answers(hosts):
    for host in alternate(hosts, ACCOUNT_LIMIT):
        login(host, "inspector")
    for host in hosts:
        status, headers, body = login(host, "inspector")
        assert status == 429
        assert 0 < int(headers["Retry-After"]) <= 15 * 60
        assert body["retry_after"] == int(headers["Retry-After"])


def test_another_account_from_the_same_address_logs_in_while_one_is_locked(hosts):
    for host in alternate(hosts, ACCOUNT_LIMIT + 1):
        login(host, "inspector")
    for host in hosts:
        status, _headers, body = login(host, "supervisor", PASSWORD)
        assert status == 200 and body["user"]["username"] == "supervisor"


def test_the_address_limit_holds_across_hosts(hosts):
    attempts = alternate(hosts, ADDRESS_LIMIT)
    statuses = [login(host, f"guess-{number}")[0] for number, host in enumerate(attempts)]
    assert statuses == [401] * ADDRESS_LIMIT
    for host in hosts:
        status, _headers, body = login(host, "supervisor", PASSWORD)
        assert (status, body["code"]) == (429, "auth.too_many_attempts")


def test_several_workers_without_shared_counters_refuse_to_start(backend, tmp_path, request):
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    database_url = fresh_database_url(backend, tmp_path, pg_url, "wardwalk_limits_memory")
    env = _env(database_url, tmp_path / "instance", free_port())
    env.pop("RATELIMIT_STORAGE_URI", None)
    result = subprocess.run(
        [str(PROJECT_ROOT / "scripts/docker-web")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in result.stderr
