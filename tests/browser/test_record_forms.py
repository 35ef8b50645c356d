"""Record forms filled in offline during an inspection: checked on the phone for input, judged by
the server for rules, and the tasks their broken rules open come back to the phone."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.models import Location, RecordEntry
from tests.browser.conftest import (
    add_record,
    choose_location,
    expect_waiting,
    login,
    open_overview,
    save_record,
    sign_field,
    start_inspection,
)

pytestmark = pytest.mark.browser

INFECTION_CONTROL = "消毒与医疗废物检查"
HANDOVER = "医疗废物交接登记（科室→收集运送人员）"
TRANSFER = "医疗废物转移登记（暂存处→集中处置单位）"
DISINFECTION = "环境物体表面消毒登记"
UV_LAMP = "紫外线灯辐照强度监测"


def fill_handover(page, weight: str = "12.5") -> None:
    """A department's waste put into the store on the 17th at 08:00, signed by both."""
    page.get_by_label("产生科室").fill("内科一病区")
    page.get_by_label("废物类别").select_option(label="感染性废物")
    page.get_by_label("重量").fill(weight)
    page.get_by_label("包装件数").fill("3")
    page.get_by_label("入暂存处时间").fill("2026-11-17T08:00")
    page.get_by_label("科室交出人签名").fill("王护士")
    sign_field(page, "handed_over_by")
    page.get_by_label("收集运送人员签名").fill("张师傅")
    sign_field(page, "received_by")


def fill_transfer(page) -> None:
    """A collection three days (72 h) after the oldest waste went in, signed by the store only."""
    page.get_by_label("本次转移中最早一批入暂存处时间").fill("2026-11-17T08:00")
    page.get_by_label("处置单位收运时间").fill("2026-11-20T08:00")
    page.get_by_label("集中处置单位").fill("市医疗废物集中处置中心")
    page.get_by_label("转移联单号").fill("2026-3301-000123")
    page.get_by_label("重量").fill("40")
    page.get_by_label("暂存处交出人签名").fill("赵师傅")
    sign_field(page, "released_by")


def fill_disinfection(page) -> None:
    """A routine disinfection log that keeps every rule."""
    page.get_by_label("消毒区域或对象").fill("治疗室台面")
    page.get_by_label("消毒方法").select_option(label="擦拭")
    page.get_by_label("消毒目的").select_option(label="日常消毒（一般污染、细菌繁殖体）")
    page.get_by_label("有效氯浓度").fill("500")
    page.get_by_label("作用时间").fill("30")
    page.get_by_label("消毒时间").fill("2026-11-20T09:30")
    page.get_by_label("操作人签名").fill("李保洁")
    sign_field(page, "operator")


def stored_records(session) -> dict[str, RecordEntry]:
    """The records the live server stored, by type."""
    session.commit()  # end the test's transaction to see what the server's threads wrote
    return {row.record_type: row for row in session.scalars(select(RecordEntry))}


def test_offline_records_are_judged_by_the_server_and_their_tasks_come_back(
    context, page, base_url, session
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, INFECTION_CONTROL, "SVC-WASTE")
    inspection_id = page.url.split("#/walk/")[1].split("/")[0]
    open_overview(page)

    add_record(page, TRANSFER)
    expect(page.get_by_test_id("record-location")).to_contain_text("SVC-WASTE")
    fill_transfer(page)
    # The rules look broken: a hint, not a block — the server judges.
    expect(page.get_by_test_id("rule-hint")).to_have_text(
        ["医疗废物暂时贮存时间不超过2天（48小时）", "暂存处与处置单位交接双方签名齐全"]
    )
    save_record(page)
    add_record(page, DISINFECTION)
    fill_disinfection(page)
    expect(page.get_by_test_id("rule-hints")).to_have_count(0)
    save_record(page)
    records = page.get_by_test_id("record")
    expect(records).to_have_count(2)
    expect(records.first).to_have_attribute("data-state", "fail")
    expect(records.nth(1)).to_have_attribute("data-state", "pass")

    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()  # no item answered: only the logs were checked
    expect(page.get_by_test_id("outbox-record")).to_have_count(3)
    page.reload()
    expect(page.get_by_test_id("outbox-record")).to_have_text(
        [
            "检查记录排队中",
            f"记录表：{TRANSFER}1 个手写签名排队中",
            f"记录表：{DISINFECTION}1 个手写签名排队中",
        ]
    )
    expect_waiting(page, 3)

    context.set_offline(False)
    expect_waiting(page, 0)
    stored = stored_records(session)
    assert set(stored) == {"medical_waste_transfer", "disinfection_log"}
    waste, log = stored["medical_waste_transfer"], stored["disinfection_log"]
    waste_room = session.scalar(select(Location.id).where(Location.code == "SVC-WASTE"))
    assert waste.inspection_id == uuid.UUID(inspection_id) and waste.location_id == waste_room
    assert waste.verdict == "fail"
    assert {rule["id"] for rule in waste.failed_rules} == {"both_signatures", "stored_max_48h"}
    # Typed in Beijing time, sent with the phone's offset, stored in UTC.
    assert waste.fields["oldest_stored_at"] == "2026-11-17T00:00:00Z"
    assert waste.fields["weight_kg"] == 40 and "contractor_received_by" not in waste.fields
    assert (log.verdict, log.failed_rules) == ("pass", [])
    assert log.fields["method"] == "wiping" and log.fields["contact_minutes"] == 30

    page.get_by_role("link", name="整改").click()
    tasks = page.get_by_test_id("task")
    expect(tasks).to_have_count(2)
    expect(tasks.filter(has_text=f"{TRANSFER}：暂存处与处置单位交接双方签名齐全")).to_have_count(1)
    expect(tasks.filter(has_text=f"{TRANSFER}：医疗废物暂时贮存时间不超过2天")).to_have_count(1)

    # The next visit lists them too; no item re-checks a record's rule, so no item is offered.
    page.get_by_role("link", name="巡查").click()
    page.get_by_role("radio", name=INFECTION_CONTROL).check()
    choose_location(page, "SVC-WASTE")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("task")).to_have_count(2)
    expect(page.get_by_test_id("recheck-item")).to_have_count(0)


