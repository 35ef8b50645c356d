"""The rectification loop in the app: a supervisor assigns, the department sends evidence with a
photo, an inspector closes it — each signed in on their own device.

The problem is opened the way a phone opens it (a failing answer with its photo, pushed through
the API as the demo inspector); everything after that is done through the app's screens.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ServerApi, jpeg, login, wait_for_photos

pytestmark = pytest.mark.browser

DEPARTMENT_HEAD = "总务科 张科长"


def open_task(page, base_url: str, username: str, task_id: int) -> None:
    """Sign in as ``username``, find the task under "for me" and open it."""
    login(page, base_url, username)
    page.goto(f"{base_url}/#/tasks")
    page.locator(f'[data-task-id="{task_id}"] a').click()
    expect(page.get_by_test_id("task-actions")).to_be_visible()


def evidence(note: str) -> dict:
    return {"id": str(uuid.uuid4()), "note": note}


def expect_status(page, text: str) -> None:
    expect(page.get_by_test_id("task-status")).to_have_text(text)


def test_a_supervisor_sees_the_problem_photo_and_assigns_the_task(page, base_url, failed_task):
    open_task(page, base_url, "supervisor", failed_task)

    expect(page.get_by_test_id("task-failures")).to_contain_text("门前堆放杂物")
    wait_for_photos(page, "task-failures")  # the "before" photo, fetched with the token
    form = page.get_by_test_id("assign-form")
    form.get_by_label("责任人").select_option(label=DEPARTMENT_HEAD)
    form.get_by_role("button", name="分派").click()

    expect_status(page, "整改中")
    expect(page.get_by_test_id("task-message")).to_contain_text(DEPARTMENT_HEAD)
    expect(page.get_by_test_id("task-history")).to_contain_text("督导组 王主任")


def test_the_department_sends_evidence_with_a_photo(page, base_url, failed_task, tmp_path):
    after = jpeg(tmp_path / "after.jpg", (1600, 1200), (40, 160, 90))
    open_task(page, base_url, "depthead", failed_task)

    form = page.get_by_test_id("evidence-form")
    form.get_by_label("说明").fill("杂物已清理，门前恢复整洁")
    form.get_by_test_id("picker-gallery").set_input_files(str(after))
    expect(form.locator(".thumb img")).to_have_count(1)
    form.get_by_role("button", name="提交整改").click()

    expect_status(page, "待复查")
    evidence = page.get_by_test_id("task-submissions")
    expect(evidence).to_contain_text("杂物已清理")
    expect(evidence.locator("img")).to_have_count(1)
    stored = ServerApi(base_url, "supervisor").call("GET", f"/tasks/{failed_task}")
    assert stored["status"] == "submitted"
    [submission] = stored["submissions"]
    assert submission["actor_name"] == DEPARTMENT_HEAD
    assert len(submission["photo_ids"]) == 1


def test_an_inspector_closes_a_fixed_task(page, base_url, failed_task):
    head = ServerApi(base_url, "depthead")
    head.call("POST", f"/tasks/{failed_task}/evidence", evidence("已整改"))
    open_task(page, base_url, "inspector", failed_task)

    page.get_by_test_id("verify-form").get_by_role("button", name="复查合格，销号").click()

    expect_status(page, "已关闭")
    expect(page.get_by_test_id("task-actions")).to_be_empty()
    assert ServerApi(base_url).call("GET", f"/tasks/{failed_task}")["status"] == "closed"


def test_the_submitter_is_not_offered_verification(page, base_url, failed_task):
    supervisor = ServerApi(base_url, "supervisor")
    supervisor.call("POST", f"/tasks/{failed_task}/evidence", evidence("ok"))

    open_task(page, base_url, "supervisor", failed_task)

    expect(page.get_by_test_id("verify-form")).to_have_count(0)
    expect(page.get_by_test_id("assign-form")).to_be_visible()


def test_failing_a_fix_needs_a_reason_and_keeps_the_task_open(page, base_url, failed_task):
    head = ServerApi(base_url, "depthead")
    head.call("POST", f"/tasks/{failed_task}/evidence", evidence("已整改"))
    open_task(page, base_url, "inspector", failed_task)
    form = page.get_by_test_id("verify-form")

    form.get_by_role("button", name="复查不合格").click()
    expect(form.get_by_role("alert")).to_have_text("复查不合格时请写明原因。")
    form.get_by_label("说明").fill("门前仍有杂物")
    form.get_by_role("button", name="复查不合格").click()

    expect_status(page, "待分派")
    assert ServerApi(base_url).call("GET", f"/tasks/{failed_task}")["status"] == "open"


def test_a_change_made_meanwhile_is_shown_instead_of_overwritten(page, base_url, failed_task):
    open_task(page, base_url, "supervisor", failed_task)
    supervisor = ServerApi(base_url, "supervisor")
    supervisor.call("GET", f"/tasks/{failed_task}")
    cancel = {"status": "cancelled", "reason": "duplicate"}
    supervisor.call("PATCH", f"/tasks/{failed_task}", cancel, headers={"If-Match": supervisor.etag})

    form = page.get_by_test_id("assign-form")
    form.get_by_label("责任人").select_option(label=DEPARTMENT_HEAD)
    form.get_by_role("button", name="分派").click()

    expect(page.get_by_test_id("task-message")).to_contain_text("此任务刚被他人修改")
    expect_status(page, "已取消")
    assert ServerApi(base_url).call("GET", f"/tasks/{failed_task}")["assignee_id"] is None


def test_evidence_typed_offline_is_kept_and_sent_once_online(context, page, base_url, failed_task):
    open_task(page, base_url, "depthead", failed_task)
    form = page.get_by_test_id("evidence-form")
    form.get_by_label("说明").fill("杂物已清理")

    context.set_offline(True)
    form.get_by_role("button", name="提交整改").click()
    expect(form.get_by_role("alert")).to_contain_text("需要联网")
    expect(form.get_by_label("说明")).to_have_value("杂物已清理")
    context.set_offline(False)
    form.get_by_role("button", name="提交整改").click()

    expect_status(page, "待复查")
    stored = ServerApi(base_url, "supervisor").call("GET", f"/tasks/{failed_task}")
    assert [s["note"] for s in stored["submissions"]] == ["杂物已清理"]
