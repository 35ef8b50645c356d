"""One error shape for every failure, and no client input that reaches a 500 (contract: General)."""

import json
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from server import extensions
from tests import factories

LOGIN = "/api/v1/auth/login"
USERS = "/api/v1/users"
JSON = "application/json"


def test_malformed_json_is_400_request_malformed(client, assert_error):
    response = client.post(LOGIN, data='{"username": "a",', content_type=JSON)
    assert_error(response, 400, "request.malformed")


def test_wrong_json_types_are_422_naming_each_field(client, assert_error):
    response = client.post(LOGIN, json={"username": 5, "password": []})
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_missing_fields_are_422_naming_each_field(client, assert_error):
    response = client.post(LOGIN, json={})
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_unknown_fields_are_422_naming_the_field(client, assert_error):
    response = client.post(LOGIN, json={"username": "a", "password": "b", "is_admin": True})
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"is_admin"}


@pytest.mark.parametrize("body", ["[]", '["admin", "secret"]', '"admin"', "null", "42", "true"])
def test_a_body_that_is_not_an_object_is_a_client_error(client, body):
    response = client.post(LOGIN, data=body, content_type=JSON)
    assert 400 <= response.status_code < 500
    assert response.json["status"] == response.status_code


def test_unknown_api_route_is_404_in_the_error_shape(client, assert_error):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_api_route_is_not_answered_by_the_client_app(client):
    response = client.get("/api/v1/no-such-thing/index.html")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


def test_posting_to_an_unknown_api_route_is_404(client, assert_error):
    assert_error(client.post("/api/v1/no-such-thing", json={}), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(client, assert_error):
    response = client.delete("/api/v1/ping")
    assert_error(response, 405, "request.method_not_allowed")
    assert "GET" in response.headers["Allow"]


def _allowed(response) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


def test_a_405_allows_only_the_methods_of_the_route(client):
    assert _allowed(client.delete("/api/v1/ping")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/ping", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/auth/login", {"POST", "OPTIONS"}),
        ("/api/v1/tasks/1", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    ],
)
def test_options_lists_only_the_methods_of_the_route(client, path, methods):
    response = client.options(path)
    assert response.status_code == 200
    assert _allowed(response) == methods


def test_options_on_an_unknown_api_route_is_404(client, assert_error):
    assert_error(client.options("/api/v1/no-such-thing"), 404, "not_found")


def test_an_unknown_query_parameter_is_422_naming_it(client, make_user, assert_error):
    _user, headers = make_user("supervisor")
    response = client.get("/api/v1/tasks?departmentid=3", headers=headers)
    assert list(assert_error(response, 422, "request.invalid")["errors"]) == ["departmentid"]


