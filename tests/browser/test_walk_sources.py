"""The walk names an item's sources by readable document names, and marks a quote that is not
the source's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from server.schemas.checklist_definition import iter_items
from tests.browser.conftest import choose_location, login, start_inspection

pytestmark = pytest.mark.browser

SMOKE_FREE = Path(__file__).resolve().parents[2] / "checklists" / "smoke-free.yaml"


def test_the_walk_shows_the_source_by_its_document_name_and_part(page, base_url):
    login(page, base_url)
    start_inspection(page, "医院文明城市创建实地考核", "OPD-1F-WC")

    source = page.get_by_test_id("source")  # environment.public_areas_clean
    first = "依据：进一步改善医疗服务行动计划 · 第1部分 做好就诊区域环境卫生整治"
    expect(source).to_contain_text(first)
    expect(source).to_contain_text("；优质服务基层行活动实施方案 · 第3部分")
    expect(source).not_to_contain_text("000/P1")


def test_a_reconstructed_quote_is_marked_as_such(page, base_url):
    ids = [item["id"] for item in iter_items(yaml.safe_load(SMOKE_FREE.read_text("utf-8")))]
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)

    page.goto(page.url.rsplit("/", 1)[0] + f"/{ids.index('management.training')}")

    source = page.get_by_test_id("source")
    expect(source).to_contain_text("医院创城工作实施方案 · 第2部分")
    expect(source).to_contain_text("（引文据乱码原文还原）")


def test_the_visit_screen_names_the_checklists_sources_too(page, base_url):
    login(page, base_url)
    page.get_by_role("radio", name="医院文明城市创建实地考核").check()
    choose_location(page, "OPD-1F-WC")
    page.get_by_test_id("start").click()

    expect(page.get_by_text("依据：医院创城工作实施方案 · 第1部分；")).to_be_visible()
