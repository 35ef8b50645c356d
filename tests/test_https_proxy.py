"""The TLS front of docker-compose.yml, for real: Caddy with deploy/Caddyfile before a live app.

Caddy makes the site's certificate with its internal CA, as in a hospital without a certificate
of its own; the client trusts that CA's root and nothing else, as a phone that installed it.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import urllib.request
import uuid
from pathlib import Path

import pytest

from server.client import current_bundle
from tests import factories
from tests.support.caddy import CaddyUnavailable, caddy_front

CLIENT = Path(__file__).resolve().parents[1] / "client"
OVER_LIMIT = 16 * 1024 * 1024 + 1  # one byte over MAX_CONTENT_LENGTH


@pytest.fixture
def app_config(app_config):
    """The app as docker-compose.yml configures it: behind one trusted proxy."""
    return {**app_config, "TRUSTED_PROXIES": 1}


@pytest.fixture
def front(live_server, tmp_path):
    """Caddy serving the live app over HTTPS on loopback."""
    port = int(live_server.rsplit(":", 1)[1])
    try:
        with caddy_front(port, tmp_path) as proxy:
            yield proxy
    except CaddyUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"caddy must run in CI: {exc}")
        pytest.skip(str(exc))


def login_request(front, user, **headers) -> urllib.request.Request:
    """A login of ``user`` over HTTPS through the proxy."""
    body = json.dumps({"username": user.username, "password": factories.PASSWORD}).encode()
    return urllib.request.Request(
        f"{front.https}/api/v1/auth/login",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )


def test_login_works_over_https_through_the_proxy(front, session, hospital):
    user = factories.user(session, hospital)
    session.commit()
    with urllib.request.urlopen(login_request(front, user), timeout=10, context=front.tls()) as r:
        assert json.load(r)["user"]["username"] == user.username


def test_plain_http_redirects_to_the_same_address_over_https(front):
    host, port = front.http.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/tasks?status=open")
    with connection.getresponse() as response:
        assert response.status == 308
        assert response.getheader("Location") == f"{front.https}/tasks?status=open"
    connection.close()


def test_proxy_refuses_an_upload_over_the_app_limit_before_relaying_it(front, session, hospital):
    headers = factories.auth_headers(session, factories.user(session, hospital))
    session.commit()
    host, port = front.https.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), timeout=10, context=front.tls())
    connection.putrequest("PUT", f"/api/v1/photos/{uuid.uuid4()}")
    for name, value in {**headers, "Content-Type": "image/jpeg"}.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(OVER_LIMIT))
    connection.endheaders()  # the body is refused by its announced size: none is sent
    with connection.getresponse() as response:
        assert response.status == 413
        # The app's answers all carry its security policy; this one never reached the app.
        assert response.getheader("Content-Security-Policy") is None
    connection.close()


def test_app_sees_the_forwarded_https_scheme(front, live_server):
    # The app sends HSTS only on requests it knows arrived over TLS.
    with urllib.request.urlopen(f"{front.https}/api/v1/ping", context=front.tls()) as response:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    with urllib.request.urlopen(f"{live_server}/api/v1/ping") as direct:
        assert direct.headers["Strict-Transport-Security"] is None


def test_internal_root_certificate_is_offered_over_plain_http(front):
    with urllib.request.urlopen(f"{front.http}/ca.crt", timeout=10) as response:
        assert response.headers["Content-Type"] == "application/x-x509-ca-cert"
        assert response.read() == front.root_certificate.read_bytes()


def test_the_bundle_passes_as_the_app_compressed_it_and_json_is_compressed_by_caddy(front):
    bundle = current_bundle(CLIENT)
    assert bundle is not None, "no current client bundle: run scripts/setup"
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    request = urllib.request.Request(f"{front.https}/{bundle.js}", headers=headers)
    with urllib.request.urlopen(request, timeout=10, context=front.tls()) as response:
        assert response.headers["Content-Encoding"] == "br"
        assert response.read() == (CLIENT / f"{bundle.js}.br").read_bytes()
    request = urllib.request.Request(f"{front.https}/api/openapi.json", headers=headers)
    with urllib.request.urlopen(request, timeout=10, context=front.tls()) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(response.read()))["openapi"].startswith("3.")


ROLES = ("inspector", "supervisor", "department_head", "leader")


def test_the_login_answer_is_never_compressed(front, session, hospital):
    """A token beside text the request chose must not be compressed (BREACH)."""
    # Long enough an answer (over Caddy's 512-byte floor) that it would be compressed otherwise.
    user = factories.user(session, hospital, roles=ROLES, display_name="巡查员" * 40)
    session.commit()
    request = login_request(front, user, **{"Accept-Encoding": "gzip, zstd"})
    with urllib.request.urlopen(request, timeout=10, context=front.tls()) as response:
        assert "Content-Encoding" not in response.headers
        assert json.load(response)["token"]