def refuse_weights(route) -> None:
    """Stand in for a server-only constraint: push every handover with a negative weight."""
    body = json.loads(route.request.post_data)
    for record in body["records"]:
        if record["record_type"] == "medical_waste_handover":
            record["fields"]["weight_kg"] = -1
    route.continue_(post_data=json.dumps(body))


def test_input_errors_block_saving_and_a_refused_record_waits_for_a_fix(
    context, page, base_url, session
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, INFECTION_CONTROL, "SVC-WASTE")
    open_overview(page)

    add_record(page, DISINFECTION)
    page.get_by_label("作用时间").fill("-5")
    page.get_by_test_id("record-save").click()
    expect(page.get_by_test_id("record-summary")).to_have_text(
        "请先修正：消毒区域或对象、消毒方法、消毒目的、作用时间、消毒时间"
    )
    area = page.locator("[data-field=area]")
    expect(area.get_by_test_id("field-error")).to_have_text("必填")
    expect(page.get_by_label("消毒区域或对象")).to_be_focused()
    minutes = page.locator("[data-field=contact_minutes]")
    expect(minutes.get_by_test_id("field-error")).to_have_text("不能小于 0 分钟")
    expect(page).to_have_url(re.compile("#/record/"))  # not saved: still on the form
    page.get_by_test_id("overview-link").click()
    expect(page.get_by_test_id("record")).to_have_attribute("data-state", "incomplete")
    expect(page.get_by_role("alert")).to_contain_text(f"记录表「{DISINFECTION}」")
    expect(page.get_by_test_id("finish")).to_be_disabled()

    page.get_by_role("link", name=DISINFECTION, exact=True).click()
    fill_disinfection(page)
    expect(page.locator("[data-testid=field-error]:not(:empty)")).to_have_count(0)
    save_record(page)
    add_record(page, HANDOVER)
    fill_handover(page)
    save_record(page)
    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()

    context.route("**/api/v1/sync/push", refuse_weights)
    context.set_offline(False)
    rejected = page.locator("[data-testid=outbox-record][data-state=rejected]")
    expect(rejected).to_have_count(1)
    expect(rejected.get_by_test_id("reason")).to_have_text("记录内容不完整或格式不对")
    expect(rejected).to_contain_text("涉及字段：重量")
    expect_waiting(page, 0)
    assert set(stored_records(session)) == {"disinfection_log"}

    context.unroute("**/api/v1/sync/push")
    page.get_by_test_id("reopen").click()
    expect(page.get_by_text("此检查曾被服务器退回")).to_be_visible()
    page.get_by_test_id("visit-records").get_by_role("link").click()
    expect(page.get_by_test_id("record")).to_contain_text("服务器退回：记录内容不完整或格式不对")
    page.get_by_role("link", name=HANDOVER, exact=True).click()
    weight = page.locator("[data-field=weight_kg]")
    expect(weight.get_by_test_id("field-error")).to_have_text("服务器退回了此项，请核对后修改")
    page.get_by_label("重量").fill("13")
    expect(weight.get_by_test_id("field-error")).to_be_empty()
    save_record(page)
    page.get_by_test_id("finish").click()
    expect(page.get_by_test_id("outbox-empty")).to_be_visible(timeout=20_000)
    stored = stored_records(session)
    assert stored["medical_waste_handover"].fields["weight_kg"] == 13
    assert {row.verdict for row in stored.values()} == {"pass"}


def test_a_new_uv_lamp_is_held_to_90_and_one_in_use_to_70(context, page, base_url, session):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, INFECTION_CONTROL, "SVC-WASTE")
    open_overview(page)

    add_record(page, UV_LAMP)
    page.get_by_label("灯管编号及位置").fill("UV-3 治疗室")
    page.get_by_label("测定时间").fill("2026-11-20T09:30")
    page.get_by_label("灯管功率及类型").select_option(label="普通30 W直管紫外线灯")
    page.get_by_label("新灯管").check()
    page.get_by_label("辐照强度").fill("80")
    page.get_by_label("累计使用时间").fill("1500")
    page.get_by_label("测定人签名").fill("李护士")
    sign_field(page, "checked_by")
    expect(page.get_by_test_id("rule-hint")).to_have_text(
        ["新的普通30 W直管紫外线灯辐照强度不低于90 μW/cm²"]
    )
    page.get_by_label("新灯管").uncheck()  # the same 80 from a lamp in use is enough
    expect(page.get_by_test_id("rule-hints")).to_have_count(0)
    page.get_by_label("新灯管").check()
    save_record(page)
    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()  # no item answered: only the log was kept
    expect(page.get_by_test_id("outbox-record")).to_have_count(2)

    context.set_offline(False)
    expect_waiting(page, 0)
    lamp = stored_records(session)["uv_lamp_check"]
    assert lamp.fields["lamp_new"] is True and lamp.fields["cumulative_hours"] == 1500
    assert [rule["id"] for rule in lamp.failed_rules] == ["irradiance_new_lamp"]
