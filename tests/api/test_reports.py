"""The weekly report endpoints: JSON rollup, problem-list downloads and the printable page.

The clock of the rollup service is fixed at Tuesday 2026-11-24 10:00 Asia/Shanghai, so 2026-W47
is a finished week and 2026-W48 the running one, whatever the real date is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from datetime import datetime
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.models import Department, Location, Photo, PhotoSlot, User
from server.services import rollups
from server.services.exports import COLUMNS, DETAIL_COLUMNS, PHOTO_COLUMNS
from tests import factories
from tests.services.test_rollups import (
    at,
    end_of,
    make_finding,
    make_inspection,
    make_submission,
    make_task,
)

NOW = at(11, 24, 10)
WEEK = "2026-W47"
URL = "/api/v1/reports/weekly"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(rollups, "utcnow", lambda: NOW)


def store_photo(app, session, user, hospital, color, **slot) -> Photo:
    data = factories.jpeg_bytes((160, 120), color)
    key = app.extensions["photo_storage"].put(data)
    photo = Photo(
        id=uuid.uuid4(),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_bytes=len(data),
        content_type="image/jpeg",
        image_key=key,
        thumb_key=key,
        width=160,
        height=120,
        uploaded_by_id=user.id,
    )
    session.add(photo)
    session.add(
        PhotoSlot(
            photo_id=photo.id, hospital_id=hospital.id, sha256=photo.sha256, bytes=len(data), **slot
        )
    )
    session.flush()
    return photo


@pytest.fixture
def problem(app, session, hospital, make_user, walk_checklist):
    """One open, assigned task of 2026-W47 with a photo before (finding) and after (evidence)."""
    department = session.scalars(
        select(Department).where(Department.hospital_id == hospital.id)
    ).one()
    place = factories.location(session, hospital, code="A-1", name_zh="门诊大厅", name_en="Hall")
    inspector = factories.user(session, hospital, roles=("inspector",))
    head = factories.user(
        session,
        hospital,
        roles=("department_head",),
        display_name="李四",
        department_id=department.id,
    )
    task = make_task(
        session,
        hospital,
        place,
        item="floor.clean",
        created=at(11, 17, 10),
        due=end_of(11, 19),
        severity="major",
        department=department,
        assignee=head,
        status="assigned",
        title_zh="门诊大厅：地面清洁",
        title_en="Hall: Floor clean",
    )
    visit = make_inspection(session, place, inspector, at(11, 17, 9, 50))
    finding = make_finding(session, visit, "floor.clean", "fail", at(11, 17, 10), task=task)
    store_photo(app, session, inspector, hospital, (200, 30, 30), finding_id=finding.id)
    make_submission(session, task, "evidence", at(11, 18, 9), head)
    evidence = make_submission(session, task, "evidence", at(11, 18, 16), head)
    store_photo(app, session, head, hospital, (30, 160, 30), submission_id=evidence.id)
    make_submission(session, task, "verification", at(11, 19, 9), inspector, result="fail")
    session.commit()
    return task


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


# --- JSON --------------------------------------------------------------------------------------


def test_weekly_json_has_one_rollup_per_hospital(client, supervisor, problem, hospital):
    _user, headers = supervisor
    response = client.get(f"{URL}?week={WEEK}", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"week", "hospitals"} and body["week"] == WEEK
    [rollup] = body["hospitals"]
    assert rollup["hospital"]["id"] == hospital.id
    assert {
        "week",
        "generated_at",
        "snapshot",
        "totals",
        "by_department",
        "by_severity",
        "age_buckets",
        "on_time_rate",
        "median_days_to_close",
        "top_failing_items",
        "coverage",
        "trend",
        "problems",
    } <= set(rollup)
    assert rollup["totals"] == {"open": 1, "new": 1, "closed": 0, "cancelled": 0, "overdue": 1}
    assert rollup["snapshot"] is False
    assert len(rollup["trend"]) == 8
    [row] = rollup["problems"]
    assert row["task_id"] == problem.id
    assert row["assignee"]["display_name"] == "李四"
    assert row["due_date"] == "2026-11-19" and row["recheck"] == "fail"


def test_default_week_is_the_running_week(client, supervisor, problem):
    _user, headers = supervisor
    response = client.get(URL, headers=headers)
    assert response.status_code == 200
    assert response.json["week"] == "2026-W48"


def test_a_stored_snapshot_is_served_for_a_finished_week(
    client, session, supervisor, problem, hospital
):
    _user, headers = supervisor
    rollups.snapshot_week(session, hospital, WEEK, NOW)
    session.commit()
    response = client.get(f"{URL}?week={WEEK}", headers=headers)
    assert response.json["hospitals"][0]["snapshot"] is True
    assert (
        client.get(f"{URL}?week=2026-W48", headers=headers).json["hospitals"][0]["snapshot"]
        is False
    )


def test_inspectors_may_not_read_reports(client, make_user, assert_error):
    _user, headers = make_user("inspector")
    for suffix in ("", ".xlsx", ".csv", ".html"):
        assert_error(
            client.get(f"{URL}{suffix}?week={WEEK}", headers=headers), 403, "auth.forbidden"
        )


@pytest.mark.parametrize("suffix", ["", ".xlsx", ".csv", ".html"])
def test_reports_need_a_token(client, assert_error, suffix):
    assert_error(client.get(f"{URL}{suffix}?week={WEEK}"), 401, "auth.required")


@pytest.mark.parametrize("week", ["2026-47", "2026-W54", "2025-W53", "x" * 300, "2026-W4７"])
def test_a_bad_week_is_422_on_the_week_field(client, supervisor, assert_error, week):
    _user, headers = supervisor
    for suffix in ("", ".xlsx", ".csv", ".html"):
        body = assert_error(
            client.get(f"{URL}{suffix}", query_string={"week": week}, headers=headers),
            422,
            "request.invalid",
        )
        assert list(body["errors"]) == ["week"]


def test_a_week_that_has_not_begun_is_422(client, supervisor, assert_error):
    _user, headers = supervisor
    body = assert_error(
        client.get(f"{URL}?week=2026-W50", headers=headers), 422, "report.week_in_future"
    )
    assert list(body["errors"]) == ["week"]


def test_a_hospital_outside_the_scope_is_403(client, supervisor, other_hospital, assert_error):
    _user, headers = supervisor
    response = client.get(f"{URL}?week={WEEK}&hospital_id={other_hospital.id}", headers=headers)
    assert_error(response, 403, "auth.out_of_scope")
    assert_error(
        client.get(f"{URL}?week={WEEK}&hospital_id=abc", headers=headers), 422, "request.invalid"
    )


def test_department_heads_see_the_whole_hospital(client, session, make_user, problem, hospital):
    elsewhere = factories.department(session, hospital)
    _user, headers = make_user("department_head", department_id=elsewhere.id)
    response = client.get(f"{URL}?week={WEEK}", headers=headers)
    assert response.status_code == 200
    [row] = response.json["hospitals"][0]["problems"]
    assert row["task_id"] == problem.id and row["department"]["id"] != elsewhere.id


# --- downloads ---------------------------------------------------------------------------------


def _disposition(extension: str) -> str:
    return (
        f'attachment; filename="wardwalk-problem-list-{WEEK}.{extension}"; '
        f"filename*=UTF-8''{quote(f'问题清单-{WEEK}.{extension}')}"
    )


def test_xlsx_problem_list_with_thumbnails(client, supervisor, problem, hospital):
    _user, headers = supervisor
    response = client.get(f"{URL}.xlsx?week={WEEK}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == _disposition("xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [hospital.name_zh]
    sheet = workbook[hospital.name_zh]
    header = [cell.value for cell in sheet[1]]
    assert header == [*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS]
    assert header[:8] == [
        "序号",
        "问题描述",
        "位置",
        "责任科室",
        "责任人",
        "整改时限",
        "状态",
        "复查结果",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    department = hospital.departments[0]
    assert [cell.value for cell in sheet[2]][:8] == [
        1,
        "门诊大厅：地面清洁",
        "门诊大厅（A-1）",
        department.name_zh,
        "李四",
        datetime(2026, 11, 19),
        "整改中",
        "未通过",
    ]
    anchors = sorted((image.anchor._from.col, image.anchor._from.row) for image in sheet._images)
    assert anchors == [(13, 1), (14, 1)]  # 整改前 N2, 整改后 O2 (zero-based)


def test_xlsx_without_photos_has_no_images(client, session, supervisor, hospital, walk_checklist):
    place = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    make_task(session, hospital, place, item="floor.clean", created=at(11, 17), due=end_of(11, 29))
    session.commit()
    _user, headers = supervisor
    response = client.get(f"{URL}.xlsx?week={WEEK}", headers=headers)
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 2 and sheet["G2"].value == "待分派" and sheet["H2"].value is None
    assert sheet._images == []


def test_csv_problem_list_has_a_bom_and_the_contract_columns(client, supervisor, problem, hospital):
    _user, headers = supervisor
    response = client.get(f"{URL}.csv?week={WEEK}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == _disposition("csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS]
    department = hospital.departments[0]
    assert rows[1][:9] == [
        "1",
        "门诊大厅：地面清洁",
        "门诊大厅（A-1）",
        department.name_zh,
        "李四",
        "2026-11-19",
        "整改中",
        "未通过",
        "检查发现",
    ]
    assert len(rows) == 2


def test_csv_and_xlsx_for_several_hospitals(client, session, make_user, problem, other_hospital):
    user, headers = make_user("supervisor")
    user.hospitals.append(other_hospital)
    place = session.scalars(select(Location).where(Location.hospital_id == other_hospital.id)).one()
    make_task(
        session,
        other_hospital,
        place,
        item="bed.cards",
        created=at(11, 18),
        due=end_of(11, 20),
        title_zh="=1+2 公式不执行",
        title_en="formula",
    )
    session.commit()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"{URL}.csv?week={WEEK}", headers=headers).data.decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == [*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS, "医院"]
    assert [row[-1] for row in rows[1:]] == [
        problem_hospital_name(session, problem),
        other_hospital.name_zh,
    ]
    assert rows[2][1] == "'=1+2 公式不执行"  # never a formula in Excel
    workbook = load_workbook(
        io.BytesIO(client.get(f"{URL}.xlsx?week={WEEK}", headers=headers).data)
    )
    assert len(workbook.sheetnames) == 2
    formula_cell = workbook[workbook.sheetnames[1]]["B2"]
    assert formula_cell.value == "=1+2 公式不执行" and formula_cell.data_type == "s"


def problem_hospital_name(session, task) -> str:
    from server.models import Hospital

    return session.get(Hospital, task.hospital_id).name_zh


# --- printable page ----------------------------------------------------------------------------


def test_weekly_html_is_a_printable_page_with_svg_charts(client, session, supervisor, problem):
    problem.title_zh = "门诊大厅：<b>地面</b>"
    session.commit()
    _user, headers = supervisor
    response = client.get(f"{URL}.html?week={WEEK}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 3
    assert "@page" in html and "A4" in html
    assert "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "门诊大厅：&lt;b&gt;地面&lt;/b&gt;" in html
    assert "整改周报 2026-W47" in html


def test_openapi_documents_the_report_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in (
        URL,
        f"{URL}.xlsx",
        f"{URL}.csv",
        f"{URL}.html",
        "/api/v1/inspections/{inspection_id}/report",
    ):
        assert "get" in paths[path]
        assert {"bearerAuth": []} in paths[path]["get"]["security"]


def test_a_reader_without_hospitals_gets_empty_reports(client, session, make_user):
    user, headers = make_user("supervisor")
    user.hospitals.clear()
    session.commit()
    assert client.get(f"{URL}?week={WEEK}", headers=headers).json == {"week": WEEK, "hospitals": []}
    sheet = load_workbook(io.BytesIO(client.get(f"{URL}.xlsx?week={WEEK}", headers=headers).data))
    assert [cell.value for cell in sheet.active[1]] == [*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS]
    csv_body = client.get(f"{URL}.csv?week={WEEK}", headers=headers).data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(csv_body))) == [[*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS]]
    assert client.get(f"{URL}.html?week={WEEK}", headers=headers).status_code == 200


def test_weekly_html_says_when_it_was_made_in_the_hospitals_time(client, supervisor, problem):
    _user, headers = supervisor
    [rollup] = client.get(f"{URL}?week={WEEK}", headers=headers).json["hospitals"]
    assert rollup["generated_at"] == "2026-11-24T02:00:00Z"

    html = client.get(f"{URL}.html?week={WEEK}", headers=headers).get_data(as_text=True)

    assert "generated</span> 2026-11-24 10:00</div>" in html


# --- the problem list as hospitals keep it -------------------------------------------------------


def _csv(client, headers, query: str) -> list[list[str]]:
    response = client.get(f"{URL}.csv?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _sheet(client, headers, query: str):
    response = client.get(f"{URL}.xlsx?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def noted(session, problem):
    """The problem's finding carries the inspector's note."""
    problem.findings[0].note = "拖把放在走廊"
    session.commit()
    return problem


def test_csv_has_severity_found_date_inspector_and_note_after_the_contract_columns(
    client,
    supervisor,
    noted,
    session,
):
    _user, headers = supervisor
    rows = _csv(client, headers, f"week={WEEK}")
    inspector = session.get(User, noted.findings[0].recorded_by_id)
    details = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0][: len(COLUMNS)] == list(COLUMNS)
    assert [details[name] for name in DETAIL_COLUMNS][:2] == ["较重", "2026-11-17"]
    assert details["备注"] == "拖把放在走廊"
    assert details["检查人"] == inspector.display_name


def test_csv_links_the_photos_before_and_after(client, session, supervisor, problem):
    _user, headers = supervisor
    details = dict(zip(*_csv(client, headers, f"week={WEEK}")[:2], strict=True))
    photo_ids = {str(photo_id) for photo_id in session.scalars(select(Photo.id))}
    before, after = details["整改前"], details["整改后"]
    assert before.startswith("http://localhost/api/v1/photos/")
    assert {before.rsplit("/", 1)[1], after.rsplit("/", 1)[1]} == photo_ids


def test_xlsx_has_the_found_date_as_a_date_and_the_note(client, supervisor, noted):
    _user, headers = supervisor
    sheet = _sheet(client, headers, f"week={WEEK}")
    row = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert row["严重程度"] == "较重"
    assert row["发现日期"] == datetime(2026, 11, 17)
    assert row["备注"] == "拖把放在走廊"


def test_a_task_without_a_finding_is_found_on_the_day_it_was_opened(
    client,
    session,
    supervisor,
    hospital,
    walk_checklist,
):
    place = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    make_task(session, hospital, place, item="bed.cards", created=at(11, 20), due=end_of(11, 27))
    session.commit()
    _user, headers = supervisor
    details = dict(zip(*_csv(client, headers, f"week={WEEK}")[:2], strict=True))
    assert (details["发现日期"], details["检查人"], details["备注"]) == ("2026-11-20", "", "")


@pytest.fixture
def month(session, hospital, make_user, walk_checklist):
    """Tasks of November: one closed, one open, one cancelled; and one of October."""
    place = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    inspector = make_user("inspector")[0]
    visit = make_inspection(session, place, inspector, at(11, 3, 9))
    closed = make_task(
        session,
        hospital,
        place,
        item="a",
        created=at(11, 3, 10),
        due=end_of(11, 5),
        status="closed",
        closed=at(11, 4),
        title_zh="已关闭的问题",
    )
    make_finding(session, visit, "a", "fail", at(11, 3, 10), task=closed, note="已当场指出")
    make_task(
        session,
        hospital,
        place,
        item="b",
        created=at(11, 20),
        due=end_of(11, 21),
        title_zh="仍未关闭的问题",
    )
    make_task(
        session,
        hospital,
        place,
        item="c",
        created=at(11, 10),
        due=end_of(11, 11),
        status="cancelled",
        title_zh="已取消的问题",
    )
    make_task(
        session,
        hospital,
        place,
        item="d",
        created=at(10, 20),
        due=end_of(10, 21),
        title_zh="十月的问题",
    )
    session.commit()


def test_scope_all_lists_every_problem_opened_in_the_period_with_its_outcome(
    client,
    supervisor,
    month,
):
    _user, headers = supervisor
    rows = _csv(client, headers, "scope=all&from=2026-11-01&to=2026-11-30")
    by_title = {row[1]: dict(zip(rows[0], row, strict=False)) for row in rows[1:]}
    assert set(by_title) == {"已关闭的问题", "仍未关闭的问题", "已取消的问题"}
    assert by_title["已关闭的问题"]["状态"] == "已销号"
    assert by_title["已关闭的问题"]["备注"] == "已当场指出"
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]


def test_scope_all_names_the_file_after_the_period(client, supervisor, month):
    _user, headers = supervisor
    response = client.get(f"{URL}.xlsx?scope=all&from=2026-11-01&to=2026-11-30", headers=headers)
    assert (
        "wardwalk-problem-list-2026-11-01_2026-11-30.xlsx"
        in response.headers["Content-Disposition"]
    )
    titles = [row[1].value for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(2)]
    assert "十月的问题" not in titles and len(titles) == 3


def test_the_period_ends_with_its_last_local_day(client, supervisor, month):
    _user, headers = supervisor
    rows = _csv(client, headers, "scope=all&from=2026-10-01&to=2026-10-20")
    assert [row[1] for row in rows[1:]] == ["十月的问题"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("scope=some", "scope"),
        ("scope=all&to=2026-11-30", "from"),
        ("scope=all&from=2026-11-01", "to"),
        ("scope=all&from=2026-11-31&to=2026-12-01", "from"),
        ("scope=all&from=2026-11-02&to=2026-11-01", "to"),
        ("scope=all&from=2025-01-01&to=2026-11-01", "to"),
        ("from=2026-11-01&to=2026-11-30", "from"),
        (f"scope=all&week={WEEK}&from=2026-11-01&to=2026-11-30", "week"),
    ],
)
def test_a_bad_scope_or_period_is_422_naming_the_parameter(
    client,
    supervisor,
    assert_error,
    query,
    field,
):
    _user, headers = supervisor
    for suffix in (".xlsx", ".csv"):
        body = assert_error(
            client.get(f"{URL}{suffix}?{query}", headers=headers), 422, "request.invalid"
        )
        assert list(body["errors"]) == [field]


def test_a_period_of_a_hospital_outside_the_scope_is_403(
    client,
    supervisor,
    other_hospital,
    assert_error,
):
    _user, headers = supervisor
    query = f"scope=all&from=2026-11-01&to=2026-11-30&hospital_id={other_hospital.id}"
    assert_error(client.get(f"{URL}.csv?{query}", headers=headers), 403, "auth.out_of_scope")
