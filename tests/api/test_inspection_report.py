"""The printable report of one inspection (contract: Reports; domain: same-day written feedback)."""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from sqlalchemy import select

from server.models import Department, RecordEntry, task_records
from tests import factories
from tests.api.test_reports import store_photo
from tests.services.test_rollups import at, end_of, make_finding, make_inspection, make_task


@pytest.fixture
def visit(app, session, hospital, inspector, place):
    """An inspection of the walk checklist: a failure with a photo, a correction, a record form."""
    user, _headers = inspector
    department = session.scalars(
        select(Department).where(Department.hospital_id == hospital.id)
    ).one()
    inspection = make_inspection(
        session, place, user, at(11, 17, 9), note="北门 <script>alert(1)</script> & 侧门"
    )
    task = make_task(
        session,
        hospital,
        place,
        item="floor.clean",
        created=at(11, 17, 9, 10),
        due=end_of(11, 19),
        severity="major",
        department=department,
        title_zh="地点：地面清洁",
        title_en="Place: Floor clean",
    )
    failed = make_finding(
        session,
        inspection,
        "floor.clean",
        "fail",
        at(11, 17, 9, 10),
        points=2,
        task=task,
        note="<script>alert('x')</script> 地面有积水",
    )
    photo = store_photo(app, session, user, hospital, (200, 30, 30), finding_id=failed.id)
    make_finding(session, inspection, "queue.minutes", "fail", at(11, 17, 9, 12), value=25)
    wrong = make_finding(session, inspection, "bed.cards", "fail", at(11, 17, 9, 14), note="看错了")
    make_finding(
        session, inspection, "bed.cards", "pass", at(11, 17, 9, 16), supersedes=wrong, note="已核实"
    )
    make_finding(session, inspection, "toilet.odour", "fail", at(11, 17, 9, 18), value="strong")
    record = RecordEntry(
        id=uuid.uuid4(),
        inspection_id=inspection.id,
        hospital_id=hospital.id,
        location_id=place.id,
        record_type="waste_handover",
        checklist_id="walk",
        checklist_version=1,
        fields={"handed_over_by": "", "stored_at": "2026-11-17T08:00:00+08:00", "weight_kg": 3.5},
        verdict="fail",
        failed_rules=[{"id": "both_signatures", "severity": "major", "points": 2}],
        recorded_at=at(11, 17, 9, 20),
        recorded_by_id=user.id,
        device_id="test-device",
        content_sha256="0" * 64,
    )
    session.add(record)
    session.flush()
    record_task = make_task(
        session,
        hospital,
        place,
        item="waste_handover.both_signatures",
        created=at(11, 17, 9, 20),
        due=end_of(11, 19),
        severity="major",
        department=department,
        title_zh="废物交接：双方签名",
        title_en="Waste handover: Both signed",
    )
    session.execute(task_records.insert().values(task_id=record_task.id, record_id=record.id))
    session.commit()
    return {"inspection": inspection, "photo": photo, "task": task, "department": department}


def url(inspection_id) -> str:
    return f"/api/v1/inspections/{inspection_id}/report"


