"""The main screens render fully translated in both languages; screenshots for the docs.

``WARDWALK_SCREENSHOTS=1`` writes the screenshots to docs/screenshots/ (390×844, as on a phone);
otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.services.seed import DEMO_USERS
from tests.browser.conftest import (
    ServerApi,
    add_record,
    answer,
    choose_location,
    expect_waiting,
    finish,
    jpeg,
    login,
    next_item,
    open_overview,
    sign,
    sign_field,
    start_inspection,
    wait_for_photos,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
KEYS = set(json.loads((ROOT / "client" / "i18n" / "zh-CN.json").read_text(encoding="utf-8")))


@pytest.fixture
def shots(tmp_path) -> Path:
    if os.environ.get("WARDWALK_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    return tmp_path


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')].filter(
  (el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()),
).map((el) => el.outerHTML)"""
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def check_screen(page, name: str) -> None:
    """No catalogue key shows instead of words, every control has a label, nothing overflows."""
    text = page.locator("body").inner_text()
    shown = {word for word in text.split() if word in KEYS}
    assert not shown, f"{name}: untranslated {shown}"
    assert page.evaluate(UNLABELLED) == [], name
    assert page.evaluate(OVERFLOW) <= 0, f"{name}: wider than the screen"


def capture(page, folder: Path, name: str) -> None:
    """Check the screen, then take its screenshot."""
    page.evaluate("document.activeElement?.blur()")
    check_screen(page, name)
    page.screenshot(path=str(folder / f"{name}.png"))


def test_main_screens_in_chinese_and_english(context, page, base_url, photo_files, shots):
    page.goto(base_url + "/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    capture(page, shots, "login")

    login(page, base_url)
    page.get_by_role("radio", name="无烟医院检查").check()
    choose_location(page, "OPD-1F-WC")
    capture(page, shots, "home")

    context.set_offline(True)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files)
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    page.get_by_test_id("note").fill("东门、北门均未张贴禁烟标识")
    capture(page, shots, "walk")
    next_item(page)
    answer(page, "合格")
    finish(page)
    capture(page, shots, "outbox")

    context.set_offline(False)
    expect_waiting(page, 0)
    page.get_by_role("link", name="整改").click()
    expect(page.get_by_test_id("task")).to_have_count(1)
    check_screen(page, "tasks")  # the screenshot is test_task_list_on_a_phone_and_a_desktop's

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_test_id("sync-now")).to_have_text("Sync now")
    expect(page.get_by_test_id("waiting")).to_have_text("All synced")
    page.get_by_role("link", name="Inspect").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an inspection")
    page.get_by_role("radio", name="Smoke-free hospital inspection").check()
    capture(page, shots, "home-en")
    page.reload()  # the choice of language is remembered
    expect(page.get_by_role("heading", level=1)).to_have_text("Start an inspection")


def test_signing_the_feedback_fits_a_phone_and_200_percent_zoom(context, page, base_url, shots):
    login(page, base_url)
    start_inspection(page, "消毒与医疗废物检查", "IPD-5F-WARD")
    answer(page, "合格")
    open_overview(page)
    page.get_by_test_id("sign-link").click()
    department = page.get_by_test_id("sign-department")
    department.get_by_label("签字人姓名（正楷）").fill("王主任")
    sign(page, department)
    page.evaluate("() => window.scrollTo(0, 0)")
    capture(page, shots, "signature")
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "signature at 200 %")


def test_screens_reflow_at_200_percent_zoom(context, page, base_url, photo_files):
    page.set_viewport_size({"width": 195, "height": 422})  # a 390×844 phone at 200 %
    login(page, base_url)
    check_screen(page, "home")
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files[1])
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
    check_screen(page, "walk")
    next_item(page)  # the navigation is reachable
    finish(page)
    check_screen(page, "outbox")
    page.get_by_role("link", name="整改").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("整改任务")
    check_screen(page, "tasks")
    start_inspection(page, "消毒与医疗废物检查", "SVC-WASTE")
    open_overview(page)
    add_record(page, "医疗废物交接登记（科室→收集运送人员）")
    page.get_by_test_id("record-save").click()  # every required field named, under its field
    expect(page.get_by_test_id("record-summary")).to_contain_text("产生科室")
    check_screen(page, "record")
    page.get_by_test_id("overview-link").click()
    expect(page.get_by_test_id("record")).to_have_count(1)
    check_screen(page, "review with a record")


