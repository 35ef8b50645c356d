"""The task list in the app: search, filters and order on a phone (offline, from the device's
copy), and a supervisor's bulk move to another department on a desktop screen, where one task
changed meanwhile and is refused while the others move.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ServerApi, login

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
DESKTOP = {"width": 1280, "height": 800}


def open_list(page, base_url: str, username: str = "supervisor") -> None:
    login(page, base_url, username)
    page.goto(f"{base_url}/#/tasks")
    page.get_by_role("button", name="任务清单", exact=False).click()


def shown(page) -> list[int]:
    """The ids of the rows shown, top to bottom."""
    rows = page.get_by_test_id("task")
    return [int(rows.nth(i).get_attribute("data-task-id")) for i in range(rows.count())]


def expect_shown(page, ids: list[int]) -> None:
    expect(page.get_by_test_id("task")).to_have_count(len(ids))
    assert shown(page) == ids


def filters(page):
    """The filter panel, unfolded."""
    panel = page.get_by_test_id("task-filters")
    if not panel.is_visible():
        page.get_by_test_id("task-filters-toggle").click()
    return panel


def test_search_filter_and_sort_on_a_phone_offline(context, page, base_url, problem_list):
    open_list(page, base_url)
    expect(page.get_by_test_id("task")).to_have_count(5)  # every task not closed
    context.set_offline(True)

    ward = page.locator(f'[data-task-id="{problem_list["Medical ward: corridor cluttered"]}"]')
    expect(ward.get_by_test_id("task-department")).to_contain_text("内科")
    expect(ward.get_by_test_id("task-place")).to_contain_text("住院楼五层 › 内科病区")

    page.get_by_test_id("task-search").fill("水龙头")
    expect_shown(page, [problem_list["5F toilets: leaking tap"]])
    page.get_by_test_id("task-search").fill("")

    filters(page).get_by_label("责任科室").select_option(label="内科")
    expect(page.get_by_test_id("task-filters-toggle")).to_have_text("筛选（1）")
    page.get_by_label("排序").select_option(label="严重程度，最严重的在前")
    expect_shown(
        page,
        [
            problem_list["Medical nurses' station: no hand rub"],
            problem_list["Medical ward: corridor cluttered"],
        ],
    )

    filters(page).get_by_role("button", name="清除筛选").click()
    filters(page).get_by_label("状态").select_option(label="已关闭")
    expect_shown(page, [problem_list["Outpatient entrance: no no-smoking sign"]])
    filters(page).get_by_label("状态").select_option(label="未关闭")
    filters(page).get_by_label("来源").select_option(label="记录规则")
    expect_shown(page, [problem_list["Waste store: handover not signed by both"]])
    filters(page).get_by_label("来源").select_option(label="全部")
    filters(page).get_by_label("只看已逾期").check()
    expect_shown(page, [problem_list["Surgical ward: diagnosis on bed cards"]])

    filters(page).get_by_role("button", name="清除筛选").click()
    page.get_by_label("排序").select_option(label="整改时限，最晚的在前")
    expect(page.get_by_test_id("task")).to_have_count(5)
    ids = shown(page)
    assert ids[0] == problem_list["5F toilets: leaking tap"]
    assert ids[-1] == problem_list["Surgical ward: diagnosis on bed cards"]
    assert page.evaluate(OVERFLOW) <= 0, "the list is wider than the phone"


def test_a_bulk_move_on_a_desktop_moves_all_but_the_task_changed_meanwhile(
    page, base_url, problem_list
):
    page.set_viewport_size(DESKTOP)
    open_list(page, base_url)
    expect(page.locator(".task-table-head")).to_be_visible()  # the wide layout: a table
    moving = [
        problem_list["5F toilets: leaking tap"],
        problem_list["Medical ward: corridor cluttered"],
        problem_list["Surgical ward: diagnosis on bed cards"],
    ]
    stale = moving[1]
    for task_id in moving:
        page.locator(f'[data-task-id="{task_id}"]').get_by_test_id("task-select").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("已选 3 项任务")
    # Meanwhile somebody else changes one of them: the device's version of it is stale.
    other = ServerApi(base_url, "admin")
    other.call("GET", f"/tasks/{stale}")
    body = {"due_at": "2026-12-31T15:59:59Z", "reason": "等待配件"}
    other.call("PATCH", f"/tasks/{stale}", body, headers={"If-Match": other.etag})

    bulk = page.get_by_test_id("bulk-move")
    bulk.get_by_label("移交给科室").select_option(label="总务科")
    bulk.get_by_label("原因").fill("设施维修归总务科")
    bulk.get_by_role("button", name="批量移交").click()

    expect(page.get_by_test_id("bulk-status")).to_have_text("已移交 2 项，1 项未移交。")
    failures = page.get_by_test_id("bulk-failures").locator("li")
    expect(failures).to_have_count(1)
    expect(failures).to_contain_text(f"#{stale}")
    expect(failures).to_contain_text("已被他人修改")
    for task_id in (moving[0], moving[2]):
        row = page.locator(f'[data-task-id="{task_id}"]')
        expect(row.get_by_test_id("task-department")).to_contain_text("总务科")
    expect(page.get_by_test_id("bulk-count")).to_have_text("已选 1 项任务")  # the refused one

    bulk.get_by_role("button", name="批量移交").click()  # again, on the version now read

    expect(page.get_by_test_id("bulk-status")).to_have_text("已移交 1 项，0 项未移交。")
    row = page.locator(f'[data-task-id="{stale}"]')
    expect(row.get_by_test_id("task-department")).to_contain_text("总务科")
    supervisor = ServerApi(base_url, "supervisor")
    moved = {
        supervisor.call("GET", f"/tasks/{task}")["department_name"]["zh-CN"] for task in moving
    }
    assert moved == {"总务科"}
    assert page.evaluate(OVERFLOW) <= 0
