"""The OpenAPI document that describes the contract (contract: General)."""

import pytest


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
