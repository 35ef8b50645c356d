"""A supervisor records a problem from a city notice in the app, applied alike (举一反三) to every
toilet: the task opens at once with its reference number, the copies arrive with the pull.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ServerApi, jpeg, login, wait_for_photos

pytestmark = pytest.mark.browser

REF = "市创文办通报〔2026〕12号"


def open_form(page, base_url: str) -> None:
    login(page, base_url, "supervisor")
    page.goto(f"{base_url}/#/tasks")
    page.get_by_test_id("external-open").click()
    expect(page.get_by_test_id("external-form")).to_be_visible()


def test_a_supervisor_records_a_notice_applied_to_every_toilet(page, base_url, tmp_path):
    photo = jpeg(tmp_path / "notice.jpg", (1200, 900), (120, 120, 40))
    open_form(page, base_url)
    form = page.get_by_test_id("external-form")

    search = form.get_by_test_id("location-search")
    search.fill("OPD-1F-WC")
    search.press("Enter")
    expect(form.get_by_test_id("external-alike")).to_contain_text("2 处")
    form.get_by_label("问题描述").fill("卫生间地面有积水，无防滑提示")
    form.get_by_label("严重程度").select_option(label="较重")
    form.get_by_label("来源文号").fill(REF)
    form.get_by_test_id("external-same-use").check()
    form.get_by_test_id("picker-gallery").set_input_files(str(photo))
    expect(form.locator(".thumb img")).to_have_count(1)
    form.get_by_role("button", name="登记").click()

    expect(page.get_by_test_id("task-source")).to_contain_text(REF)
    expect(page.locator(".facts a")).to_have_count(2)  # the two other toilets' copies
    wait_for_photos(page, "task-submissions")
    tasks = ServerApi(base_url, "supervisor").call("GET", "/tasks?source=external")
    assert sorted(task["location_name"]["en"] for task in tasks) == [
        "1F toilets",
        "2F toilets",
        "5F toilets",
    ]
    assert {task["source_ref"] for task in tasks} == {REF}


def test_the_task_list_shows_the_source_and_reference(page, base_url):
    api = ServerApi(base_url, "supervisor")
    body = {
        "id": "6f1c2a52-2f4b-4e4e-9d3c-2b1a0c9e8d71",
        "location_id": api.location_id("OPD-1F-WC"),
        "description": "洗手液缺失",
        "severity": "minor",
        "source": "external",
        "source_ref": REF,
    }
    api.call("POST", "/tasks", body)
    login(page, base_url, "supervisor")
    page.goto(f"{base_url}/#/tasks")
    page.locator("[data-filter=list]").click()

    expect(page.get_by_test_id("task-row-source")).to_have_text(f"外部反馈 · {REF}")


def test_offline_the_form_says_it_needs_a_connection_and_keeps_the_text(page, base_url, context):
    open_form(page, base_url)
    form = page.get_by_test_id("external-form")
    search = form.get_by_test_id("location-search")
    search.fill("OPD-1F-WC")
    search.press("Enter")
    form.get_by_label("问题描述").fill("卫生间地面有积水")
    form.get_by_label("来源文号").fill(REF)
    context.set_offline(True)

    form.get_by_role("button", name="登记").click()

    expect(form.get_by_role("alert")).to_contain_text("需要联网")
    expect(form.get_by_label("问题描述")).to_have_value("卫生间地面有积水")
