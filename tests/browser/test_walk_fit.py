"""The walk fits the place: only what applies to its use, whole sections N/A, no silent finish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import answer, login, next_item, start_inspection

pytestmark = pytest.mark.browser

CIVILIZED_CITY = "医院文明城市创建实地考核"
TOILET_CLEAN = "卫生间地面、便器、洗手台清洁，无污渍、无积水"
CANTEEN_PROMPTS = "就餐区摆放文明餐桌提示牌，张贴文明餐桌贴纸、公约"
# What the civilized-city walk offers at a toilet (the place's use), out of ALL items.
AT_A_TOILET = 14
ALL = 94


def _walk_texts(page) -> list[str]:
    """Open the overview and return the texts of the items it lists."""
    page.get_by_test_id("overview").click()
    expect(page.get_by_test_id("tally")).to_be_visible()
    return page.locator("ol.overview li a span:first-child").all_inner_texts()


def test_a_walk_at_a_toilet_offers_only_what_applies_and_show_all_shows_the_rest(page, base_url):
    login(page, base_url)
    start_inspection(page, CIVILIZED_CITY, "OPD-1F-WC")
    expect(page.get_by_test_id("progress")).to_have_text(f"第 1 项 / 共 {AT_A_TOILET} 项")
    expect(page.get_by_test_id("scope")).to_contain_text(f"{AT_A_TOILET} / {ALL}")

    texts = _walk_texts(page)
    assert len(texts) == AT_A_TOILET
    assert TOILET_CLEAN in texts and CANTEEN_PROMPTS not in texts

    page.go_back()
    page.get_by_test_id("show-all").check()
    expect(page.get_by_test_id("progress")).to_have_text(f"第 1 项 / 共 {ALL} 项")
    assert CANTEEN_PROMPTS in _walk_texts(page)


def test_a_section_marked_not_applicable_is_recorded_for_each_item_and_reported(
    page, base_url, server_api
):
    login(page, base_url)
    start_inspection(page, CIVILIZED_CITY, "OPD-1F-WC")
    answer(page, "合格")  # environment.public_areas_clean
    while page.locator(".section-title").inner_text() != "卫生间":
        next_item(page)
    page.get_by_test_id("section-na").click()
    expect(page.locator("dialog[open]")).to_contain_text("5 项")
    page.get_by_test_id("dialog-confirm").click()
    expect(page.locator(".section-title")).not_to_have_text("卫生间")

    page.get_by_test_id("overview").click()
    expect(page.get_by_test_id("section-na-row")).to_have_text("卫生间：本部分不适用（5 项）不适用")
    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()
    expect(page.get_by_test_id("outbox")).to_be_visible()
    expect(page.get_by_test_id("outbox-empty")).to_be_visible(timeout=20_000)

    [inspection] = server_api.inspections()
    verdicts = {f["item_id"]: f["verdict"] for f in inspection["findings"]}
    assert verdicts == {
        "environment.public_areas_clean": "pass",
        "toilets.clean": "na",
        "toilets.odour": "na",
        "toilets.anti_slip": "na",
        "toilets.fixtures_intact": "na",
        "toilets.handwashing": "na",
    }
    report = server_api.call("GET", f"/inspections/{inspection['id']}/report", raw=True).decode()
    assert report.count('data-testid="section-na"') == 1


def test_finishing_with_unanswered_items_asks_first_and_cancel_keeps_the_draft(page, base_url):
    login(page, base_url)
    start_inspection(page, CIVILIZED_CITY, "OPD-1F-WC")
    answer(page, "合格")
    page.get_by_test_id("overview").click()
    page.get_by_test_id("finish").click()

    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(f"还有 {AT_A_TOILET - 1} 项未检查")
    dialog.get_by_role("button", name="取消").click()
    expect(page.get_by_test_id("tally")).to_be_visible()  # still on the overview, nothing sent
    expect(page.get_by_test_id("waiting")).to_have_attribute("data-count", "0")


def test_an_inspection_with_no_answers_cannot_be_finished_and_stays_a_draft(page, base_url):
    login(page, base_url)
    start_inspection(page, CIVILIZED_CITY, "OPD-1F-WC")
    page.get_by_test_id("overview").click()

    expect(page.get_by_test_id("finish")).to_be_disabled()
    expect(page.get_by_test_id("nothing-answered")).to_contain_text("草稿保留在本机")
