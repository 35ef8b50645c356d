"""After too many attempts the login screen says when to try again, in the user's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    """Two attempts per account in 15 minutes."""
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes"}


def attempt(page, password: str = "wrong-password") -> None:
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_locked_account_is_told_how_many_minutes_to_wait(page, base_url):
    page.goto(base_url + "/")
    page.get_by_label("用户名").fill("inspector")
    error = page.get_by_test_id("login-error")
    for _ in range(2):
        attempt(page)
        expect(error).to_have_text("用户名或密码不正确")
        expect(page.get_by_role("button", name="登录")).to_be_enabled()

    attempt(page)

    # About 15 minutes (less the seconds the test took, rounded up to whole minutes).
    expect(error).to_have_text(re.compile(r"^尝试次数过多，请在 \d+ 分钟后再试。$"))
