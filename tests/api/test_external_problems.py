"""POST /tasks: problems from outside the walk (city notices, third-party and unannounced visits).

Contract: "Rectification tasks" (the last POST); docs/tasks.md, "Problems from outside the walk".
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import urllib.error
import urllib.request

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.models import Notification, RectificationTask
from server.services import external_problems
from server.services.tasks import due_at_for
from server.timeutil import isoformat, utcnow
from tests import factories as f
from tests.support.pausing import pause_calls

TASKS = "/api/v1/tasks"
REF = "市创文办通报〔2026〕12号"


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


@pytest.fixture
def wards(session, hospital):
    """Three wards of three departments, one of them out of use, and a toilet."""
    departments = [f.department(session, hospital) for _ in range(3)]
    places = [
        f.location(session, hospital, use="ward", department_id=department.id)
        for department in departments
    ]
    places[2].active = False
    toilet = f.location(session, hospital, use="toilet", department_id=departments[0].id)
    session.commit()
    return places, toilet


def _body(location_id: int, **overrides) -> dict:
    return {
        "id": f.new_id(),
        "location_id": location_id,
        "description": "病区走廊堆放杂物",
        "severity": "major",
        "source": "external",
        "source_ref": REF,
        **overrides,
    }


def _report(client, headers, body: dict):
    return client.post(TASKS, json=body, headers=headers)


def _stored(session, **where) -> list[RectificationTask]:
    session.commit()
    session.expire_all()
    return list(session.scalars(select(RectificationTask).filter_by(**where)))


def test_a_reported_problem_becomes_a_task_of_the_places_department(client, supervisor, wards):
    ward = wards[0][0]

    response = _report(client, supervisor[1], _body(ward.id))

    assert response.status_code == 201, response.get_data(as_text=True)
    task = response.json
    assert (task["source"], task["source_ref"]) == ("external", REF)
    assert task["description"] == "病区走廊堆放杂物"
    assert task["title"]["zh-CN"] == f"{ward.name_zh}：病区走廊堆放杂物"
    assert (task["department_id"], task["status"]) == (ward.department_id, "open")


def test_a_reported_problem_is_due_by_its_severity_in_the_hospitals_time_zone(
    client, supervisor, wards, hospital
):
    before = utcnow()
    task = _report(client, supervisor[1], _body(wards[0][0].id, severity="critical")).json

    assert task["due_at"] == isoformat(due_at_for(before, "critical", None, hospital.timezone))


def test_the_departments_head_is_told_of_a_reported_problem(
    client, session, supervisor, wards, make_user
):
    ward = wards[0][0]
    head, _ = make_user("department_head", department_id=ward.department_id)

    task = _report(client, supervisor[1], _body(ward.id)).json

    session.commit()
    notices = session.scalars(select(Notification).where(Notification.user_id == head.id)).all()
    assert [(n.code, n.task_id) for n in notices] == [("task.created", task["id"])]


def test_a_replay_of_the_same_report_returns_the_task_and_opens_no_second(
    client, session, supervisor, wards
):
    body = _body(wards[0][0].id, apply_to="same_use")
    first = _report(client, supervisor[1], body)

    again = _report(client, supervisor[1], body)

    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert len(_stored(session, source="external")) == 2


def test_the_same_id_with_other_content_is_a_conflict(client, supervisor, wards, assert_error):
    body = _body(wards[0][0].id)
    _report(client, supervisor[1], body)

    response = _report(client, supervisor[1], {**body, "severity": "minor"})

    assert_error(response, 409, "task.conflict")


def test_an_evidence_id_reused_for_a_report_is_a_conflict(
    client, session, supervisor, wards, hospital, assert_error
):
    task = f.task(session, hospital)
    evidence = f.submission(session, task, supervisor[0])
    session.commit()

    response = _report(client, supervisor[1], _body(wards[0][0].id, id=str(evidence.id)))

    assert_error(response, 409, "task.conflict")


@pytest.mark.parametrize(
    "field, value",
    [
        ("description", ""),
        ("severity", "urgent"),
        ("source", "finding"),
        ("source_ref", ""),
        ("location_id", 0),
        ("apply_to", "everywhere"),
        ("apply_to", []),
        ("photo_ids", ["not-a-uuid"]),
    ],
)
def test_an_invalid_report_names_the_field(client, supervisor, wards, assert_error, field, value):
    body = {**_body(wards[0][0].id), field: value}

    body = assert_error(_report(client, supervisor[1], body), 422, "request.invalid")
    assert field in body["errors"]


def test_a_place_of_another_hospital_is_refused_as_unknown(
    client, session, supervisor, other_hospital, assert_error
):
    foreign = f.location(session, other_hospital)
    session.commit()

    response = _report(client, supervisor[1], _body(foreign.id))

    body = assert_error(response, 422, "task.unknown_location")
    assert "location_id" in body["errors"]
    assert _stored(session, source="external") == []


@pytest.mark.parametrize("role", ["inspector", "department_head", "leader"])
def test_only_supervisors_and_admins_report_problems_from_outside(
    client, make_user, wards, assert_error, role
):
    _, headers = make_user(role)

    assert_error(_report(client, headers, _body(wards[0][0].id)), 403, "auth.forbidden")


def test_same_use_copies_the_problem_to_every_other_active_place_of_that_use(
    client, session, supervisor, wards
):
    (first, second, closed), toilet = wards

    origin = _report(client, supervisor[1], _body(first.id, apply_to="same_use")).json

    copies = _stored(session, origin_id=origin["id"])
    assert [(c.location_id, c.department_id) for c in copies] == [(second.id, second.department_id)]
    assert (copies[0].source, copies[0].source_ref) == ("external", REF)


def test_the_original_lists_its_copies(client, supervisor, wards):
    (first, second, _), _ = wards

    origin = _report(client, supervisor[1], _body(first.id, apply_to="same_use")).json

    copy = [task for task in client.get(TASKS, headers=supervisor[1]).json if task["origin_id"]]
    assert origin["copy_ids"] == [copy[0]["id"]]


def test_named_places_receive_copies_whatever_their_use(client, session, supervisor, wards):
    (first, _, _), toilet = wards

    origin = _report(client, supervisor[1], _body(first.id, apply_to=[toilet.id])).json

    assert [c.location_id for c in _stored(session, origin_id=origin["id"])] == [toilet.id]


def test_a_named_place_outside_the_hospital_refuses_the_whole_report(
    client, session, supervisor, wards, other_hospital, assert_error
):
    foreign = f.location(session, other_hospital)
    session.commit()

    response = _report(client, supervisor[1], _body(wards[0][0].id, apply_to=[foreign.id]))

    body = assert_error(response, 422, "task.unknown_location")
    assert "apply_to" in body["errors"]
    assert _stored(session, source="external") == []


def test_same_use_at_a_place_without_a_use_is_refused(
    client, session, supervisor, hospital, assert_error
):
    place = f.location(session, hospital)
    session.commit()

    response = _report(client, supervisor[1], _body(place.id, apply_to="same_use"))

    assert "apply_to" in assert_error(response, 422, "task.no_use")["errors"]


def test_each_copys_department_is_told_of_its_copy(client, session, supervisor, wards, make_user):
    (first, second, _), _ = wards
    head, _ = make_user("department_head", department_id=second.department_id)

    origin = _report(client, supervisor[1], _body(first.id, apply_to="same_use")).json

    copy = _stored(session, origin_id=origin["id"])[0]
    notices = session.scalars(select(Notification).where(Notification.user_id == head.id)).all()
    assert [n.task_id for n in notices] == [copy.id]


def _upload(client, headers, photo_id: str, data: bytes):
    return client.put(
        f"/api/v1/photos/{photo_id}",
        data=data,
        headers={
            **headers,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )


def test_the_reports_photo_is_seen_by_the_head_of_a_copys_department(
    client, supervisor, wards, make_user
):
    (first, second, _), _ = wards
    _, head = make_user("department_head", department_id=second.department_id)
    photo_id = f.new_id()
    assert _upload(client, supervisor[1], photo_id, f.jpeg_bytes()).status_code == 201

    body = _body(first.id, apply_to="same_use", photo_ids=[photo_id])
    assert _report(client, supervisor[1], body).status_code == 201

    assert client.get(f"/api/v1/photos/{photo_id}", headers=head).status_code == 200


def test_a_photo_not_uploaded_yet_is_refused(client, supervisor, wards, assert_error):
    response = _report(client, supervisor[1], _body(wards[0][0].id, photo_ids=[f.new_id()]))

    assert "photo_ids" in assert_error(response, 422, "task.photo_unavailable")["errors"]


def test_the_task_list_filters_problems_from_outside(client, session, supervisor, wards, hospital):
    f.task(session, hospital)
    session.commit()
    origin = _report(client, supervisor[1], _body(wards[0][0].id)).json

    listed = client.get(TASKS, query_string={"source": "external"}, headers=supervisor[1]).json

    assert [task["id"] for task in listed] == [origin["id"]]


def _week() -> str:
    year, week, _ = utcnow().isocalendar()
    return f"{year}-W{week:02d}"


def test_the_problem_list_shows_an_outside_problems_source_and_its_copies(
    client, supervisor, wards
):
    (first, second, _), _ = wards
    _report(client, supervisor[1], _body(first.id, apply_to="same_use"))

    response = client.get(
        "/api/v1/reports/weekly.csv", query_string={"week": _week()}, headers=supervisor[1]
    )

    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    source = rows[0].index("来源")
    assert source == 8  # after the contract's eight
    assert sorted(row[source] for row in rows[1:]) == [
        f"外部反馈（举一反三）：{REF}",
        f"外部反馈：{REF}",
    ]


def test_the_problem_workbook_shows_the_source(client, supervisor, wards):
    _report(client, supervisor[1], _body(wards[0][0].id))

    response = client.get(
        "/api/v1/reports/weekly.xlsx", query_string={"week": _week()}, headers=supervisor[1]
    )

    sheet = load_workbook(io.BytesIO(response.data)).active
    assert (sheet["I1"].value, sheet["I2"].value) == ("来源", f"外部反馈：{REF}")


def test_the_printed_weekly_report_shows_the_source(client, supervisor, wards):
    _report(client, supervisor[1], _body(wards[0][0].id))

    response = client.get(
        "/api/v1/reports/weekly.html", query_string={"week": _week()}, headers=supervisor[1]
    )

    assert f"外部反馈：{REF}" in response.get_data(as_text=True)


def test_the_reports_photo_is_the_problems_before_photo_in_the_workbook(client, supervisor, wards):
    photo_id = f.new_id()
    _upload(client, supervisor[1], photo_id, f.jpeg_bytes())
    _report(client, supervisor[1], _body(wards[0][0].id, photo_ids=[photo_id]))

    response = client.get(
        "/api/v1/reports/weekly.xlsx", query_string={"week": _week()}, headers=supervisor[1]
    )

    sheet = load_workbook(io.BytesIO(response.data)).active
    anchors = [(image.anchor._from.col, image.anchor._from.row) for image in sheet._images]
    assert anchors == [(13, 1)]  # 整改前 (N2, zero-based); nothing yet in 整改后


@pytest.mark.postgres_only
def test_one_id_reported_at_two_hospitals_at_once_is_a_conflict_for_the_second(
    live_server, session, make_user, supervisor, wards, monkeypatch
):
    # Each report locks its own hospital, so both find the id free; the one that stores it
    # second meets the first's row.
    other = f.hospital(session)
    elsewhere = f.location(session, other)
    _, other_supervisor = make_user("supervisor", hospital=other)
    ward_id = wards[0][0].id
    first, second = _body(ward_id), _body(elsewhere.id)
    second["id"] = first["id"]
    answers = {}

    def send(name, body, headers):
        request = urllib.request.Request(
            f"{live_server}{TASKS}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers[name] = (response.status, None)
        except urllib.error.HTTPError as error:
            answers[name] = (error.code, json.load(error)["code"])

    here = lambda session, origin, apply_to: origin.id == ward_id  # noqa: E731
    with pause_calls(monkeypatch, external_problems, "_copy_places", here) as arrived:
        sending = threading.Thread(target=send, args=("first", first, supervisor[1]))
        sending.start()
        assert arrived.wait(timeout=30)  # the first holds its hospital, the id still free
        send("second", second, other_supervisor)
    sending.join(timeout=30)

    # The same answer as when the second comes after the first: the id names other content.
    assert answers == {"second": (201, None), "first": (409, "task.conflict")}
    assert [task.location_id for task in _stored(session, source="external")] == [elsewhere.id]
