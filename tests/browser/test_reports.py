"""The weekly report in the app: read on screen, another week chosen, the problem list downloaded;
shown to those who read reports, not to inspectors; and the tabs each role is offered."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

TITLE = "门诊大厅：落实门前三包"  # the task the failed_task fixture opens, as the list words it


def open_reports(page, base_url: str) -> None:
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="周报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("每周督导报告")


def test_the_week_so_far_is_read_with_its_open_problems(page, base_url, failed_task):
    open_reports(page, base_url)

    report = page.frame_locator("[data-testid=report-frame]")
    expect(report.get_by_role("heading", level=1)).to_contain_text("整改周报")
    expect(report.locator("body")).to_contain_text(TITLE)


def test_another_week_can_be_chosen(page, base_url, failed_task):
    open_reports(page, base_url)
    week = page.get_by_label("周次")
    earlier = week.locator("option").nth(3).get_attribute("value")

    week.select_option(earlier)

    heading = page.frame_locator("[data-testid=report-frame]").get_by_role("heading", level=1)
    expect(heading).to_contain_text(earlier)


def test_the_problem_list_downloads_as_excel(page, base_url, failed_task, tmp_path):
    open_reports(page, base_url)

    with page.expect_download() as download:
        page.get_by_test_id("download-xlsx").click()
    path = tmp_path / "list.xlsx"
    download.value.save_as(path)

    sheet = openpyxl.load_workbook(path).active
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert "问题描述" in cells
    assert any(TITLE in cell for cell in cells)


def test_inspectors_are_not_shown_reports(page, base_url):
    login(page, base_url, "inspector")

    expect(page.get_by_role("link", name="周报")).to_be_hidden()
    expect(page.get_by_role("link", name="整改")).to_be_visible()


def test_qr_labels_of_a_building_open_to_print(context, page, base_url):
    open_reports(page, base_url)
    labels = page.get_by_test_id("labels")
    labels.get_by_label("打印范围").select_option(label="本部院区 › 住院楼 (IPD)")

    with context.expect_page() as opened:
        labels.get_by_role("button", name="打开标签打印页").click()
    sheet = opened.value
    sheet.wait_for_load_state()

    codes = sheet.locator("[data-code]").evaluate_all("nodes => nodes.map((n) => n.dataset.code)")
    assert codes[:2] == ["IPD", "IPD-5F"]
    assert "IPD-6F-WARD" in codes and not any(code.startswith("OPD") for code in codes)
    assert sheet.locator("img").first.evaluate("img => img.naturalWidth") > 0


def test_a_department_head_opens_on_tasks_without_the_inspection_tab(page, base_url):
    login(page, base_url, "depthead")

    expect(page.get_by_role("heading", level=1)).to_have_text("整改任务")
    expect(page.get_by_role("link", name="巡查")).to_be_hidden()
    page.goto(f"{base_url}/#/")
    expect(page).to_have_url(f"{base_url}/#/tasks")


def test_the_department_ranking_is_read_in_the_weekly_view(page, base_url, checked_this_week):
    open_reports(page, base_url)

    ranking = page.get_by_test_id("ranking")
    expect(ranking.get_by_role("heading", name="科室排名")).to_be_visible()
    first = ranking.get_by_test_id("ranking-row").first
    expect(first).to_contain_text("每百项扣 0.00 分 · 检查 1 项次")
    expect(first.locator(".rank")).to_have_text("1")
    expect(ranking.get_by_test_id("ranking-unchecked")).to_contain_text("未检查（")  # nobody came


def test_the_monthly_report_opens_to_print(context, page, base_url, checked_this_week):
    open_reports(page, base_url)
    monthly = page.get_by_test_id("monthly")

    with context.expect_page() as opened:
        monthly.get_by_role("button", name="打开月度通报").click()
    report = opened.value
    report.wait_for_load_state()

    expect(report.get_by_role("heading", level=1)).to_contain_text("科室月度通报")
    expect(report.get_by_test_id("ranking-table")).to_contain_text("每100项扣分")
