"""Login limits: strict per account, generous per address, 429 with when to try again.

Every rule runs on both storages the app supports: process memory (the embedded default) and a
real Redis (several workers and hosts). tests/test_limits_across_workers.py proves the counters
are shared by real gunicorn workers on two "hosts".
"""

from __future__ import annotations

import pytest

from server.limits import address_key
from tests import factories

LOGIN = "/api/v1/auth/login"
ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 6


def _login(client, username, password="wrong-password", address="10.0.0.1", **headers):
    return client.post(
        LOGIN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _spend(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        assert _login(client, username, address=address).status_code == 401


@pytest.fixture(params=["memory", "redis"])
def app_config(request, app_config):
    """Three attempts per account and six per address, counted in memory or in Redis."""
    storage = request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"
    return {
        **app_config,
        "LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": f"{ADDRESS_LIMIT} per 15 minutes",
        "RATELIMIT_STORAGE_URI": storage,
    }


@pytest.fixture
def nurse(make_user):
    user, _ = make_user("inspector")
    return user


@pytest.fixture
def colleague(make_user):
    user, _ = make_user("inspector")
    return user


def test_the_attempt_after_the_account_limit_is_refused(client, nurse, assert_error):
    _spend(client, nurse.username, ACCOUNT_LIMIT)
    assert_error(_login(client, nurse.username), 429, "auth.too_many_attempts")


def test_a_locked_account_is_refused_even_with_the_right_password(client, nurse, assert_error):
    _spend(client, nurse.username, ACCOUNT_LIMIT)
    assert_error(_login(client, nurse.username, factories.PASSWORD), 429, "auth.too_many_attempts")


def test_the_account_limit_holds_whatever_address_the_attempts_come_from(
    client, nurse, assert_error
):
    for number in range(ACCOUNT_LIMIT):
        assert _login(client, nurse.username, address=f"10.0.1.{number}").status_code == 401
    response = _login(client, nurse.username, address="10.0.2.99")
    assert_error(response, 429, "auth.too_many_attempts")


def test_usernames_differing_only_in_case_share_the_account_counter(client, nurse, assert_error):
    _spend(client, nurse.username.upper(), ACCOUNT_LIMIT)
    assert_error(_login(client, nurse.username), 429, "auth.too_many_attempts")


def test_another_account_behind_the_same_address_logs_in_while_one_is_locked(
    client, nurse, colleague
):
    _spend(client, nurse.username, ACCOUNT_LIMIT)
    assert _login(client, nurse.username).status_code == 429
    assert _login(client, colleague.username, factories.PASSWORD).status_code == 200


def test_hammering_a_locked_account_does_not_use_up_the_address(client, nurse, colleague):
    _spend(client, nurse.username, ACCOUNT_LIMIT)
    for _ in range(ADDRESS_LIMIT * 2):
        assert _login(client, nurse.username).status_code == 429
    assert _login(client, colleague.username, factories.PASSWORD).status_code == 200


def test_one_address_trying_many_accounts_is_stopped_by_the_address_limit(
    client, colleague, assert_error
):
    for number in range(ADDRESS_LIMIT):
        assert _login(client, f"guess-{number}").status_code == 401
    response = _login(client, colleague.username, factories.PASSWORD)
    assert_error(response, 429, "auth.too_many_attempts")


def test_the_address_limit_leaves_other_addresses_alone(client, colleague):
    for number in range(ADDRESS_LIMIT):
        _login(client, f"guess-{number}")
    response = _login(client, colleague.username, factories.PASSWORD, address="10.0.0.2")
    assert response.status_code == 200


def test_the_refusal_says_in_seconds_when_to_try_again(client, nurse):
    _spend(client, nurse.username, ACCOUNT_LIMIT)
    response = _login(client, nurse.username)
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 0 < int(retry_after) <= 15 * 60
    assert response.json["retry_after"] == int(retry_after)


def test_a_request_refused_as_invalid_is_not_an_attempt(client, nurse):
    for _ in range(ACCOUNT_LIMIT * 2):
        response = client.post(LOGIN, json={"username": nurse.username})
        assert response.status_code == 422
    assert _login(client, nurse.username, factories.PASSWORD).status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(client, assert_error):
    # Without TRUSTED_PROXIES the header is the client's own words and is ignored.
    for number in range(ADDRESS_LIMIT):
        _login(client, f"guess-{number}", **{"X-Forwarded-For": f"192.0.2.{number}"})
    response = _login(client, "guess-x", **{"X-Forwarded-For": "192.0.2.200"})
    assert_error(response, 429, "auth.too_many_attempts")


class TestBehindATrustedProxy:
    """With TRUSTED_PROXIES=1 the proxy's X-Forwarded-For names the address that is counted."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXIES": 1}

    def test_each_forwarded_address_has_its_own_limit(self, client, colleague):
        for number in range(ADDRESS_LIMIT):
            _login(client, f"guess-{number}", **{"X-Forwarded-For": "192.0.2.1"})
        response = _login(
            client, colleague.username, factories.PASSWORD, **{"X-Forwarded-For": "192.0.2.2"}
        )
        assert response.status_code == 200

    def test_the_forwarded_address_is_limited_whichever_proxy_forwards_it(
        self, client, assert_error
    ):
        forwarded = {"X-Forwarded-For": "192.0.2.1"}
        for number in range(ADDRESS_LIMIT):
            _login(client, f"guess-{number}", address="172.16.0.9", **forwarded)
        response = _login(client, "guess-x", address="172.16.0.10", **forwarded)
        assert_error(response, 429, "auth.too_many_attempts")


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_an_ipv6_device_is_counted_by_its_64(address, key):
    assert address_key(address) == key
