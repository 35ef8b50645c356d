"""Where the browser cannot keep data for sure, the app says so plainly, with what to do."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# Older iPhone Safari, WeChat's web view, WebKitGTK: no StorageManager at all.
NO_STORAGE_API = (
    "Object.defineProperty(Navigator.prototype, 'storage', "
    "{ get: () => undefined, configurable: true });"
)
# A browser that answers every request for persistent storage with no.
REFUSES_PERSISTENCE = (
    "StorageManager.prototype.persist = async () => false;"
    "StorageManager.prototype.persisted = async () => false;"
)


def test_without_a_storage_api_home_and_storage_say_data_may_be_cleared(context, page, base_url):
    context.add_init_script(NO_STORAGE_API)
    login(page, base_url)

    expect(page.get_by_test_id("storage-warning")).to_have_text(
        "此浏览器可能清除本机数据：请每次巡查后尽快同步，或将本应用添加到主屏幕。"
    )
    page.get_by_role("link", name="待同步").first.click()
    expect(page.get_by_test_id("storage-persisted")).to_contain_text("此浏览器不能申请持久存储")
    expect(page.get_by_test_id("storage-persisted")).to_contain_text("添加到主屏幕")
    expect(page.get_by_test_id("persist")).to_have_count(0)


def test_a_refused_request_for_persistent_storage_says_what_to_do(context, page, base_url):
    context.add_init_script(REFUSES_PERSISTENCE)
    login(page, base_url)
    expect(page.get_by_test_id("storage-warning")).to_have_count(0)  # it could be asked

    page.get_by_role("link", name="待同步").first.click()
    page.get_by_test_id("persist").click()

    expect(page.get_by_test_id("storage-persisted")).to_have_text(
        "浏览器未同意持久存储：空间不足或长时间未使用时，它可能清除本机数据。"
        "请每次巡查后尽快同步；将本应用添加到主屏幕后可再次申请。"
    )
