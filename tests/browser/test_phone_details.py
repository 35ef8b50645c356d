"""Phone details of the walk: resuming a draft, the outbox counted in inspections, no sync
chrome before login, text answers counted as answered, numbers with unit and limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from server.schemas.checklist_definition import iter_items
from tests.browser.conftest import (
    FAILED_AT,
    answer,
    choose_location,
    expect_waiting,
    finish,
    login,
    next_item,
    start_inspection,
)

pytestmark = pytest.mark.browser

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"


def _position(checklist: str, item_id: str) -> int:
    """Return where an item stands in the walk of all items (the checklists grow)."""
    definition = yaml.safe_load((CHECKLISTS / f"{checklist}.yaml").read_text(encoding="utf-8"))
    return [item["id"] for item in iter_items(definition)].index(item_id)


# civilized-city: the text item "随机访谈患者及家属…", in the walk of all items
INTERVIEW_NOTES = _position("civilized-city", "conduct.interview_notes")
SMOKERS_SEEN = 6  # smoke-free: people seen smoking indoors, a number that passes at 0


def go_to_item(page, index: int) -> None:
    page.goto(page.url.rsplit("/", 1)[0] + f"/{index}")
    expect(page.get_by_test_id("progress")).to_contain_text(f"第 {index + 1} 项")


def test_starting_the_same_checklist_and_place_again_resumes_the_open_draft(page, base_url):
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "合格")
    next_item(page)

    page.get_by_role("link", name="巡查").click()
    page.get_by_role("radio", name="无烟医院检查").check()
    choose_location(page, "OPD-1F-WC")
    page.get_by_test_id("start").click()

    expect(page.get_by_test_id("progress")).to_contain_text("第 2 项")
    page.get_by_role("link", name="巡查").click()
    expect(page.get_by_test_id("draft")).to_have_count(1)


def test_another_place_still_starts_a_new_draft(page, base_url):
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "合格")

    start_inspection(page, "无烟医院检查", "OPD-2F-WC")

    page.get_by_role("link", name="巡查").click()
    expect(page.get_by_test_id("draft")).to_have_count(2)


def test_the_status_bar_counts_waiting_inspections_and_their_items(context, page, base_url):
    login(page, base_url)
    context.set_offline(True)
    for code in ("OPD-1F-WC", "OPD-2F-WC"):
        start_inspection(page, "无烟医院检查", code, show_all=True)
        answer(page, "合格")
        next_item(page)
        answer(page, "合格")
        finish(page)

    expect_waiting(page, 6)  # two inspection records and four findings
    expect(page.get_by_test_id("waiting")).to_have_text("2 次巡查（4 项）待同步")


def test_no_status_bar_or_tabs_before_login(page, base_url):
    page.goto(base_url + "/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()

    expect(page.get_by_test_id("sync-now")).to_be_hidden()
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()

    login(page, base_url)
    expect(page.get_by_test_id("sync-now")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()


def test_a_text_answer_counts_as_answered_not_as_not_applicable(page, base_url):
    login(page, base_url)
    start_inspection(page, "文明城市", FAILED_AT, show_all=True)
    answer(page, "合格")
    go_to_item(page, INTERVIEW_NOTES)
    page.get_by_test_id("answer-text").fill("患者反映挂号排队时间较长")

    page.get_by_test_id("overview").click()

    tally = page.get_by_test_id("tally")
    expect(tally).to_contain_text("合格 1 · 不合格 0 · 已记录 1 · 不适用 0")


def test_the_overview_shows_a_number_with_its_unit_and_limit(page, base_url):
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    go_to_item(page, SMOKERS_SEEN)
    page.get_by_test_id("answer-number").fill("3")

    page.get_by_test_id("overview").click()

    expect(page.locator(".overview")).to_contain_text("记录值：3 人（限值 ≤ 0）")


def test_a_number_finding_on_a_task_shows_unit_and_limit(page, base_url, server_api):
    now = datetime.now(UTC).isoformat()
    inspection = {
        "id": str(uuid.uuid4()), "checklist_id": "infection-control", "checklist_version": 1,
        "location_id": server_api.location_id("SVC-WASTE"), "kind": "supervision",
        "started_at": now, "finished_at": now, "note": "",
    }  # fmt: skip
    finding = {
        "id": str(uuid.uuid4()), "inspection_id": inspection["id"],
        "item_id": "waste_storage.max_hours", "result": "fail", "value": 72, "note": "",
        "photos": [], "recorded_at": now,
    }  # fmt: skip
    body = {"device_id": "d-test", "inspections": [inspection], "findings": [finding]}
    pushed = server_api.call("POST", "/sync/push", {**body, "records": []})
    [task] = pushed["tasks"]
    login(page, base_url)

    page.goto(f"{base_url}/#/task/{task['id']}")

    expect(page.get_by_test_id("failure-value")).to_have_text("记录值：72 小时（限值 ≤ 48）")
