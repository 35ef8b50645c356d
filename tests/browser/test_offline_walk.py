"""A whole inspection without signal: it survives a closed tab and syncs exactly once."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    answer,
    choose_location,
    expect_waiting,
    finish,
    login,
    next_item,
    start_inspection,
)

pytestmark = pytest.mark.browser

SIGNS_AT_ENTRANCES = "门诊、急诊、住院部及各楼栋主出入口张贴醒目的禁烟标识"


def check_export(page) -> None:
    """Export unsent data: one JSON file with the outbox, the draft and every photo's bytes."""
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["format"] == "wardwalk-unsent/1"
    assert [record["kind"] for record in exported["outbox"]] == ["inspection", "finding", "finding"]
    assert len(exported["drafts"]) == 1
    assert len(exported["photos"]) == 2
    for photo in exported["photos"]:
        data = base64.b64decode(photo["data_base64"])
        assert hashlib.sha256(data).hexdigest() == photo["sha256"] and len(data) == photo["bytes"]


def test_offline_inspection_survives_a_closed_tab_and_syncs_once(
    context, page, base_url, photo_files, server_api
):
    login(page, base_url)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("network")).to_have_text("离线")
    expect(page.get_by_test_id("start")).to_be_visible()  # the shell came from the worker

    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGNS_AT_ENTRANCES)
    answer(page, "不合格")
    expect(page.get_by_test_id("problem")).to_have_text("此项需要拍照")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files)
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    expect(page.get_by_test_id("problem")).to_have_count(0)
    page.get_by_test_id("note").fill("东门没有禁烟标识")
    next_item(page)
    answer(page, "合格")
    finish(page)
    expect(page.get_by_test_id("outbox-record")).to_have_count(3)
    expect_waiting(page, 3)

    # A second inspection stays a draft: started, one answer, never finished.
    start_inspection(page, "消毒与医疗废物检查", "IPD-5F-WARD")
    answer(page, "合格")

    page.close()
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page.get_by_test_id("draft")).to_have_count(1)
    expect_waiting(page, 3)
    page.get_by_role("link", name="待同步").first.click()
    expect(page.locator("[data-testid=outbox-record][data-state=queued]")).to_have_count(3)
    check_export(page)

    context.set_offline(False)
    expect_waiting(page, 0)
    expect(page.get_by_test_id("outbox-empty")).to_be_visible()

    inspections = server_api.inspections()
    assert len(inspections) == 1
    inspection = inspections[0]
    assert inspection["complete"] and inspection["photos_present"] == 2
    findings = {finding["item_id"]: finding for finding in inspection["findings"]}
    assert set(findings) == {"signs.entrances", "signs.lifts"}
    failed = findings["signs.entrances"]
    assert (failed["verdict"], failed["note"]) == ("fail", "东门没有禁烟标识")
    assert findings["signs.lifts"]["verdict"] == "pass"
    sizes = {server_api.photo_size(photo["id"]) for photo in failed["photos"]}
    # Downscaled to a 2048 px long edge and turned upright on the phone; the small one kept.
    assert sizes == {(1365, 2048), (1200, 900)}

    page.get_by_role("link", name="整改").click()
    expect(page.get_by_test_id("task")).to_have_count(1)
    expect(page.get_by_test_id("task")).to_contain_text(SIGNS_AT_ENTRANCES)
    page.get_by_role("link", name="巡查").click()
    expect(page.get_by_test_id("draft")).to_have_count(1)  # the unfinished one was not sent

    # The next visit lists the task; answering its item again is what re-checks it.
    page.get_by_role("radio", name="无烟医院检查").check()
    choose_location(page, "OPD-1F-WC")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("task")).to_contain_text(SIGNS_AT_ENTRANCES)
    expect(page.get_by_test_id("recheck-hint")).to_contain_text("再次检查同一项目并判为合格")
    page.get_by_test_id("recheck-item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGNS_AT_ENTRANCES)
