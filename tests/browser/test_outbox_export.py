"""The outbox never traps data: exported offline on the phone, imported once by an admin."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

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


def _export(page, tmp_path: Path) -> tuple[Path, dict]:
    """Tap "export" in the outbox view; return the downloaded file and what it holds."""
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path, json.loads(path.read_text(encoding="utf-8"))


def _import(runner, path: Path) -> list[tuple[str, str]]:
    """Import as the demo admin; return ``(kind, status)`` of each record and photo printed."""
    result = runner.invoke(
        args=["import-outbox", str(path), "--user", "inspector", "--admin", "admin"]
    )
    assert result.exit_code == 0, result.output
    lines = [line.split("  ") for line in result.output.splitlines()]
    return [(words[0], words[2]) for words in lines if len(words) >= 3]


def test_an_outbox_exported_offline_is_imported_once_with_its_photos(
    context, page, base_url, photo_files, server_api, runner, tmp_path
):
    login(page, base_url)
    context.set_offline(True)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files)
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    next_item(page)
    answer(page, "合格")
    finish(page)
    expect_waiting(page, 3)

    path, exported = _export(page, tmp_path)
    expect(page.get_by_test_id("outbox-record")).to_have_count(3)  # exporting removed nothing
    assert path.name.startswith("wardwalk-unsent-") and path.suffix == ".json"
    assert exported["user"]["username"] == "inspector" and exported["device_id"]
    assert exported["app_version"] and exported["exported_at"].endswith("Z")
    assert [record["kind"] for record in exported["outbox"]] == ["inspection", "finding", "finding"]
    for photo in exported["photos"]:
        data = base64.b64decode(photo["data_base64"])
        assert photo["type"] == "image/jpeg"
        assert hashlib.sha256(data).hexdigest() == photo["sha256"]

    first = _import(runner, path)
    assert (
        first
        == [("inspection", "created"), *[("finding", "created")] * 2] + [("photo", "created")] * 2
    )
    inspection = server_api.inspections()[0]
    assert inspection["complete"] and inspection["photos_present"] == 2
    assert {f["item_id"]: f["verdict"] for f in inspection["findings"]}["signs.entrances"] == "fail"

    again = _import(runner, path)
    assert {status for _kind, status in again} == {"duplicate"} and len(again) == 5

    # Back online, the phone sends what the admin already stored: duplicates, and it is done.
    context.set_offline(False)
    expect_waiting(page, 0)
    expect(page.get_by_test_id("outbox-empty")).to_be_visible()
    assert len(server_api.inspections()) == 1
