"""The limit settings: per-worker counters refuse to start, and a lost Redis is not a 500."""

from __future__ import annotations

import pytest

from server.app import create_app
from tests.support.servers import free_port

LOGIN = "/api/v1/auth/login"


def test_several_workers_counting_in_memory_refuse_to_start(app_config):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app({**app_config, "WEB_WORKERS": 2, "RATELIMIT_STORAGE_URI": "memory://"})


def test_several_workers_counting_in_redis_start(app_config, redis_url):
    app = create_app({**app_config, "WEB_WORKERS": 2, "RATELIMIT_STORAGE_URI": redis_url})
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url


@pytest.mark.parametrize("setting", ["LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS"])
def test_a_limit_that_is_not_a_rate_refuses_to_start(app_config, setting):
    with pytest.raises(RuntimeError, match=setting):
        create_app({**app_config, setting: "ten a minute"})


class TestLimitStorageUnreachable:
    """Redis is down: logins are refused for now (503), never let through uncounted, never 500."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"}

    @pytest.fixture
    def app(self, app_config):
        # The root fixture resets the limiter's storage, which here cannot answer.
        from server.extensions import db

        app = create_app(app_config)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()

    def test_a_login_answers_503_in_the_error_shape(self, client, assert_error):
        response = client.post(LOGIN, json={"username": "anyone", "password": "secret-words"})
        assert_error(response, 503, "auth.limits_unavailable")
