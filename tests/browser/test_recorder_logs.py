"""A recorder (a ward nurse) keeps today's disinfection log offline; it syncs with no inspection."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.models import Location, RecordEntry, User
from tests.browser.conftest import expect_waiting, login
from tests.browser.test_record_forms import fill_disinfection

pytestmark = pytest.mark.browser


def _form(page, code: str, form: str):
    place = page.locator(f"[data-testid=records-place][data-code='{code}']")
    return place.locator(f"[data-testid=records-form][data-form='{form}']")


def test_a_nurse_logs_the_wards_disinfection_offline_and_it_syncs(context, page, base_url, session):
    login(page, base_url, "recorder")
    # Only the medical ward's own places, each with the log it keeps daily: none kept yet.
    expect(page.get_by_test_id("records-place")).to_have_count(2)
    expect(page.locator("[data-testid=records-place][data-code='SVC-SEWAGE']")).to_have_count(0)
    ward_log = _form(page, "IPD-5F-WARD", "disinfection_log")
    expect(ward_log).to_have_attribute("data-status", "missing")
    expect(ward_log.get_by_test_id("records-status")).to_have_text("缺 0/1")

    context.set_offline(True)
    ward_log.get_by_test_id("records-fill").click()
    expect(page.get_by_test_id("record-location")).to_contain_text("IPD-5F-WARD")
    fill_disinfection(page)
    page.get_by_test_id("record-save").click()
    expect(page.locator("body[data-view=records]")).to_be_attached()
    expect(ward_log).to_have_attribute("data-status", "done")
    expect(ward_log.get_by_test_id("records-status")).to_have_text("已完成 1/1")
    expect_waiting(page, 1)

    context.set_offline(False)
    expect_waiting(page, 0)
    session.commit()  # see what the server's threads wrote
    [log] = session.scalars(select(RecordEntry)).all()
    ward = session.scalar(select(Location.id).where(Location.code == "IPD-5F-WARD"))
    nurse = session.scalar(select(User.id).where(User.username == "recorder"))
    assert (log.record_type, log.location_id, log.inspection_id) == ("disinfection_log", ward, None)
    assert (log.recorded_by_id, log.verdict) == (nurse, "pass")
    # Synced, the log still counts for today (now from the server's list).
    page.reload()
    expect(_form(page, "IPD-5F-WARD", "disinfection_log")).to_have_attribute("data-status", "done")