def fill_transfer(page) -> None:
    """A collection with one signature, 60 hours after the oldest waste was stored."""
    page.get_by_label("本次转移中最早一批入暂存处时间").fill("2026-11-17T08:00")
    page.get_by_label("处置单位收运时间").fill("2026-11-19T20:00")
    page.get_by_label("集中处置单位").fill("市医疗废物集中处置中心")
    page.get_by_label("转移联单号").fill("2026-3301-000123")
    page.get_by_label("重量").fill("12.5")
    page.get_by_label("暂存处交出人签名").fill("赵师傅")
    sign_field(page, "released_by")


def test_record_form_in_chinese_and_english(context, page, base_url, shots):
    login(page, base_url)
    start_inspection(page, "消毒与医疗废物检查", "SVC-WASTE")
    open_overview(page)
    check_screen(page, "review")
    add_record(page, "医疗废物转移登记（暂存处→集中处置单位）")
    fill_transfer(page)
    expect(page.get_by_test_id("rule-hint")).to_have_count(2)
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, shots, "record")
    page.get_by_test_id("rule-hints").scroll_into_view_if_needed()
    capture(page, shots, "record-rules")

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Medical-waste transfer (store → licensed disposal contractor)"
    )
    expect(page.get_by_label("Weight (kg)")).to_have_value("12.5")
    expect(page.get_by_label("Transfer-manifest number")).to_have_value("2026-3301-000123")
    expect(
        page.get_by_label("When the oldest waste of this transfer entered the store")
    ).to_have_value("2026-11-17T08:00")
    expect(page.get_by_test_id("rule-hint").first).to_have_text(
        "Medical waste leaves the temporary store within 2 days (48 hours)"
    )
    check_screen(page, "record-en")


def test_task_screens_in_chinese_and_english(context, page, base_url, failed_task, tmp_path, shots):
    head = ServerApi(base_url, "depthead")
    data = jpeg(tmp_path / "after.jpg", (800, 600), (40, 160, 90)).read_bytes()
    photo_id = str(uuid.uuid4())
    head.put_photo(photo_id, data)
    evidence = {"id": str(uuid.uuid4()), "note": "杂物已清理", "photo_ids": [photo_id]}
    head.call("POST", f"/tasks/{failed_task}/evidence", evidence)
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="整改").click()
    expect(page.get_by_test_id("task")).to_have_count(1)
    page.get_by_test_id("task").get_by_role("link").click()
    expect(page.get_by_test_id("verify-form")).to_be_visible()
    wait_for_photos(page, "task-failures")
    wait_for_photos(page, "task-submissions")
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, shots, "task")
    page.get_by_test_id("verify-form").scroll_into_view_if_needed()
    capture(page, shots, "task-verify")

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    page.go_back()
    expect(page.get_by_test_id("task-status")).to_have_text("Awaiting re-check")
    check_screen(page, "task-en")
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "task at 200 %")


def test_task_list_on_a_phone_and_a_desktop(page, base_url, problem_list, shots):
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="整改").click()
    page.get_by_role("button", name="任务清单", exact=False).click()
    expect(page.get_by_test_id("task")).to_have_count(5)
    page.get_by_test_id("task-filters-toggle").click()
    check_screen(page, "tasks with the filters open")
    page.get_by_test_id("task-filters").get_by_label("状态").select_option(
        label="全部（含已关闭、已撤销）"
    )
    page.get_by_test_id("task-filters-toggle").click()
    expect(page.get_by_test_id("task")).to_have_count(6)
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, shots, "tasks")

    page.set_viewport_size({"width": 1280, "height": 900})
    for title in ("5F toilets: leaking tap", "Medical ward: corridor cluttered"):
        page.locator(f'[data-task-id="{problem_list[title]}"]').get_by_test_id(
            "task-select"
        ).check()
    expect(page.get_by_test_id("bulk-move")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, shots, "tasks-desktop")

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    page.go_back()
    expect(page.get_by_test_id("bulk-move")).to_be_hidden()  # the choice is not kept
    expect(page.get_by_test_id("task").first).to_contain_text("Department")
    check_screen(page, "tasks-en on a desktop")
    page.set_viewport_size({"width": 195, "height": 422})  # a 390×844 phone at 200 %
    check_screen(page, "tasks at 200 %")


def test_reports_screen(context, page, base_url, failed_task, shots):
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="周报").click()
    report = page.frame_locator("[data-testid=report-frame]")
    expect(report.get_by_role("heading", level=1)).to_contain_text("整改周报")
    capture(page, shots, "reports")
    labels = page.get_by_test_id("labels")
    labels.get_by_label("打印范围").select_option(label="本部院区 › 门诊楼 › 门诊楼一层 (OPD-1F)")
    with context.expect_page() as opened:
        labels.get_by_role("button", name="打开标签打印页").click()
    opened.value.wait_for_load_state()
    opened.value.screenshot(path=str(shots / "labels.png"))
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "reports at 200 %")


