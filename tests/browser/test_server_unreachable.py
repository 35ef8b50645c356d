"""When the network is up but the server is not, the app says so instead of "online", and rows
that cannot be sent say why instead of "sending" for ever."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import answer, expect_waiting, finish, login, start_inspection

pytestmark = pytest.mark.browser


def record_an_inspection(page) -> None:
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "合格")
    finish(page)


def test_a_dead_server_shows_as_unreachable_and_rows_say_why(context, page, base_url):
    login(page, base_url)
    context.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))

    record_an_inspection(page)
    page.get_by_test_id("sync-now").click()

    expect(page.get_by_test_id("network")).to_have_text("服务器不可达")
    states = page.get_by_test_id("record-state")
    expect(states).to_have_count(2)
    expect(states.first).to_have_text("未发送：服务器不可达")
    expect(page.get_by_test_id("outbox")).not_to_contain_text("发送中")

    context.unroute("**/api/v1/**")
    page.get_by_test_id("sync-now").click()
    expect(page.get_by_test_id("network")).to_have_text("在线")
    expect_waiting(page, 0)


def test_a_proxy_without_its_server_counts_as_unreachable(context, page, base_url):
    login(page, base_url)
    context.route("**/api/v1/**", lambda route: route.fulfill(status=502, body="Bad Gateway"))

    page.get_by_test_id("sync-now").click()

    expect(page.get_by_test_id("network")).to_have_text("服务器不可达")


def test_rows_sent_before_the_network_went_say_offline(context, page, base_url):
    login(page, base_url)
    context.route("**/api/v1/sync/push", lambda route: route.abort("connectionrefused"))
    record_an_inspection(page)
    page.get_by_test_id("sync-now").click()
    expect(page.get_by_test_id("network")).to_have_text("服务器不可达")

    context.set_offline(True)

    expect(page.get_by_test_id("network")).to_have_text("离线")
    expect(page.get_by_test_id("record-state").first).to_have_text("未发送：离线")


def test_rows_recorded_offline_are_queued_not_sending(context, page, base_url):
    login(page, base_url)
    context.set_offline(True)

    record_an_inspection(page)

    expect(page.get_by_test_id("network")).to_have_text("离线")
    expect(page.get_by_test_id("record-state").first).to_have_text("排队中")
