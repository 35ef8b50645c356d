"""Every kind of item: numbers, counts, choices, N/A and free text reach the server as judged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import answer, expect_waiting, finish, login, start_inspection

pytestmark = pytest.mark.browser


def go_to_item(page, position: int) -> None:
    """Jump to item ``position`` (1-based) of the draft on screen."""
    draft_id = page.url.split("#/walk/")[1].split("/")[0]
    page.evaluate(f"location.hash = '#/walk/{draft_id}/{position - 1}'")
    expect(page.get_by_test_id("progress")).to_contain_text(f"第 {position} 项")


def test_numbers_counts_choices_and_text_are_sent_and_judged(
    context, page, base_url, photo_files, server_api
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, "消毒与医疗废物检查", "SVC-WASTE", show_all=True)
    go_to_item(page, 8)  # waste stored at most 48 hours
    page.get_by_test_id("answer-number").fill("72")
    expect(page.get_by_test_id("verdict")).to_have_text("不合格")
    go_to_item(page, 21)  # days missing from the disinfection log, at most 0
    page.get_by_test_id("answer-number").fill("3")
    expect(page.get_by_test_id("verdict")).to_have_text("不合格")
    go_to_item(page, 22)  # chlorine test strip: a failing choice needs a photo
    page.get_by_role("radio", name="浓度偏低").check()
    expect(page.get_by_test_id("problem")).to_have_text("此项需要拍照")
    page.get_by_test_id("photo-camera").set_input_files(photo_files[1])
    expect(page.get_by_test_id("problem")).to_have_count(0)
    go_to_item(page, 23)  # UV irradiance: not applicable here
    page.get_by_label("不适用").check()
    expect(page.get_by_test_id("answer-number")).to_be_disabled()
    go_to_item(page, 32)  # the chlorine reading was taken and entered in its record form
    answer(page, "合格")
    expect(page.get_by_test_id("verdict")).to_have_text("合格")
    finish(page)

    start_inspection(page, "医院文明城市创建实地考核", "OPD-1F-HALL", show_all=True)
    go_to_item(page, 65)  # interview notes: free text, never photographed
    expect(page.get_by_text("此项禁止拍照（保护隐私）。")).to_be_visible()
    page.get_by_test_id("answer-text").fill("患者反映候诊区座位不足")
    expect(page.get_by_test_id("verdict")).to_have_text("已记录")
    finish(page)

    context.set_offline(False)
    expect_waiting(page, 0)
    answers = {
        finding["item_id"]: (finding["verdict"], finding["value"])
        for inspection in server_api.inspections()
        for finding in inspection["findings"]
    }
    assert answers == {
        "waste_storage.max_hours": ("fail", 72),
        "disinfection.log_missing_days": ("fail", 3),
        "disinfection.chlorine_test": ("fail", "too_low"),
        "disinfection.uv_irradiance": ("na", None),
        "sewage.chlorine_reading": ("pass", None),
        "conduct.interview_notes": ("na", "患者反映候诊区座位不足"),
    }