class TestBodyLimit:
    """Bodies over MAX_CONTENT_LENGTH (here 1 KiB) are refused before they are parsed."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAX_CONTENT_LENGTH": 1024}

    def test_a_body_over_the_limit_is_413_in_the_error_shape(self, client, assert_error):
        response = client.post(LOGIN, json={"username": "a", "password": "x" * 2048})
        assert_error(response, 413, "request.too_large")

    def test_a_body_under_the_limit_is_read(self, client, assert_error):
        response = client.post(LOGIN, json={"username": "a", "password": "x" * 200})
        assert_error(response, 401, "auth.invalid_credentials")


def _valid_user(hospital_id: int) -> dict:
    return {
        "username": "new.user",
        "display_name": "新用户",
        "password": "long-enough-1",
        "roles": ["inspector"],
        "hospital_ids": [hospital_id],
    }


# (body, content type); a body given as a dict is sent as JSON.
HOSTILE = [
    pytest.param(b"", JSON, id="empty"),
    pytest.param(b"{", JSON, id="truncated"),
    pytest.param(b"\xff\xfe\x00{", JSON, id="not-utf8"),
    pytest.param(b"[" * 5000 + b"]" * 5000, JSON, id="deeply-nested"),
    pytest.param(b'{"username": NaN, "password": Infinity}', JSON, id="nan"),
    pytest.param(b'{"username": 1e999, "password": -1e999}', JSON, id="huge-floats"),
    pytest.param(b'{"username": "\\ud800", "password": "\\udfff"}', JSON, id="lone-surrogates"),
    pytest.param(b'{"username": "a\\u0000b", "password": "x\\u0000"}', JSON, id="nul-chars"),
    pytest.param({"username": {"$ne": ""}, "password": {"$gt": ""}}, JSON, id="operators"),
    pytest.param({"username": "a" * 100_000, "password": "b" * 100_000}, JSON, id="long"),
    pytest.param({"username": None, "password": None}, JSON, id="nulls"),
    pytest.param(b'{"username": "a", "username": "b", "password": "c"}', JSON, id="dup-keys"),
    pytest.param(b"username=admin&password=x", "application/x-www-form-urlencoded", id="form"),
    pytest.param(b'{"username": "a", "password": "b"}', "text/plain", id="text-plain"),
    pytest.param(b"\x89PNG\r\n\x1a\n", "image/png", id="image"),
    pytest.param(
        b'{"username": "a", "password": "b"}', "application/json; charset=utf-16", id="u16"
    ),
    pytest.param(
        b'--x\r\nContent-Disposition: form-data; name="username"\r\n\r\na\r\n--x--\r\n',
        "multipart/form-data; boundary=x",
        id="multipart",
    ),
]

# Bodies that are valid JSON objects but hold values a database cannot take.
HOSTILE_USERS = [
    pytest.param({"hospital_ids": [2**70]}, id="huge-hospital-id"),
    pytest.param({"hospital_ids": [-1]}, id="negative-hospital-id"),
    pytest.param({"department_id": 2**70}, id="huge-department-id"),
    pytest.param({"department_id": -(2**63)}, id="negative-department-id"),
    pytest.param({"display_name": "a\x00b"}, id="nul-in-display-name"),
    pytest.param({"display_name": "\ud800"}, id="surrogate-in-display-name"),
    pytest.param({"password": "long-enough\ud800"}, id="surrogate-in-password"),
    pytest.param({"password": "long-enough\x00"}, id="nul-in-password"),
    pytest.param({"roles": "admin"}, id="roles-not-a-list"),
    pytest.param({"roles": [None]}, id="null-role"),
    pytest.param({"hospital_ids": [True]}, id="boolean-id"),
    pytest.param({"hospital_ids": "1"}, id="ids-not-a-list"),
    pytest.param({"department_id": 1.5}, id="fractional-id"),
]


def _send(client, path, body, content_type, headers=None):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return client.post(path, data=body, content_type=content_type, headers=headers or {})


def _assert_client_error_shape(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.status_code >= 400
    body = response.json
    assert {"code", "status", "message"} <= set(body)
    assert body["status"] == response.status_code


@pytest.mark.parametrize(("body", "content_type"), HOSTILE)
def test_hostile_login_bodies_get_a_client_error(client, body, content_type):
    _assert_client_error_shape(_send(client, LOGIN, body, content_type))


@pytest.mark.parametrize(("body", "content_type"), HOSTILE)
def test_hostile_user_bodies_get_a_client_error(client, make_user, body, content_type):
    _admin, headers = make_user("admin")
    _assert_client_error_shape(_send(client, USERS, body, content_type, headers))


@pytest.mark.parametrize("changes", HOSTILE_USERS)
def test_hostile_user_values_get_a_client_error(client, hospital, make_user, changes):
    _admin, headers = make_user("admin")
    body = {**_valid_user(hospital.id), **changes}
    _assert_client_error_shape(_send(client, USERS, body, JSON, headers))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/99999999999999999999999",
        "/api/v1/users?department_id=99999999999999999999",
        "/api/v1/users?role=%00",
        "/api/v1/checklists/a%00b",
        "/api/v1/checklists/smoke-free?version=99999999999999999999",
        "/api/v1/checklists/%ED%A0%80",
    ],
)
def test_hostile_paths_and_queries_get_a_client_error(client, make_user, path):
    _admin, headers = make_user("admin")
    _assert_client_error_shape(client.get(path, headers=headers))


# Below the first id, beyond a 32-bit id column (PostgreSQL), beyond SQLite's 64-bit integers.
OUT_OF_RANGE_IDS = [0, 2**31, 2**64]


@pytest.mark.parametrize("number", OUT_OF_RANGE_IDS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tasks/{}"),
        ("patch", "/api/v1/tasks/{}"),
        ("get", "/api/v1/tasks/{}/events"),
        ("post", "/api/v1/tasks/{}/evidence"),
        ("post", "/api/v1/tasks/{}/verify"),
        ("post", "/api/v1/notifications/{}/read"),
        ("get", "/api/v1/users/{}"),
        ("patch", "/api/v1/users/{}"),
    ],
)
def test_an_id_in_a_path_that_no_row_can_have_is_404(
    client, make_user, assert_error, method, path, number
):
    _admin, headers = make_user("admin", "supervisor")
    response = getattr(client, method)(path.format(number), headers=headers, json={})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/tasks?location_id={}", "location_id"),
        ("/api/v1/tasks?department_id={}", "department_id"),
        ("/api/v1/tasks?assignee_id={}", "assignee_id"),
        ("/api/v1/tasks?page={}", "page"),
        ("/api/v1/inspections?location_id={}", "location_id"),
        ("/api/v1/users?department_id={}", "department_id"),
        ("/api/v1/reports/weekly?hospital_id={}", "hospital_id"),
        ("/api/v1/locations/labels.html?root={}", "root"),
    ],
)
@pytest.mark.parametrize("number", OUT_OF_RANGE_IDS)
def test_an_integer_query_beyond_its_column_is_422_naming_it(
    client, make_user, assert_error, path, field, number
):
    _admin, headers = make_user("admin", "supervisor")
    body = assert_error(client.get(path.format(number), headers=headers), 422, "request.invalid")
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/tasks?per_page=201", "per_page"),
        ("/api/v1/inspections?limit=-1", "limit"),
        ("/api/v1/inspections?limit=201", "limit"),
        ("/api/v1/sync/pull?limit=501", "limit"),
        ("/api/v1/sync/pull?cursor=-1", "cursor"),
        (f"/api/v1/sync/pull?cursor={2**63}", "cursor"),
    ],
)
def test_a_page_size_or_cursor_out_of_range_is_422_naming_it(
    client, make_user, assert_error, path, field
):
    _user, headers = make_user("supervisor")
    body = assert_error(client.get(path, headers=headers), 422, "request.invalid")
    assert list(body["errors"]) == [field]


def test_the_largest_cursor_the_change_log_can_hold_is_accepted(client, make_user):
    _user, headers = make_user("supervisor")
    response = client.get(f"/api/v1/sync/pull?cursor={2**63 - 1}", headers=headers)
    assert response.status_code == 200
    answer = {key: response.json[key] for key in ("changes", "cursor", "more")}
    assert answer == {"changes": [], "cursor": 2**63 - 1, "more": False}


def test_an_assignee_id_beyond_its_column_is_422_naming_it(client, session, hospital, make_user):
    _user, headers = make_user("supervisor")
    task = factories.task(session, hospital)
    session.commit()
    response = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"assignee_id": 2**31},
        headers={**headers, "If-Match": str(task.version)},
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignee_id"]


def test_a_write_that_waits_too_long_for_the_database_is_503_busy_not_500(
    app, client, make_user, backend, monkeypatch, assert_error
):
    """Another writer holds SQLite's write lock past the wait (a long import, a backup)."""
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    _, headers = make_user("inspector")
    monkeypatch.setattr(extensions, "SQLITE_BUSY_TIMEOUT_MS", 100)
    extensions.db.engine.dispose()  # new connections wait only 100 ms
    other = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/v1/notifications/read", headers=headers, json={})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert_error(response, 503, "server.busy")
    assert response.headers["Retry-After"] == "2"