def test_ranking_screen_and_monthly_report(context, page, base_url, checked_this_week, shots):
    login(page, base_url, "leader")
    page.get_by_role("link", name="周报").click()
    ranking = page.get_by_test_id("ranking")
    expect(ranking.get_by_test_id("ranking-row").first.locator(".rank")).to_have_text("1")
    ranking.scroll_into_view_if_needed()
    capture(page, shots, "ranking")
    monthly = page.get_by_test_id("monthly")
    with context.expect_page() as opened:
        monthly.get_by_role("button", name="打开月度通报").click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.get_by_test_id("ranking-table")).to_be_visible()
    report.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    report.screenshot(path=str(shots / "monthly-report.png"))

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    page.go_back()
    expect(page.get_by_test_id("ranking").get_by_role("heading")).to_have_text("Department ranking")
    check_screen(page, "ranking-en")
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "ranking at 200 %")


def test_users_screen(page, base_url, shots):
    login(page, base_url, "admin")
    page.get_by_role("link", name="设置").click()
    page.get_by_role("link", name="用户管理").click()
    expect(page.get_by_test_id("user")).to_have_count(len(DEMO_USERS))
    page.locator("[data-testid=user][data-username=depthead] summary").click()
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, shots, "users")
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "users at 200 %")


def test_inbox_screen_in_chinese_and_english(context, page, base_url, failed_task, shots):
    supervisor = ServerApi(base_url, "supervisor")
    supervisor.call("GET", f"/tasks/{failed_task}")
    head_id = ServerApi(base_url, "depthead").user["id"]
    assign = {"assignee_id": head_id}
    supervisor.call("PATCH", f"/tasks/{failed_task}", assign, headers={"If-Match": supervisor.etag})
    login(page, base_url, "depthead")
    expect(page.get_by_test_id("inbox-badge")).to_have_text("2")
    page.locator(".tabbar a[data-route=inbox]").click()
    expect(page.get_by_test_id("notice")).to_have_count(2)
    capture(page, shots, "inbox")

    page.get_by_role("link", name="设置").click()
    page.get_by_role("radio", name="English").check()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.get_by_test_id("notice").first).to_contain_text("Task assigned to you")
    check_screen(page, "inbox-en")
    page.set_viewport_size({"width": 195, "height": 422})  # 200 % zoom
    check_screen(page, "inbox at 200 %")


def test_photo_viewer_screen(page, base_url, photo_files, shots):
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files)
    wait_for_photos(page, "thumbs")

    page.get_by_role("button", name="放大查看：照片 2").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=viewer-image]').naturalWidth > 0"
    )
    capture(page, shots, "photo-viewer")


def test_my_inspections_and_the_feedback_report_on_a_phone(page, base_url, failed_task, shots):
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, base_url, "inspector")
    page.get_by_test_id("my-inspections").click()
    check_screen(page, "my inspections")
    page.get_by_test_id("mine-open").click()
    feedback = page.frame_locator("[data-testid=feedback-frame]")
    feedback.get_by_test_id("failures").scroll_into_view_if_needed()
    capture(page, shots, "feedback-report")


def test_weekly_report_on_a_phone_and_its_printable_problem_list(
    context, page, base_url, failed_task, problem_list, shots
):
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="周报").click()
    report = page.frame_locator("[data-testid=report-frame]")
    report.get_by_test_id("problem-list").scroll_into_view_if_needed()
    capture(page, shots, "report-phone")

    with context.expect_page() as opened:
        page.get_by_role("button", name="打开打印版").click()
    printable = opened.value
    printable.wait_for_load_state()
    printable.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    printable.get_by_test_id("problem-list").screenshot(path=str(shots / "problem-list.png"))


def test_mark_up_screen(page, base_url, photo_files, shots):
    from tests.browser.test_photo_marks import ARROW, ELLIPSE, TEXT_AT, at, drag_with_mouse

    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files[1])
    wait_for_photos(page, "thumbs")

    page.get_by_test_id("mark-up").click()
    drag_with_mouse(page, *ELLIPSE)
    page.get_by_test_id("marks-arrow").click()
    drag_with_mouse(page, *ARROW)
    page.get_by_test_id("marks-text").click()
    page.get_by_test_id("marks-words").fill("烟头")
    page.mouse.click(*at(page, TEXT_AT))
    capture(page, shots, "mark-up")
    page.get_by_test_id("marks-save").click()
    expect(page.get_by_test_id("show-original")).to_be_visible()
    wait_for_photos(page, "thumbs")
    page.get_by_test_id("thumbs").scroll_into_view_if_needed()
    capture(page, shots, "photo-marked")
