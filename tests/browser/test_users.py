"""Accounts in the app, for administrators: create one that can log in, change it, close it."""

from __future__ import annotations

import urllib.error

import pytest
from playwright.sync_api import expect

from server.services.seed import DEMO_USERS
from tests.browser.conftest import ServerApi, login

pytestmark = pytest.mark.browser


def open_users(page, base_url: str) -> None:
    login(page, base_url, "admin")
    page.get_by_role("link", name="设置").click()
    page.get_by_role("link", name="用户管理").click()
    expect(page.get_by_test_id("user")).to_have_count(len(DEMO_USERS))  # the demo accounts


def test_an_admin_creates_an_inspector_who_can_log_in(page, base_url):
    open_users(page, base_url)
    page.get_by_test_id("new-user").locator("summary").click()
    form = page.get_by_test_id("new-user-form")

    form.get_by_label("登录名").fill("zhao")
    form.get_by_label("姓名（显示名）").fill("检查员 赵敏")
    form.get_by_label("检查员").check()
    form.get_by_label("所属科室").select_option(label="护理部")
    form.get_by_label("初始密码（至少 8 位）").fill("ward-walk-8")
    form.get_by_role("button", name="创建账号").click()

    expect(page.get_by_test_id("users-message")).to_contain_text("检查员 赵敏")
    expect(page.get_by_test_id("user")).to_have_count(len(DEMO_USERS) + 1)
    assert ServerApi(base_url, "zhao", "ward-walk-8").user["roles"] == ["inspector"]


def test_a_refused_account_names_the_field_and_keeps_the_form(page, base_url):
    open_users(page, base_url)
    page.get_by_test_id("new-user").locator("summary").click()
    form = page.get_by_test_id("new-user-form")

    form.get_by_label("登录名").fill("inspector")  # taken
    form.get_by_label("姓名（显示名）").fill("重名")
    form.get_by_label("检查员").check()
    form.get_by_label("初始密码（至少 8 位）").fill("ward-walk-8")
    form.get_by_role("button", name="创建账号").click()

    expect(form.get_by_role("alert")).to_contain_text("username")
    expect(form.get_by_label("姓名（显示名）")).to_have_value("重名")


def test_closing_an_account_logs_its_devices_out(page, base_url):
    inspector = ServerApi(base_url)
    open_users(page, base_url)
    row = page.locator("[data-testid=user][data-username=inspector]")
    row.locator("summary").click()

    row.get_by_role("button", name="停用账号").click()
    page.get_by_test_id("dialog-confirm").click()

    expect(page.get_by_test_id("users-message")).to_contain_text("已停用")
    expect(page.locator("[data-testid=user][data-username=inspector]")).to_contain_text("已停用")
    with pytest.raises(urllib.error.HTTPError) as refused:
        inspector.call("GET", "/me")
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError):
        ServerApi(base_url, "inspector")


def test_an_admin_is_not_offered_to_close_their_own_account(page, base_url):
    open_users(page, base_url)
    row = page.locator("[data-testid=user][data-username=admin]")
    row.locator("summary").click()

    expect(row.get_by_role("button", name="保存")).to_be_visible()
    expect(row.get_by_role("button", name="停用账号")).to_have_count(0)


def test_others_are_not_offered_user_management(page, base_url):
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="设置").click()

    expect(page.get_by_role("link", name="用户管理")).to_have_count(0)
