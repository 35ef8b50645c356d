"""Half the API requests fail, before or after the server saw them: nothing is lost or doubled."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    answer,
    expect_waiting,
    finish,
    login,
    next_item,
    start_inspection,
)

pytestmark = pytest.mark.browser

LOCATIONS = ["OPD-1F-WC", "OPD-2F-WC", "IPD-5F-WC"]


def test_outbox_drains_through_a_flaky_network_without_duplicates(
    context, page, base_url, photo_files, server_api
):
    login(page, base_url)
    context.set_offline(True)
    for code in LOCATIONS:
        start_inspection(page, "无烟医院检查", code, show_all=True)
        answer(page, "不合格")
        page.get_by_test_id("photo-gallery").set_input_files(photo_files[1])
        expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
        next_item(page)
        answer(page, "合格")
        finish(page)
    expect_waiting(page, 9)

    chance = random.Random(20261123)
    seen = {"lost_before": 0, "lost_after": 0, "through": 0}

    def flaky(route):
        draw = chance.random()
        if draw < 0.25:  # the request never reaches the server
            seen["lost_before"] += 1
            route.abort("connectionreset")
        elif draw < 0.5:  # the server does the work, the answer is lost on the way back
            seen["lost_after"] += 1
            route.fetch()
            route.abort("connectionreset")
        else:
            seen["through"] += 1
            route.continue_()

    context.route("**/api/v1/**", flaky)
    context.set_offline(False)
    expect_waiting(page, 0, timeout=90_000)
    context.unroute("**/api/v1/**")
    assert seen["lost_before"] and seen["lost_after"], seen

    inspections = server_api.inspections()
    assert len(inspections) == len(LOCATIONS)
    assert all(row["complete"] and row["photos_present"] == 1 for row in inspections)
    assert sorted(len(row["findings"]) for row in inspections) == [2, 2, 2]
    page.get_by_role("link", name="整改").click()
    expect(page.get_by_test_id("task")).to_have_count(len(LOCATIONS), timeout=20_000)
