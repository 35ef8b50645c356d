"""The OpenAPI document that describes the contract (contract: General)."""

import re

import pytest

from server.errors import Invalid
from server.services.monthly import parse_month
from server.services.rollups import parse_week


@pytest.fixture
def spec(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def test_the_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/ping", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/checklists", "get"),
        ("/api/v1/checklists/{checklist_id}", "get"),
        ("/api/v1/departments", "get"),
        ("/api/v1/locations", "get"),
    ],
)
def test_the_document_describes_each_endpoint(spec, path, method):
    assert method in spec["paths"][path]


def test_the_document_declares_bearer_auth(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer"}


def test_protected_operations_require_bearer_auth(spec):
    operation = spec["paths"]["/api/v1/checklists/{checklist_id}"]["get"]
    assert {"bearerAuth": []} in operation["security"]


def test_login_documents_its_invalid_input_answer(spec):
    responses = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "200" in responses
    assert "422" in responses


def test_the_ping_answer_is_documented(spec):
    answer = spec["paths"]["/api/v1/ping"]["get"]["responses"]["200"]
    reference = answer["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"ok", "time"}


def test_a_path_id_is_documented_with_the_range_its_column_holds(spec):
    (parameter,) = spec["paths"]["/api/v1/tasks/{task_id}"]["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_a_photo_upload_documents_its_body_and_hash_header(spec):
    operation = spec["paths"]["/api/v1/photos/{photo_id}"]["put"]
    assert set(operation["requestBody"]["content"]) == {"image/jpeg", "image/png", "image/webp"}
    (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "X-Content-SHA256" and header["required"]


@pytest.mark.parametrize("year", [1899, 1900, 2026, 2027, 9998, 9999])
def test_the_documented_week_pattern_admits_every_week_the_server_takes(spec, year):
    parameters = spec["paths"]["/api/v1/reports/weekly"]["get"]["parameters"]
    (week,) = [parameter for parameter in parameters if parameter["name"] == "week"]
    pattern = re.compile(week["schema"]["pattern"])
    for number in range(0, 55):
        text = f"{year}-W{number:02d}"
        try:
            parse_week(text)
        except Invalid:
            assert number == 53 or not pattern.match(text), text
        else:
            assert pattern.match(text), text


@pytest.mark.parametrize("year", [1899, 1900, 2026, 9998, 9999])
def test_the_documented_month_pattern_admits_every_month_the_server_takes(spec, year):
    parameters = spec["paths"]["/api/v1/reports/monthly"]["get"]["parameters"]
    (month,) = [parameter for parameter in parameters if parameter["name"] == "month"]
    pattern = re.compile(month["schema"]["pattern"])
    for number in range(0, 14):
        text = f"{year}-{number:02d}"
        try:
            parse_month(text)
        except Invalid:
            assert not pattern.match(text), text
        else:
            assert pattern.match(text), text
