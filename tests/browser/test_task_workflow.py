"""The rectification loop in the app: a supervisor assigns or moves a task, a ward head names a
nurse of the ward, the department sends evidence with a photo, an inspector closes it or sends it
back with a new deadline, a leader reads — each signed in on their own device.

The problem is opened the way a phone opens it (a failing answer with its photo, pushed through
the API as the demo inspector); everything after that is done through the app's screens.
"""

from __future__ import annotations

import json
import uuid
from urllib.error import HTTPError

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ServerApi, jpeg, login, wait_for_photos

pytestmark = pytest.mark.browser

DEPARTMENT_HEAD = "总务科 张科长"


def open_task(page, base_url: str, username: str, task_id: int, listed: str = "待我处理") -> None:
    """Sign in as ``username``, find the task under "for me" (or ``listed``) and open it."""
    login(page, base_url, username)
    page.goto(f"{base_url}/#/tasks")
    page.get_by_role("button", name=listed).click()
    page.locator(f'[data-task-id="{task_id}"] a').click()
    expect(page.get_by_test_id("task-actions")).to_be_attached()


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


def test_the_submitter_is_neither_offered_verification_nor_told_it_waits(
    page, base_url, failed_task
):
    supervisor = ServerApi(base_url, "supervisor")
    supervisor.call("POST", f"/tasks/{failed_task}/evidence", evidence("ok"))

    open_task(page, base_url, "supervisor", failed_task, listed="任务清单")

    expect(page.get_by_test_id("verify-form")).to_have_count(0)
    expect(page.get_by_test_id("assign-form")).to_be_visible()
    page.goto(f"{base_url}/#/tasks")
    expect(page.get_by_role("button", name="待我处理（0）")).to_be_visible()


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


def test_a_supervisor_moves_a_task_to_the_ward_with_a_reason(page, base_url, failed_task):
    open_task(page, base_url, "supervisor", failed_task)

    form = page.get_by_test_id("move-form")
    form.get_by_label("接收科室").select_option(label="内科")
    form.get_by_label("原因").fill("杂物为内科病区堆放")
    form.get_by_role("button", name="移交").click()

    expect(page.get_by_test_id("task-message")).to_contain_text("已移交内科")
    history = page.get_by_test_id("task-history")
    expect(history).to_contain_text("移交科室")
    expect(history).to_contain_text("由 总务科 移交 内科")
    expect(history).to_contain_text("杂物为内科病区堆放")
    stored = ServerApi(base_url, "neike").call("GET", f"/tasks/{failed_task}")
    assert stored["department_id"] == department_id(base_url, "内科")


def department_id(base_url: str, name: str) -> int:
    departments = ServerApi(base_url, "supervisor").call("GET", "/departments")
    return next(row["id"] for row in departments if row["name"]["zh-CN"] == name)


@pytest.fixture
def ward_task(server_api) -> int:
    """An open task of 内科: a cluttered corridor on its ward, the ward's own to fix."""
    inspection_id = str(uuid.uuid4())
    photo = {"id": str(uuid.uuid4()), "sha256": "0" * 64, "bytes": 1000}
    body = {
        "device_id": "d-ward",
        "inspections": [
            {
                "id": inspection_id,
                "checklist_id": "civilized-city",
                "checklist_version": 1,
                "location_id": server_api.location_id("IPD-5F-WARD"),
                "kind": "supervision",
                "started_at": "2026-11-23T10:00:00+08:00",
                "finished_at": "2026-11-23T10:20:00+08:00",
                "note": "",
            }
        ],
        "findings": [
            {
                "id": str(uuid.uuid4()),
                "inspection_id": inspection_id,
                "item_id": "environment.public_areas_clean",
                "result": "fail",
                "value": None,
                "note": "走廊堆放杂物",
                "photos": [photo],
                "recorded_at": "2026-11-23T10:05:00+08:00",
            }
        ],
        "records": [],
    }
    return server_api.call("POST", "/sync/push", body)["tasks"][0]["id"]


