"""Plain HTTP on a real name: the app says at once that it needs HTTPS, and why photos cannot work.

Chromium treats ``http://127.0.0.1`` and ``localhost`` as secure, so the insecure case opens the
live server under another name, ``wardwalk.test``, mapped to loopback by Chromium's resolver —
as a phone opens ``http://192.168.…`` or ``http://wardwalk.hospital.lan``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    CHROMIUM_ARGS,
    PASSWORD,
    TIMEZONE,
    VIEWPORT,
    login,
    start_inspection,
)

NAME = "wardwalk.test"


@pytest.fixture(scope="module")
def named_chromium(chromium):
    """A second Chromium that resolves ``wardwalk.test`` to this machine."""
    browser = chromium.browser_type.launch(
        executable_path="/usr/bin/chromium",
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {NAME} 127.0.0.1"],
        headless=True,
    )
    yield browser
    browser.close()


@pytest.fixture
def insecure_page(named_chromium, base_url):
    """A page of a fresh profile at the app's plain-HTTP address under a name; JS errors fail."""
    context = named_chromium.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id=TIMEZONE)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = context.new_page()
    page.goto(base_url.replace("127.0.0.1", NAME) + "/")
    yield page
    context.close()
    assert not errors, errors


def test_plain_http_on_a_name_shows_what_to_open_instead(insecure_page):
    banner = insecure_page.get_by_test_id("insecure-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("连接不安全")
    expect(banner).to_contain_text("https://")
    expect(insecure_page.get_by_test_id("insecure-https")).to_have_attribute(
        "href", f"https://{NAME}/"
    )


def test_photo_buttons_on_plain_http_say_that_photos_need_https(insecure_page):
    insecure_page.get_by_label("用户名").fill("inspector")
    insecure_page.get_by_label("密码").fill(PASSWORD)
    insecure_page.get_by_role("button", name="登录").click()
    expect(insecure_page.get_by_test_id("start")).to_be_visible(timeout=20_000)
    start_inspection(insecure_page, "无烟医院检查", "OPD-1F-WC")
    expect(insecure_page.get_by_test_id("photo-insecure")).to_contain_text("拍照需要安全连接")
    expect(insecure_page.get_by_role("button", name="拍照")).to_be_disabled()
    expect(insecure_page.get_by_test_id("photo-camera")).to_have_count(0)


def test_banner_speaks_english_when_english_is_chosen(insecure_page):
    insecure_page.get_by_label("用户名").fill("inspector")
    insecure_page.get_by_label("密码").fill(PASSWORD)
    insecure_page.get_by_role("button", name="登录").click()
    expect(insecure_page.get_by_test_id("start")).to_be_visible(timeout=20_000)
    insecure_page.goto(insecure_page.url.split("#")[0] + "#/settings")
    insecure_page.get_by_role("radio", name="English").check()
    expect(insecure_page.get_by_test_id("insecure-banner")).to_contain_text(
        "This connection is not secure."
    )


def test_loopback_is_secure_and_shows_no_warning(page, base_url):
    login(page, base_url)
    expect(page.get_by_test_id("insecure-banner")).to_be_hidden()
    start_inspection(page, "无烟医院检查", "OPD-1F-WC")
    expect(page.get_by_test_id("photo-camera")).to_be_attached()
    expect(page.get_by_test_id("photo-insecure")).to_have_count(0)
