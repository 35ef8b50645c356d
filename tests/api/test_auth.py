"""Logging in, bearer tokens and logging out (contract: Auth)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from server.models import ApiToken
from server.timeutil import utcnow
from tests import factories

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def _login(client, username, password=factories.PASSWORD, **extra):
    return client.post(LOGIN, json={"username": username, "password": password, **extra})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_that_authenticates_requests(client, make_user):
    user, _ = make_user("inspector")
    response = _login(client, user.username, device_name="Pixel 7")
    assert response.status_code == 200
    token = response.json["token"]
    assert isinstance(token, str) and len(token) >= 32
    assert client.get(ME, headers=_bearer(token)).json["id"] == user.id


def test_login_expiry_is_utc_with_z_and_follows_the_token_lifetime(app, client, make_user):
    user, _ = make_user("inspector")
    before = utcnow()
    expires_at = _login(client, user.username).json["expires_at"]
    assert expires_at.endswith("Z")
    moment = datetime.fromisoformat(expires_at)
    assert moment.utcoffset() == timedelta(0)
    lifetime = timedelta(hours=app.config["TOKEN_TTL_HOURS"])
    assert before + lifetime <= moment <= utcnow() + lifetime


def test_login_returns_the_user_object(client, session, hospital, make_user):
    department = factories.department(session, hospital)
    user, _ = make_user("inspector", "department_head", department_id=department.id)
    answer = _login(client, user.username).json["user"]
    assert answer == {
        **answer,
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": ["department_head", "inspector"],
        "hospital_ids": [hospital.id],
        "department_id": department.id,
    }


def test_login_never_echoes_the_password(client, make_user):
    user, _ = make_user("inspector")
    response = _login(client, user.username)
    assert factories.PASSWORD not in response.get_data(as_text=True)


def test_wrong_password_is_refused_as_invalid_credentials(client, make_user, assert_error):
    user, _ = make_user("inspector")
    response = _login(client, user.username, "not-the-password")
    assert_error(response, 401, "auth.invalid_credentials")


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user, _ = make_user("inspector")
    wrong_password = _login(client, user.username, "not-the-password")
    unknown_user = _login(client, "nobody-of-that-name", "not-the-password")
    assert unknown_user.status_code == wrong_password.status_code == 401
    assert unknown_user.json == wrong_password.json


def test_inactive_user_cannot_log_in(client, session, hospital, assert_error):
    user = factories.user(session, hospital, active=False)
    session.commit()
    response = _login(client, user.username)
    assert_error(response, 401, "auth.invalid_credentials")


def test_deactivating_a_user_stops_their_existing_tokens(client, session, make_user, assert_error):
    user, headers = make_user("inspector")
    user.active = False
    session.commit()
    assert_error(client.get(ME, headers=headers), 401, "auth.invalid_token")


def test_expired_token_is_refused_as_expired(client, session, make_user, assert_error):
    user, _ = make_user("inspector")
    token = factories.token(session, user, now=utcnow() - timedelta(days=2), ttl=timedelta(days=1))
    session.commit()
    assert_error(client.get(ME, headers=_bearer(token)), 401, "auth.token_expired")


def test_token_is_still_valid_just_before_it_expires(client, session, make_user):
    user, _ = make_user("inspector")
    token = factories.token(
        session, user, now=utcnow() - timedelta(hours=23), ttl=timedelta(days=1)
    )
    session.commit()
    assert client.get(ME, headers=_bearer(token)).status_code == 200


def test_logout_answers_204_without_a_body(client, make_user):
    _user, headers = make_user("inspector")
    response = client.post(LOGOUT, headers=headers)
    assert response.status_code == 204
    assert response.get_data() == b""


def test_a_logged_out_token_stops_working(client, make_user, assert_error):
    _user, headers = make_user("inspector")
    client.post(LOGOUT, headers=headers)
    assert_error(client.get(ME, headers=headers), 401, "auth.invalid_token")


def test_logging_out_one_device_keeps_the_other_device_logged_in(client, session, make_user):
    user, phone = make_user("inspector")
    tablet = factories.auth_headers(session, user)
    session.commit()
    client.post(LOGOUT, headers=phone)
    assert client.get(ME, headers=tablet).status_code == 200


def test_logout_needs_a_token(client, assert_error):
    assert_error(client.post(LOGOUT), 401, "auth.required")


@pytest.mark.parametrize(
    ("make_header", "code"),
    [
        pytest.param(lambda token: None, "auth.required", id="no-header"),
        pytest.param(lambda token: f"Basic {token}", "auth.required", id="basic-scheme"),
        pytest.param(lambda token: f"Token {token}", "auth.required", id="token-scheme"),
        pytest.param(lambda token: token, "auth.required", id="no-scheme"),
        pytest.param(lambda token: "Bearer ", "auth.required", id="empty-bearer"),
        pytest.param(lambda token: "Bearer garbage", "auth.invalid_token", id="garbage"),
        pytest.param(lambda token: f"Bearer {token}x", "auth.invalid_token", id="altered"),
    ],
)
def test_requests_without_a_valid_bearer_token_are_refused(
    client, session, make_user, assert_error, make_header, code
):
    user, _ = make_user("inspector")
    token = factories.token(session, user)
    session.commit()
    header = make_header(token)
    response = client.get(ME, headers={"Authorization": header} if header else {})
    assert_error(response, 401, code)


def test_bearer_scheme_is_case_insensitive(client, session, make_user):
    user, _ = make_user("inspector")
    token = factories.token(session, user)
    session.commit()
    assert client.get(ME, headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_me_returns_the_same_user_object_as_login(client, make_user):
    user, _ = make_user("supervisor")
    login = _login(client, user.username).json
    me = client.get(ME, headers=_bearer(login["token"]))
    assert me.status_code == 200
    assert me.json == login["user"]


def _get_all_at_once(url: str, headers: dict, count: int) -> list[int]:
    """GET ``url`` from ``count`` threads released together; return the status codes."""
    import threading
    import urllib.error
    import urllib.request

    barrier = threading.Barrier(count)
    statuses: list[int] = [0] * count

    def fetch(index: int) -> None:
        barrier.wait()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60):
                statuses[index] = 200
        except urllib.error.HTTPError as error:
            statuses[index] = error.code

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_concurrent_reads_with_a_stale_token_all_succeed(live_server, session, make_user):
    """Reads that record a stale token's use must not fail on the database's write lock.

    On SQLite a read runs in a deferred transaction; writing the token's last use inside it
    had to upgrade to the write lock and answered 500 "database is locked" under load.
    """
    _user, headers = make_user("supervisor")
    session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=10)))
    session.commit()
    statuses = _get_all_at_once(f"{live_server}/api/v1/tasks", headers, 40)
    assert statuses == [200] * 40
    session.commit()  # end the test's snapshot, so the server's write shows
    assert session.scalar(select(ApiToken.last_used_at)) > utcnow() - timedelta(minutes=1)