def get_report(client, headers, inspection) -> str:
    response = client.get(url(inspection.id), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def test_failed_items_come_first_in_checklist_order(client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    failures = html[html.index('data-testid="failures"') : html.index('data-testid="sections"')]
    assert re.findall(r'data-item="([^"]+)"', failures) == [
        "floor.clean",
        "queue.minutes",
        "toilet.odour",
    ]
    assert "测试巡查" in html and "Test walk" in html and "第 1 版" in html


def test_passing_items_are_counted_per_section_not_listed(client, session, inspector, visit):
    make_finding(session, visit["inspection"], "sign.present", "pass", at(11, 17, 9, 30))
    session.commit()
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    row = re.search(r'<tr class="section-row">(.*?)</tr>', html, re.S).group(1)
    counts = re.findall(r'<td class="num[^"]*" data-label="[^"]+">(\d+)</td>', row)
    assert counts == ["2", "3", "0", "2"]
    assert "禁烟标识" not in html  # a plain pass is counted, not shown


def test_unchecked_items_and_corrections_are_named_in_their_section(client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    sections = html[html.index('data-testid="sections"') :]
    assert re.findall(r'data-item="([^"]+)" data-verdict="unanswered"', sections) == [
        "log.missing_days",
        "note.general",
        "sign.present",
    ]
    assert 'data-item="bed.cards" data-verdict="pass"' in sections


def test_a_failed_item_shows_its_photo_inline(app, client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    thumb = app.extensions["photo_storage"].get(visit["photo"].thumb_key)
    assert f'src="data:image/jpeg;base64,{base64.b64encode(thumb).decode()}"' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_answers_show_values_with_units_and_corrections_struck_through(client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    assert "25 分钟" in html and "25 minutes" in html
    assert "明显" in html  # the label of the failing choice option
    assert re.search(r"<del>不合格 · 看错了</del>", html)
    assert "已核实" in html


def test_tasks_created_and_record_forms_are_listed(client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    assert f"#{visit['task'].id}" in html
    assert "地点：地面清洁" in html and visit["department"].name_zh in html
    assert "2026-11-19 23:59" in html
    assert "本次新建" in html
    assert "废物交接" in html and "重量" in html and "双方签名" in html
    # Fields in the form's order, whatever order the database keeps the JSON keys in.
    assert html.index("重量") < html.index("入库") < html.index("交出人")
    assert "废物交接：双方签名" in html


def test_everything_is_html_escaped(client, inspector, visit):
    _user, headers = inspector
    html = get_report(client, headers, visit["inspection"])
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 侧门" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 地面有积水" in html


def test_the_page_may_load_nothing_from_elsewhere(client, inspector, visit):
    _user, headers = inspector
    response = client.get(url(visit["inspection"].id), headers=headers)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "@page" in response.get_data(as_text=True)


def test_supervisors_and_department_heads_of_the_hospital_see_it(client, make_user, visit):
    for role in ("supervisor", "department_head", "admin"):
        _user, headers = make_user(role)
        assert client.get(url(visit["inspection"].id), headers=headers).status_code == 200


def test_an_inspector_who_is_not_the_author_gets_404(client, make_user, visit, assert_error):
    _user, headers = make_user("inspector")
    assert_error(
        client.get(url(visit["inspection"].id), headers=headers), 404, "inspection.not_found"
    )


def test_another_hospitals_supervisor_gets_404(
    client, session, visit, other_hospital, assert_error
):
    user = factories.user(session, other_hospital, roles=("supervisor",))
    headers = factories.auth_headers(session, user)
    session.commit()
    assert_error(
        client.get(url(visit["inspection"].id), headers=headers), 404, "inspection.not_found"
    )


def test_unknown_inspection_is_404_and_no_token_is_401(client, inspector, assert_error):
    _user, headers = inspector
    assert_error(client.get(url(uuid.uuid4()), headers=headers), 404, "inspection.not_found")
    assert_error(client.get(url(uuid.uuid4())), 401, "auth.required")
    assert client.get("/api/v1/inspections/not-a-uuid/report", headers=headers).status_code == 404


def test_the_inspection_detail_route_still_answers(client, inspector, visit):
    _user, headers = inspector
    response = client.get(f"/api/v1/inspections/{visit['inspection'].id}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/json"


def _staff_log(session, hospital, place, author, recorded_at) -> RecordEntry:
    """A waste handover a porter kept at the place on their own (no inspection)."""
    log = RecordEntry(
        id=uuid.uuid4(),
        inspection_id=None,
        hospital_id=hospital.id,
        location_id=place.id,
        record_type="waste_handover",
        checklist_id="walk",
        checklist_version=1,
        fields={"handed_over_by": "王护士", "weight_kg": 2.0},
        verdict="pass",
        failed_rules=[],
        recorded_at=recorded_at,
        recorded_by_id=author.id,
        device_id="porter-phone",
        content_sha256="1" * 64,
    )
    session.add(log)
    session.commit()
    return log


def test_the_logs_staff_kept_at_the_place_that_week_are_listed(
    client, session, hospital, place, inspector, make_user, visit
):
    _user, headers = inspector
    porter, _ = make_user("recorder", display_name="吴师傅")
    _staff_log(session, hospital, place, porter, at(11, 16, 8))
    html = get_report(client, headers, visit["inspection"])
    [table] = re.findall(r'<table data-testid="kept-logs">.*?</table>', html, re.S)
    assert "吴师傅" in table and "11-16 08:00" in table


def test_a_log_older_than_a_week_before_the_visit_is_not_listed(
    client, session, hospital, place, inspector, make_user, visit
):
    _user, headers = inspector
    porter, _ = make_user("recorder")
    _staff_log(session, hospital, place, porter, at(11, 9, 8))
    assert 'data-testid="kept-logs"' not in get_report(client, headers, visit["inspection"])


def test_mine_lists_only_the_callers_own_inspections_even_for_a_supervisor(
    client, session, make_user, place, visit
):
    user, headers = make_user("supervisor", "inspector")
    own = make_inspection(session, place, user, at(11, 18, 9))
    session.commit()
    everyone = client.get("/api/v1/inspections", headers=headers).json
    mine = client.get("/api/v1/inspections?mine=1", headers=headers).json
    assert {row["id"] for row in everyone} == {str(own.id), str(visit["inspection"].id)}
    assert [row["id"] for row in mine] == [str(own.id)]


def test_mine_is_a_boolean(client, inspector, assert_error):
    _user, headers = inspector
    body = assert_error(
        client.get("/api/v1/inspections?mine=perhaps", headers=headers), 422, "request.invalid"
    )
    assert list(body["errors"]) == ["mine"]
