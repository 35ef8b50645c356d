"""Passwords and device tokens at rest: hashed, never stored in the clear, touched sparingly."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.errors import Unauthorized
from server.models import ApiToken, User
from server.services import auth, users
from tests import factories

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def user(session, hospital):
    row = factories.user(session, hospital)
    session.commit()
    return row


def _stored_columns(session, model, row_id) -> dict:
    """Return a row's raw column values as the database holds them."""
    return dict(session.execute(select(model.__table__).where(model.id == row_id)).one()._mapping)


def test_a_created_users_password_is_stored_as_an_argon2id_hash(session, hospital):
    created = users.create_user(
        session,
        None,
        username="wang",
        display_name="王护士长",
        password="plain-text-secret",
        roles=["department_head"],
        hospital_ids=[hospital.id],
    )
    session.commit()
    stored = _stored_columns(session, User, created.id)["password_hash"]
    assert stored.startswith("$argon2id$")
    assert "plain-text-secret" not in stored
    assert auth.verify_password(stored, "plain-text-secret")
    assert not auth.verify_password(stored, "plain-text-secreT")


def test_the_same_password_hashes_differently_each_time():
    assert auth.hash_password("same-password") != auth.hash_password("same-password")


def test_a_corrupt_password_hash_never_matches():
    assert not auth.verify_password("not-an-argon2-hash", "anything")


def test_the_token_is_stored_only_as_its_sha256(session, user):
    token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY)
    session.commit()
    stored = _stored_columns(session, ApiToken, row.id)
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(value) for value in stored.values())


def test_each_login_issues_a_different_token(session, user):
    first, _ = auth.login(session, user.username, factories.PASSWORD, ttl=DAY)
    second, _ = auth.login(session, user.username, factories.PASSWORD, ttl=DAY)
    assert first != second


def test_an_unknown_user_still_costs_a_password_check(session, monkeypatch):
    checks = []
    real_verify = auth.verify_password

    def counting_verify(password_hash, password):
        checks.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting_verify)
    with pytest.raises(Unauthorized) as refusal:
        auth.login(session, "nobody-of-that-name", "guess", ttl=DAY)
    assert refusal.value.code == "auth.invalid_credentials"
    assert len(checks) == 1


def test_authenticate_returns_the_token_row_and_its_user(session, user):
    token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    found, owner = auth.authenticate(session, token, now=T0 + timedelta(hours=1))
    assert found.id == row.id
    assert owner.id == user.id


def test_a_token_stops_working_at_its_expiry(session, user):
    token, _ = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    with pytest.raises(Unauthorized) as refusal:
        auth.authenticate(session, token, now=T0 + DAY)
    assert refusal.value.code == "auth.token_expired"


def test_a_revoked_token_is_invalid(session, user):
    token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    auth.revoke(row, now=T0 + timedelta(minutes=1))
    with pytest.raises(Unauthorized) as refusal:
        auth.authenticate(session, token, now=T0 + timedelta(minutes=2))
    assert refusal.value.code == "auth.invalid_token"


def test_authenticating_writes_nothing(session, user):
    token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    session.commit()
    auth.authenticate(session, token, now=T0 + timedelta(minutes=6))
    assert row not in session.dirty
    assert not session.new


def test_a_use_is_due_only_after_five_minutes(session, user):
    _token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    assert not auth.use_is_due(row, T0 + timedelta(minutes=4, seconds=59))
    assert auth.use_is_due(row, T0 + timedelta(minutes=5, seconds=1))


def _last_used(session, row_id):
    session.expire_all()
    return session.get(ApiToken, row_id).last_used_at


def test_recording_a_use_after_five_minutes_writes_it(session, user):
    _token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    session.commit()
    auth.record_use(session, row.id, T0 + timedelta(minutes=6))
    session.commit()
    assert _last_used(session, row.id) == T0 + timedelta(minutes=6)


def test_recording_a_use_within_five_minutes_of_the_last_changes_nothing(session, user):
    _token, row = auth.login(session, user.username, factories.PASSWORD, ttl=DAY, now=T0)
    session.commit()
    auth.record_use(session, row.id, T0 + timedelta(minutes=6))
    auth.record_use(session, row.id, T0 + timedelta(minutes=10))
    session.commit()
    assert _last_used(session, row.id) == T0 + timedelta(minutes=6)
