"""Security headers on every kind of answer (server/headers.py).

Each kind (the app shell, the worker, client files, API JSON, photos, downloads, printable
pages, and errors of every sort) is fetched once and checked for every header; the policies
themselves are checked for what they promise.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests import factories

APP, API, PRINTABLE = "app", "api", "printable"
WEEK = "2026-W48"


@pytest.fixture
def app_config(app_config):
    """A login limit of one attempt, so that a 429 is one request away."""
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "1 per 15 minutes"}


@pytest.fixture
def answers(app, client, make_user, inspector, place):
    """Fetch one answer of each kind: ``{name: (kind, response)}``."""

    @app.get("/api/v1/test-crash")
    def crash():
        raise RuntimeError("a bug")  # answered 500 server.error: headers on that path too

    _user, headers = inspector
    _supervisor, supervisor = make_user("supervisor")
    data = factories.jpeg_bytes()
    photo = factories.photo_ref(data)
    inspection = factories.inspection_payload(place.id)
    finding = factories.finding_payload(inspection["id"], result="fail", photos=[photo])
    pushed = client.post(
        "/api/v1/sync/push",
        json=factories.push_body([inspection], [finding]),
        headers=headers,
    )
    assert pushed.status_code == 200
    uploaded = client.put(
        f"/api/v1/photos/{photo['id']}",
        data=data,
        headers={**headers, "Content-Type": "image/jpeg", "X-Content-SHA256": photo["sha256"]},
    )
    assert uploaded.status_code == 201

    def login(password):
        return client.post("/api/v1/auth/login", json={"username": "x", "password": password})

    fetched = {
        "shell": (APP, client.get("/")),
        "worker": (APP, client.get("/sw.js")),
        "script": (APP, client.get("/js/main.js")),
        "stylesheet": (APP, client.get("/css/app.css")),
        "manifest": (APP, client.get("/manifest.webmanifest")),
        "catalogue": (APP, client.get("/i18n/zh-CN.json")),
        "client file missing": (APP, client.get("/no-such-file.js")),
        "ping": (API, client.get("/api/v1/ping")),
        "openapi": (API, client.get("/api/openapi.json")),
        "json": (API, client.get("/api/v1/me", headers=headers)),
        "photo": (API, client.get(f"/api/v1/photos/{photo['id']}", headers=headers)),
        "thumbnail": (
            API,
            client.get(f"/api/v1/photos/{photo['id']}?size=thumb", headers=headers),
        ),
        "download": (
            API,
            client.get(f"/api/v1/reports/weekly.csv?week={WEEK}", headers=supervisor),
        ),
        "weekly report": (
            PRINTABLE,
            client.get(f"/api/v1/reports/weekly.html?week={WEEK}", headers=supervisor),
        ),
        "inspection report": (
            PRINTABLE,
            client.get(f"/api/v1/inspections/{inspection['id']}/report", headers=headers),
        ),
        "labels": (PRINTABLE, client.get("/api/v1/locations/labels.html", headers=supervisor)),
        "401": (API, client.get("/api/v1/me")),
        "404": (API, client.get("/api/v1/tasks/999999", headers=headers)),
        "405": (API, client.delete("/api/v1/ping")),
        "422": (API, login("")),
        "429": (API, (login("first"), login("second"))[1]),
        "500": (API, client.get("/api/v1/test-crash")),
    }
    expected = {"404": 404, "401": 401, "405": 405, "422": 422, "429": 429, "500": 500}
    expected["client file missing"] = 404
    for name, (_kind, response) in fetched.items():
        assert response.status_code == expected.get(name, 200), (name, response.status_code)
        response.get_data()  # read, then release the file a client file was streamed from
        response.close()
    return fetched


def _each(answers):
    for name, (kind, response) in answers.items():
        yield name, kind, response.headers


def test_every_answer_forbids_sniffing_and_referrers(answers):
    for name, _kind, headers in _each(answers):
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name


def test_every_answer_allows_the_camera_to_this_origin_only(answers):
    for name, _kind, headers in _each(answers):
        features = dict(
            item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(",")
        )
        assert features.pop("camera") == "(self)", name
        assert features and set(features.values()) == {"()"}, name
        assert {"microphone", "geolocation", "payment", "usb"} <= features.keys(), name


def test_app_and_api_answers_may_be_framed_by_nobody(answers):
    for name, kind, headers in _each(answers):
        if kind != PRINTABLE:
            assert headers["X-Frame-Options"] == "DENY", name
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name


def test_printable_pages_may_be_framed_by_the_app_only(answers):
    for name, kind, headers in _each(answers):
        if kind == PRINTABLE:
            assert headers["X-Frame-Options"] == "SAMEORIGIN", name
            assert "frame-ancestors 'self'" in headers["Content-Security-Policy"], name


def test_no_policy_allows_inline_or_evaluated_code(answers):
    for name, _kind, headers in _each(answers):
        policy = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, name
        assert "base-uri 'none'" in policy and "form-action 'none'" in policy, name


def test_the_app_loads_scripts_and_styles_from_its_own_origin_only(answers):
    for name, kind, headers in _each(answers):
        if kind == APP:
            directives = _directives(headers["Content-Security-Policy"])
            assert directives["default-src"] == ["'self'"], name
            assert directives["script-src"] == ["'self'"], name
            assert directives["style-src"][0] == "'self'", name
            assert all(source.startswith("'sha256-") for source in directives["style-src"][1:])
            assert directives["object-src"] == ["'none'"], name


def test_api_answers_may_load_nothing(answers):
    for name, kind, headers in _each(answers):
        if kind == API:
            assert headers["Content-Security-Policy"].startswith("default-src 'none';"), name


def test_printable_pages_load_only_data_images_and_their_own_styles(answers):
    for name, kind, headers in _each(answers):
        if kind == PRINTABLE:
            directives = _directives(headers["Content-Security-Policy"])
            assert directives["default-src"] == ["'none'"], name
            assert directives["img-src"] == ["data:"], name


def test_each_printable_style_block_is_allowed_by_its_hash_in_the_page_and_in_the_app(answers, app):
    # The app shows these pages in a srcdoc iframe or a blob: window: they run under its policy.
    app_styles = _directives(app.extensions["security_policies"].app)["style-src"]
    for name, kind, response in ((n, k, r) for n, (k, r) in answers.items()):
        if kind != PRINTABLE:
            continue
        blocks = re.findall(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S)
        assert blocks, name
        page_styles = _directives(response.headers["Content-Security-Policy"])["style-src"]
        for block in blocks:
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in page_styles, name
            assert f"'sha256-{digest}'" in app_styles, name


def test_no_style_attribute_needs_an_exception(answers):
    for name, kind, response in ((n, k, r) for n, (k, r) in answers.items()):
        if kind == PRINTABLE:
            assert not re.search(r"\sstyle=", response.get_data(as_text=True)), name


def test_plain_http_answers_carry_no_hsts(answers):
    for name, _kind, headers in _each(answers):
        assert "Strict-Transport-Security" not in headers, name


def test_answers_over_tls_carry_hsts(client):
    for path in ("/", "/api/v1/ping", "/api/v1/me"):
        with client.get(path, base_url="https://wardwalk.example") as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_a_forwarded_proto_is_ignored_without_a_trusted_proxy(client):
    with client.get("/", headers={"X-Forwarded-Proto": "https"}) as response:
        assert "Strict-Transport-Security" not in response.headers


class TestBehindATrustedTlsProxy:
    """With TRUSTED_PROXIES=1, the proxy's X-Forwarded-Proto says whether the client used TLS."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXIES": 1}

    def test_https_at_the_proxy_brings_hsts(self, client):
        with client.get("/", headers={"X-Forwarded-Proto": "https"}) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    def test_http_at_the_proxy_brings_none(self, client):
        with client.get("/", headers={"X-Forwarded-Proto": "http"}) as response:
            assert "Strict-Transport-Security" not in response.headers


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed
