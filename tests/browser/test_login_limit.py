"""After too many attempts the login screen says when to try again, in the user's language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEZONE

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    """Two attempts per account in 15 minutes."""
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes"}


def attempt(page, password: str = "wrong-password") -> None:
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_locked_account_is_told_how_many_minutes_to_wait_and_until_what_time(page, base_url):
    page.goto(base_url + "/")
    page.get_by_label("用户名").fill("inspector")
    error = page.get_by_test_id("login-error")
    for _ in range(2):
        attempt(page)
        expect(error).to_have_text("用户名或密码不正确")
        expect(page.get_by_role("button", name="登录")).to_be_enabled()

    attempt(page)

    # About 15 minutes (less the seconds the test took, rounded up to whole minutes), and the
    # local time of day when that is.
    expect(error).to_have_text(re.compile(r"^尝试次数过多，请在 \d+ 分钟后（\d+:\d\d）再试。$"))
    shown = re.search(r"（(\d{1,2}):(\d{2})）", error.inner_text())
    free_at = datetime.now(ZoneInfo(TIMEZONE)) + timedelta(minutes=15)
    shown_minutes = int(shown[1]) * 60 + int(shown[2])
    assert abs(shown_minutes - (free_at.hour * 60 + free_at.minute)) % (24 * 60) in (0, 1, 1439)
