"""A record the server refuses stays on the phone with its reason, is not retried in a loop, and
can be fixed and resent, or deleted after confirmation."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from server.models import Location
from tests.browser.conftest import (
    answer,
    choose_location,
    expect_waiting,
    finish,
    login,
    start_inspection,
)

pytestmark = pytest.mark.browser


def test_rejected_records_stay_with_their_reason_until_fixed_or_deleted(
    context, page, base_url, session, server_api
):
    login(page, base_url)
    context.set_offline(True)
    for _ in range(2):
        start_inspection(page, "无烟医院检查", "OPD-2F-STAIR")
        answer(page, "合格")
        finish(page)
    expect_waiting(page, 4)
    # While the phone was offline, an administrator removed the stairwell from the tree.
    session.execute(delete(Location).where(Location.code == "OPD-2F-STAIR"))
    session.commit()

    pushed: list[str] = []

    def remember(request):
        if request.url.endswith("/api/v1/sync/push"):
            body = json.loads(request.post_data)
            pushed.extend(
                record["id"] for key in ("inspections", "findings") for record in body[key]
            )

    context.on("request", remember)
    context.set_offline(False)
    rejected = page.locator("[data-testid=outbox-record][data-state=rejected]")
    expect(rejected).to_have_count(4)
    expect(page.get_by_test_id("rejected")).to_have_text("4 条被退回")
    groups = page.get_by_test_id("outbox-group")
    expect(groups.first.get_by_test_id("reason").first).to_have_text(
        "位置不存在或已被删除，请更换位置"
    )
    expect(groups.first.get_by_test_id("reason").nth(1)).to_have_text("所属的检查记录被退回")
    expect_waiting(page, 0)  # nothing left to send: rejected records wait for the user

    for _ in range(2):  # more syncs do not push them again
        before = page.get_by_test_id("last-sync").get_attribute("data-at")
        page.get_by_test_id("sync-now").click()
        expect(page.get_by_test_id("last-sync")).not_to_have_attribute("data-at", before)
    assert len(pushed) == 4 and len(set(pushed)) == 4, pushed

    # Fix the first: reopen it, choose another location, finish again.
    groups.first.get_by_test_id("reopen").click()
    expect(page.get_by_test_id("begin-walk")).to_be_visible()
    expect(page.get_by_text("此检查曾被服务器退回")).to_be_visible()
    page.get_by_text("更换位置", exact=True).click()
    choose_location(page, "OPD-2F-WC")
    expect(page.get_by_test_id("visit-location")).to_contain_text("OPD-2F-WC")
    page.get_by_test_id("begin-walk").click()
    finish(page)
    expect(groups).to_have_count(1, timeout=20_000)
    inspections = server_api.inspections()
    assert [row["location_id"] for row in inspections] == [server_api.location_id("OPD-2F-WC")]
    assert len(inspections[0]["findings"]) == 1

    # Delete the second, but only after saying yes.
    groups.first.get_by_test_id("delete-group").click()
    page.get_by_role("button", name="取消").click()
    expect(groups).to_have_count(1)
    groups.first.get_by_test_id("delete-group").click()
    expect(page.get_by_role("dialog")).to_contain_text("永久删除这 2 条记录")
    page.get_by_test_id("dialog-confirm").click()
    expect(page.get_by_test_id("outbox-empty")).to_be_visible()
    expect(page.get_by_test_id("rejected")).to_have_count(0)
    assert len(server_api.inspections()) == 1
