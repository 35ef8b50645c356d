"""An expired login keeps the outbox, asks to log in again, and then the sync resumes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from server.models import ApiToken
from server.timeutil import utcnow
from tests.browser.conftest import (
    PASSWORD,
    ServerApi,
    answer,
    expect_waiting,
    finish,
    login,
    start_inspection,
)

pytestmark = pytest.mark.browser


def test_an_expired_login_keeps_the_queue_and_resumes_after_logging_in(
    context, page, base_url, session
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, "无烟医院检查", "OPD-1F-HALL")
    answer(page, "合格")
    finish(page)
    expect_waiting(page, 2)
    session.execute(update(ApiToken).values(revoked_at=utcnow()))  # e.g. revoked by an admin
    session.commit()

    context.set_offline(False)
    expect(page.get_by_text("登录已过期，请重新登录")).to_be_visible()
    expect_waiting(page, 2)  # nothing was dropped
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect_waiting(page, 0)
    expect(page.get_by_test_id("outbox-empty")).to_be_visible()  # back where the user was
    assert len(ServerApi(base_url).inspections()) == 1
