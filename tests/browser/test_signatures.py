"""Handwritten signatures drawn with pointer events: stored on the phone as PNGs, sent through the
outbox like photos, held by the server as decodable images linked to their inspection or record,
and printed on the same-day feedback."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from server.models import Photo, PhotoSlot, RecordEntry
from tests.browser.conftest import (
    add_record,
    answer,
    expect_waiting,
    login,
    open_overview,
    save_record,
    sign,
    sign_by_touch,
    sign_field,
    start_inspection,
)

pytestmark = pytest.mark.browser

INFECTION_CONTROL = "消毒与医疗废物检查"
DISINFECTION = "环境物体表面消毒登记"
SMALL = {"width": 320, "height": 568}


def ink_of(data: bytes) -> tuple[int, int]:
    """Return (darkest, lightest) grey of an image: a signature has dark ink on a light ground."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("L").getextrema()


def sign_the_feedback(page, department_head: str = "王主任") -> None:
    """From the overview: both sign by hand, then back to the overview."""
    page.get_by_test_id("sign-link").click()
    department = page.get_by_test_id("sign-department")
    department.get_by_label("签字人姓名（正楷）").fill(department_head)
    sign(page, department)
    sign(page, page.get_by_test_id("sign-inspector"), wave=0.15)
    page.get_by_test_id("sign-done").click()
    expect(page.get_by_test_id("sign-card")).to_contain_text(
        "已签名：被检查科室负责人签字、检查人签字"
    )


def test_a_feedback_signed_offline_is_synced_and_printed(context, page, base_url, server_api):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, INFECTION_CONTROL, "IPD-5F-WARD")
    answer(page, "合格")
    open_overview(page)
    sign_the_feedback(page)
    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()  # the other items stay unanswered
    inspection_row = page.get_by_test_id("outbox-record").first
    expect(inspection_row).to_contain_text("2 个手写签名")

    context.set_offline(False)
    expect_waiting(page, 0)
    (stored,) = server_api.inspections()
    signatures = {s["role"]: s for s in stored["signatures"]}
    assert signatures["department"]["name"] == "王主任"
    assert signatures["inspector"]["name"]  # the inspector's own name, filled in
    assert stored["complete"] and all(s["photo"]["present"] for s in signatures.values())
    for signature in signatures.values():
        darkest, lightest = ink_of(
            server_api.call("GET", f"/photos/{signature['photo']['id']}", raw=True)
        )
        assert darkest < 80 and lightest > 240  # decodable, with ink on white

    report = server_api.call("GET", f"/inspections/{stored['id']}/report", raw=True).decode()
    block = report.split('data-testid="signatures"', 1)[1]
    assert block.count('<img class="ink" src="data:image/jpeg;base64,') == 2
    assert "王主任" in block


def test_a_record_forms_drawn_signature_reaches_the_server_with_its_record(
    context, page, base_url, session
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, INFECTION_CONTROL, "SVC-WASTE")
    open_overview(page)
    add_record(page, DISINFECTION)
    page.get_by_label("消毒区域或对象").fill("治疗室台面")
    page.get_by_label("消毒方法").select_option(label="擦拭")
    page.get_by_label("消毒目的").select_option(label="日常消毒（一般污染、细菌繁殖体）")
    page.get_by_label("有效氯浓度").fill("500")
    page.get_by_label("作用时间").fill("30")
    page.get_by_label("消毒时间").fill("2026-11-20T09:30")
    page.get_by_label("操作人签名").fill("李保洁")
    expect(page.get_by_test_id("rule-hint")).to_have_count(1)  # not signed by hand yet
    sign_field(page, "operator")
    expect(page.get_by_test_id("rule-hints")).to_have_count(0)
    save_record(page)
    page.get_by_test_id("finish").click()
    page.get_by_test_id("dialog-confirm").click()
    expect_waiting(page, 2)

    context.set_offline(False)
    expect_waiting(page, 0)
    session.commit()
    log = session.scalars(select(RecordEntry)).one()
    assert (log.verdict, log.fields["operator"]["name"]) == ("pass", "李保洁")
    photo_id = uuid.UUID(log.fields["operator"]["photo_id"])
    slot = session.get(PhotoSlot, photo_id)
    assert slot.record_id == log.id
    photo = session.get(Photo, photo_id)
    assert photo.content_type == "image/png" and photo.width <= 800 and photo.height <= 300


def test_the_pad_writes_undoes_and_clears_on_a_small_phone_and_in_landscape(
    context, page, base_url
):
    login(page, base_url)
    page.set_viewport_size(SMALL)
    start_inspection(page, INFECTION_CONTROL, "IPD-5F-WARD")
    answer(page, "合格")
    page.get_by_test_id("overview").click()
    page.get_by_test_id("sign-link").click()
    department = page.get_by_test_id("sign-department")
    canvas = department.get_by_test_id("signature-canvas")
    box = canvas.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL["width"] and box["height"] >= 120
    sign(page, department)
    status = department.get_by_test_id("signature-status")
    department.get_by_test_id("signature-undo").click()
    expect(status).to_have_text("尚未手写签名。")
    expect(department.get_by_test_id("signature-preview")).to_have_count(0)
    department.get_by_test_id("signature-redo").click()
    expect(status).to_have_text("已签名，已保存在本机。")
    department.get_by_test_id("signature-clear").click()
    expect(status).to_have_text("尚未手写签名。")

    page.set_viewport_size({"width": SMALL["height"], "height": SMALL["width"]})
    box = canvas.bounding_box()
    assert box["x"] + box["width"] <= SMALL["height"] and box["height"] >= 100
    sign(page, department)
    page.reload()  # what was drawn is kept in the draft
    expect(
        page.get_by_test_id("sign-department").get_by_test_id("signature-preview")
    ).to_be_visible()


def test_a_finger_signs_on_a_touch_screen_without_scrolling_the_page(small_touch_page, base_url):
    page = small_touch_page
    login(page, base_url)
    start_inspection(page, INFECTION_CONTROL, "IPD-5F-WARD")
    answer(page, "合格")
    page.get_by_test_id("overview").click()
    page.get_by_test_id("sign-link").click()
    department = page.get_by_test_id("sign-department")
    department.get_by_test_id("signature-canvas").scroll_into_view_if_needed()
    scrolled = page.evaluate("() => window.scrollY")
    sign_by_touch(page, department)
    assert page.evaluate("() => window.scrollY") == scrolled  # the finger wrote; the page stayed
    expect(department.get_by_test_id("signature-status")).to_have_text("已签名，已保存在本机。")
