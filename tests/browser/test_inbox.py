"""The inbox across users: an inspector fails an item, and the head of the department responsible
for it sees an unread notification on their own phone and opens the task from it; the inbox reads
offline; a link from a chat message opens the task after logging in.

Every department of the demo hospital gets a head first, so whichever department the item is
routed to (the checklist's, or the place's), its head is there to hear of it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.models import Department, User, UserRole
from tests import factories as f
from tests.browser.conftest import (
    PASSWORD,
    TIMEZONE,
    VIEWPORT,
    ServerApi,
    answer,
    expect_waiting,
    finish,
    login,
    start_inspection,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def heads(session, demo) -> dict[int, str]:
    """A department head for every department of the demo hospital: department id → username."""
    password_hash = f.password_hash(PASSWORD)
    usernames = {}
    for department in session.scalars(
        select(Department).where(Department.hospital_id == demo.id)
    ).all():
        username = f"head-{department.code}"
        session.add(
            User(
                username=username,
                display_name=f"{department.name_zh} 科长",
                password_hash=password_hash,
                department_id=department.id,
                role_rows=[UserRole(role="department_head")],
                hospitals=[demo],
            )
        )
        usernames[department.id] = username
    session.commit()
    return usernames


@pytest.fixture
def second_device(chromium):
    """Another phone: a browser profile of its own, failing the test on any JavaScript error."""
    context = chromium.new_context(
        viewport=VIEWPORT, locale="zh-CN", timezone_id=TIMEZONE, service_workers="allow"
    )
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, errors


def login_as_head(page, base_url: str, username: str, path: str = "/") -> None:
    """Sign in as a department head (from ``path``) and wait for the first sync."""
    page.goto(f"{base_url}/#{path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("last-sync")).not_to_have_attribute("data-at", "", timeout=20_000)


def fail_an_item(page, base_url: str, photo_files) -> None:
    """As the inspector, in the app: fail the first no-smoking item with a photo, and sync."""
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC")
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files[1])
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
    page.get_by_test_id("note").fill("东门没有禁烟标识")
    finish(page)
    expect_waiting(page, 0)


@pytest.fixture
def failed(page, base_url, photo_files, heads, server_api) -> dict:
    """The task the inspector's failure opened, and the username of its department's head."""
    fail_an_item(page, base_url, photo_files)
    [task] = server_api.call("GET", "/tasks")
    return {"task": task, "head": heads[task["department_id"]]}


def test_the_departments_head_sees_the_new_problem_unread_and_opens_the_task(
    second_device, base_url, failed
):
    task, head = failed["task"], failed["head"]
    page = second_device.new_page()
    login_as_head(page, base_url, head)

    badge = page.get_by_test_id("inbox-badge")
    expect(badge).to_have_text("1")
    page.locator(".tabbar a[data-route=inbox]").click()
    notice = page.locator("[data-testid=notice][data-unread=true]")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("1 个新整改问题")
    expect(page.get_by_role("heading", level=2)).to_have_text("今天")

    notice.get_by_test_id("notice-task").click()

    expect(page).to_have_url(re.compile(rf"#/task/{task['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(task["title"]["zh-CN"])
    expect(badge).to_be_hidden()
    [stored] = ServerApi(base_url, head).call("GET", "/notifications")
    assert (stored["code"], stored["task_id"]) == ("task.created", task["id"])
    assert stored["read_at"] is not None  # the mark reached the server at once


def test_the_inbox_reads_offline_and_marks_read_once_back_online(second_device, base_url, failed):
    head = failed["head"]
    page = second_device.new_page()
    login_as_head(page, base_url, head)
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    second_device.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("network")).to_have_text("离线")
    page.locator(".tabbar a[data-route=inbox]").click()
    expect(page.locator("[data-testid=notice][data-unread=true]")).to_have_count(1)
    page.get_by_test_id("inbox-read-all").click()
    expect(page.locator("[data-testid=notice][data-unread=false]")).to_have_count(1)
    expect(page.get_by_test_id("inbox-badge")).to_be_hidden()
    assert ServerApi(base_url, head).call("GET", "/notifications?unread=true") != []

    last_sync = page.get_by_test_id("last-sync")
    synced_before = last_sync.get_attribute("data-at")
    second_device.set_offline(False)  # "online": the app syncs, read marks first
    expect(last_sync).not_to_have_attribute("data-at", synced_before, timeout=20_000)
    assert ServerApi(base_url, head).call("GET", "/notifications?unread=true") == []


def test_a_link_from_a_chat_message_opens_the_task_after_login(second_device, base_url, failed):
    task, head = failed["task"], failed["head"]
    page = second_device.new_page()

    login_as_head(page, base_url, head, path=f"/task/{task['id']}")

    expect(page).to_have_url(re.compile(rf"#/task/{task['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(task["title"]["zh-CN"])


def test_the_new_problems_notice_opens_the_inspections_written_feedback(
    second_device, base_url, failed
):
    page = second_device.new_page()
    login_as_head(page, base_url, failed["head"])
    page.locator(".tabbar a[data-route=inbox]").click()

    page.get_by_test_id("notice").locator(".inbox-link").click()

    expect(page).to_have_url(re.compile(r"#/inspection/[0-9a-f-]{36}$"))
    feedback = page.frame_locator("[data-testid=feedback-frame]")
    expect(feedback.locator("body")).to_contain_text("东门没有禁烟标识")
    expect(feedback.locator("body")).to_contain_text(failed["task"]["title"]["zh-CN"])