def test_the_ward_head_names_a_nurse_of_the_ward_and_nobody_else(page, base_url, ward_task):
    open_task(page, base_url, "neike", ward_task)

    select = page.get_by_test_id("assign-form").get_by_label("责任人")
    people = select.locator("option:not([value=''])")
    expect(people).to_have_count(2)
    assert sorted(people.all_inner_texts()) == sorted(["内科 赵护士", "内科 陈护士长"])
    select.select_option(label="内科 赵护士")
    page.get_by_test_id("assign-form").get_by_role("button", name="分派").click()

    expect_status(page, "整改中")
    expect(page.get_by_test_id("task-message")).to_contain_text("内科 赵护士")
    head = ServerApi(base_url, "neike")
    head.call("GET", f"/tasks/{ward_task}")
    outsider = ServerApi(base_url, "depthead").user["id"]
    with pytest.raises(HTTPError) as refused:
        body = {"assignee_id": outsider}
        head.call("PATCH", f"/tasks/{ward_task}", body, headers={"If-Match": head.etag})
    assert refused.value.code == 422
    assert json.loads(refused.value.read())["errors"].keys() == {"assignee_id"}


def test_the_nurse_named_on_a_ward_task_reports_her_own_fix(page, base_url, ward_task):
    head = ServerApi(base_url, "neike")
    head.call("GET", f"/tasks/{ward_task}")
    nurse = ServerApi(base_url, "nurse").user["id"]
    named = {"assignee_id": nurse}
    head.call("PATCH", f"/tasks/{ward_task}", named, headers={"If-Match": head.etag})
    open_task(page, base_url, "nurse", ward_task)

    form = page.get_by_test_id("evidence-form")
    form.get_by_label("说明").fill("走廊杂物已清走")
    form.get_by_role("button", name="提交整改").click()

    expect_status(page, "待复查")
    expect(page.get_by_test_id("verify-form")).to_have_count(0)  # nobody verifies their own
    [submission] = head.call("GET", f"/tasks/{ward_task}")["submissions"]
    assert submission["actor_name"] == "内科 赵护士"


def test_a_failed_check_sends_the_task_back_with_a_new_deadline(page, base_url, failed_task):
    ServerApi(base_url, "depthead").call("POST", f"/tasks/{failed_task}/evidence", evidence("好了"))
    open_task(page, base_url, "inspector", failed_task)
    form = page.get_by_test_id("verify-form")

    form.get_by_label("说明").fill("门前仍有杂物")
    form.get_by_role("button", name="复查不合格").click()

    expect(page.get_by_test_id("task-message")).to_contain_text("整改时限已重新计算")
    history = page.get_by_test_id("task-history")
    expect(history).to_contain_text("复查未通过")
    expect(history).to_contain_text("新的整改时限")
    assert ServerApi(base_url).call("GET", f"/tasks/{failed_task}")["overdue"] is False


def test_the_history_says_a_check_passed(page, base_url, failed_task):
    ServerApi(base_url, "depthead").call("POST", f"/tasks/{failed_task}/evidence", evidence("好了"))
    open_task(page, base_url, "inspector", failed_task)

    page.get_by_test_id("verify-form").get_by_role("button", name="复查合格，销号").click()

    expect(page.get_by_test_id("task-history")).to_contain_text("复查通过")
    expect(page.get_by_test_id("task-history")).not_to_contain_text("复查确认")


def test_a_leader_reads_the_tasks_and_the_weekly_report_and_is_offered_no_change(
    page, base_url, failed_task
):
    login(page, base_url, "leader")

    expect(page.get_by_role("button", name="待我处理", exact=False)).to_have_count(0)
    expect(page.get_by_role("link", name="周报")).to_be_visible()
    expect(page.get_by_role("link", name="巡查")).to_be_hidden()
    page.locator(f'[data-task-id="{failed_task}"] a').click()
    expect(page.get_by_test_id("task-failures")).to_contain_text("门前堆放杂物")
    expect(page.get_by_test_id("task-actions")).to_be_empty()


def test_a_task_moved_away_leaves_the_old_departments_device(page, base_url, failed_task):
    login(page, base_url, "depthead")
    page.goto(f"{base_url}/#/tasks")
    expect(page.locator(f'[data-task-id="{failed_task}"]')).to_be_visible()
    supervisor = ServerApi(base_url, "supervisor")
    supervisor.call("GET", f"/tasks/{failed_task}")
    body = {"department_id": department_id(base_url, "内科"), "reason": "病区的问题"}
    supervisor.call("PATCH", f"/tasks/{failed_task}", body, headers={"If-Match": supervisor.etag})

    page.locator(f'[data-task-id="{failed_task}"] a').click()

    expect(page.get_by_role("alert")).to_have_text("没有这个整改任务，或无权查看")
    page.get_by_role("link", name="← 返回整改任务").click()
    expect(page.locator(f'[data-task-id="{failed_task}"]')).to_have_count(0)
