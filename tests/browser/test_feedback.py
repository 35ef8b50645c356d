"""Same-day feedback in the app (我的巡查 opens an inspection's written report) and the weekly
report read on a 360 px phone: nothing cut off, wide tables scrolling inside their box."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import jpeg, login

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def test_my_inspections_opens_the_written_feedback_with_the_failure_first(
    page, base_url, failed_task
):
    login(page, base_url, "inspector")
    page.get_by_test_id("my-inspections").click()
    item = page.get_by_test_id("mine-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("1 项不合格")

    item.get_by_test_id("mine-open").click()

    report = page.frame_locator("[data-testid=feedback-frame]")
    failures = report.get_by_test_id("failures")
    expect(failures).to_contain_text("门前堆放杂物")
    expect(failures.locator("img")).to_have_count(1)
    expect(report.get_by_test_id("sections")).to_be_visible()


FITS = """(testid) => { const frame = document.querySelector(`[data-testid=${testid}]`);
  const report = frame.contentDocument.documentElement;
  const page = document.documentElement;
  return {page: page.scrollWidth - page.clientWidth,
          report: report.scrollWidth - report.clientWidth,
          tall: report.scrollHeight - frame.getBoundingClientRect().height}; }"""


def test_the_written_feedback_on_a_phone_is_shown_whole_and_cut_off_nowhere(
    page, base_url, failed_task
):
    page.set_viewport_size(PHONE)
    login(page, base_url, "inspector")
    page.get_by_test_id("my-inspections").click()
    page.get_by_test_id("mine-open").click()
    report = page.frame_locator("[data-testid=feedback-frame]")
    expect(report.get_by_test_id("failures")).to_be_visible()

    fit = page.evaluate(FITS, "feedback-frame")

    assert fit["page"] <= 0 and fit["report"] <= 0 and fit["tall"] <= 0, fit


def open_weekly_on_a_phone(page, base_url) -> None:
    page.set_viewport_size(PHONE)
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="周报").click()
    report = page.frame_locator("[data-testid=report-frame]")
    expect(report.get_by_test_id("problem-list")).to_be_attached()


def test_the_weekly_report_at_360_px_cuts_nothing_off(page, base_url, failed_task):
    open_weekly_on_a_phone(page, base_url)

    fit = page.evaluate(FITS, "report-frame")

    assert fit["page"] <= 0 and fit["report"] <= 0 and fit["tall"] <= 0, fit


def test_the_weekly_problem_list_scrolls_inside_its_box_with_the_problem_held(
    page, base_url, failed_task
):
    open_weekly_on_a_phone(page, base_url)

    table = page.evaluate(
        """() => { const d = document.querySelector('[data-testid=report-frame]').contentDocument;
                   const table = d.querySelector('[data-testid=problem-list]');
                   const box = table.parentElement;
                   const first = table.querySelector('tbody td');
                   return {scrolls: box.scrollWidth > box.clientWidth,
                           boxFits: box.getBoundingClientRect().right
                                    <= d.documentElement.clientWidth,
                           overflow: getComputedStyle(box).overflowX,
                           sticky: getComputedStyle(first).position}; }"""
    )
    assert table == {"scrolls": True, "boxFits": True, "overflow": "auto", "sticky": "sticky"}


def test_weekly_charts_are_drawn_at_a_legible_size_on_a_phone(page, base_url, failed_task):
    open_weekly_on_a_phone(page, base_url)

    smallest = page.evaluate(
        """() => { const d = document.querySelector('[data-testid=report-frame]').contentDocument;
                   return Math.min(...[...d.querySelectorAll('svg text')].map(
                     (text) => text.getBoundingClientRect().height)); }"""
    )
    assert smallest >= 10


QUEUE_INSPECTION = """async () => {
  const outbox = await import('/js/outbox.js');
  const id = crypto.randomUUID();
  const context = { checklist_id: 'smoke-free', checklist_version: 1, location_id: 1,
                    kind: 'self', started_at: new Date().toISOString() };
  const finding = { id: crypto.randomUUID(), inspection_id: id, item_id: 'x', result: 'fail' };
  await outbox.save([outbox.entry('inspection', { id, ...context }, id, context),
                     outbox.entry('finding', finding, id, context)]);
  return id;
}"""


def test_offline_my_inspections_lists_what_waits_on_the_phone(context, page, base_url):
    login(page, base_url, "inspector")
    # The app runs from its bundle; the source module used below is loaded while online (the
    # worker precaches the bundle, not the sources), and is then in the page's module map.
    page.evaluate("() => import('/js/outbox.js').then(() => true)")
    context.set_offline(True)
    waiting = page.evaluate(QUEUE_INSPECTION)

    page.get_by_test_id("my-inspections").click()

    item = page.locator(f"[data-testid=mine-item][data-id='{waiting}']")
    expect(item.get_by_test_id("mine-waiting")).to_have_text("在本机待发送，发送后可查看书面反馈")
    expect(item).to_contain_text("1 项不合格")
    expect(item.get_by_test_id("mine-open")).to_have_count(0)
    expect(page.get_by_test_id("mine-status")).to_have_text("离线：只显示本机上待发送的巡查。")


def typical_walk(server_api, picture: bytes) -> str:
    """A civilized-city walk at the outpatient hall: every yes/no item that applies answered,
    three of them failed with a note and a photo; answer the inspection's id."""
    definition = server_api.call("GET", "/checklists/civilized-city")
    place = next(
        row for row in server_api.call("GET", "/locations") if row["code"] == "OPD-1F-HALL"
    )
    fits = lambda node: place["use"] in node.get("applies_to", [place["use"]])  # noqa: E731
    items = [
        item["id"]
        for section in definition["sections"]
        if fits(section)
        for item in section["items"]
        if fits(item) and item["type"] == "pass_fail"
    ]
    failing = items[:: len(items) // 3][:3]
    sha = hashlib.sha256(picture).hexdigest()
    photos = {
        item: {"id": str(uuid.uuid4()), "sha256": sha, "bytes": len(picture)} for item in items
    }
    now = datetime.now(UTC).isoformat()
    inspection_id = str(uuid.uuid4())
    inspection = {
        "id": inspection_id,
        "checklist_id": "civilized-city",
        "checklist_version": 1,
        "location_id": place["id"],
        "kind": "supervision",
        "started_at": now,
        "finished_at": now,
        "note": "",
    }
    findings = [
        {
            "id": str(uuid.uuid4()),
            "inspection_id": inspection_id,
            "item_id": item,
            "result": "fail" if item in failing else "pass",
            "value": None,
            "note": "现场发现问题，已当场告知科室" if item in failing else "",
            "photos": [photos[item]] if item in failing else [],
            "recorded_at": now,
        }
        for item in items
    ]
    body = {"device_id": "d-test", "inspections": [inspection], "findings": findings, "records": []}
    answer = server_api.call("POST", "/sync/push", body)
    rejected = [result for result in answer["results"] if result["status"] != "created"]
    assert not rejected, rejected
    for item in failing:
        server_api.put_photo(photos[item]["id"], picture)
    return inspection_id


def test_the_written_feedback_of_a_typical_walk_prints_on_at_most_two_a4_pages(
    page, server_api, tmp_path
):
    picture = jpeg(tmp_path / "finding.jpg", (800, 600), (150, 80, 40)).read_bytes()
    inspection_id = typical_walk(server_api, picture)
    html = server_api.call("GET", f"/inspections/{inspection_id}/report", raw=True).decode()
    page.set_content(html)

    pdf = page.pdf(format="A4")

    assert 1 <= pdf.count(b"/Type /Page\n") <= 2
