"""Fixtures of the API tests: the contract's error shape and a second, unrelated hospital."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def assert_error():
    """Check that ``response`` is the contract's error body with ``status`` and ``code``."""

    def check(response, status: int, code: str) -> dict:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        body = response.json
        assert {"code", "status", "message"} <= set(body)
        extra = {"retry_after"} if status == 429 else set()
        assert set(body) <= {"code", "status", "message", "errors"} | extra
        assert body["code"] == code
        assert body["status"] == status
        assert isinstance(body["message"], str) and body["message"]
        return body

    return check


@pytest.fixture
def other_hospital(session):
    """A second hospital whose rows the users of ``hospital`` must never see."""
    row = factories.hospital(session)
    session.commit()
    return row
