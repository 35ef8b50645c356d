"""/tasks: the problem list, the supervisor's PATCH, evidence, verification and the history.

Contract: "Rectification tasks". Tasks are opened the way devices open them, by pushing a failing
answer; what a test needs beyond that (another department, a past deadline) is arranged in the
database and says so.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest

from server.models import RectificationTask
from server.services.tasks import due_at_for
from server.timeutil import utcnow
from tests import factories as f

PUSH = "/api/v1/sync/push"
TASKS = "/api/v1/tasks"


def _task_url(task_id: int, tail: str = "") -> str:
    return f"{TASKS}/{task_id}{tail}"


def _fail(client, headers, location_id: int, item: str = "queue.minutes") -> int:
    """Push one failing answer at ``location_id``; return the id of the task it opened."""
    inspection = f.inspection_payload(location_id)
    value = 40 if item == "queue.minutes" else 3
    finding = f.finding_payload(inspection["id"], item, "fail", value=value)
    response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["tasks"][0]["id"]


def _get(client, headers, task_id: int):
    response = client.get(_task_url(task_id), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _patch(client, headers, task_id: int, body: dict, if_match: str | None = None):
    """PATCH with the task's current ETag unless ``if_match`` is given."""
    etag = if_match if if_match is not None else _get(client, headers, task_id).headers["ETag"]
    return client.patch(_task_url(task_id), json=body, headers={**headers, "If-Match": etag})


def _evidence(client, headers, task_id: int, **body):
    return client.post(
        _task_url(task_id, "/evidence"), json={"id": f.new_id(), **body}, headers=headers
    )


def _verify(client, headers, task_id: int, result: str = "pass", **body):
    return client.post(
        _task_url(task_id, "/verify"),
        json={"id": f.new_id(), "result": result, **body},
        headers=headers,
    )


def _events(client, headers, task_id: int) -> list[dict]:
    response = client.get(_task_url(task_id, "/events"), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [task["id"] for task in response.json]


def _stored_task(session, task_id: int) -> RectificationTask:
    """The task as committed by the requests (the test session's snapshot is ended first)."""
    session.commit()
    session.expire_all()
    return session.get(RectificationTask, task_id)


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


@pytest.fixture
def head(make_user, general_affairs):
    """The department head of the department the walk checklist's tasks go to."""
    return make_user("department_head", department_id=general_affairs.id)


@pytest.fixture
def member(make_user, general_affairs):
    """A member of the task's department (no head): whom a task is given to."""
    return make_user("inspector", department_id=general_affairs.id)


@pytest.fixture
def task_id(client, inspector, place) -> int:
    """An open task at ``place``, opened by the inspector's failing queue time."""
    return _fail(client, inspector[1], place.id)


@pytest.fixture
def submitted_task(client, head, task_id) -> int:
    """``task_id`` with the department's evidence: it waits for verification."""
    assert _evidence(client, head[1], task_id, note="Fixed").status_code == 200
    return task_id


@pytest.fixture
def closed_task(client, inspector, submitted_task) -> int:
    assert _verify(client, inspector[1], submitted_task, "pass").status_code == 200
    return submitted_task


@pytest.fixture
def cancelled_task(client, supervisor, task_id) -> int:
    body = {"status": "cancelled", "reason": "Duplicate"}
    assert _patch(client, supervisor[1], task_id, body).status_code == 200
    return task_id


@pytest.fixture
def second_place(session, hospital, general_affairs):
    row = f.location(session, hospital, department=general_affairs)
    session.commit()
    return row


@pytest.fixture
def foreign_task(client, session, make_user, other_hospital, walk_checklist) -> int:
    """An open task of ``other_hospital``, opened by that hospital's own inspector."""
    _, headers = make_user("inspector", hospital=other_hospital)
    foreign_place = f.location(session, other_hospital)
    session.commit()
    return _fail(client, headers, foreign_place.id)


# --- the list -------------------------------------------------------------------------------


def test_the_list_filters_by_status(client, supervisor, member, inspector, place, second_place):
    open_id = _fail(client, inspector[1], place.id)
    assigned_id = _fail(client, inspector[1], second_place.id)
    _patch(client, supervisor[1], assigned_id, {"assignee_id": member[0].id})

    assert _ids(client.get(f"{TASKS}?status=assigned", headers=supervisor[1])) == [assigned_id]
    assert _ids(client.get(f"{TASKS}?status=open", headers=supervisor[1])) == [open_id]


def test_the_list_filters_by_department(
    client, session, hospital, supervisor, inspector, place, second_place
):
    _fail(client, inspector[1], place.id)
    moved = _fail(client, inspector[1], second_place.id)
    kitchen = f.department(session, hospital)
    _stored_task(session, moved).department_id = kitchen.id  # arranged: another department
    session.commit()

    response = client.get(f"{TASKS}?department_id={kitchen.id}", headers=supervisor[1])

    assert _ids(response) == [moved]


def test_the_list_filters_by_location(client, supervisor, inspector, place, second_place):
    _fail(client, inspector[1], place.id)
    there = _fail(client, inspector[1], second_place.id)

    response = client.get(f"{TASKS}?location_id={second_place.id}", headers=supervisor[1])

    assert _ids(response) == [there]


def test_the_list_filters_by_assignee(client, supervisor, member, inspector, place, second_place):
    worker = member[0]
    _fail(client, inspector[1], place.id)
    assigned = _fail(client, inspector[1], second_place.id)
    _patch(client, supervisor[1], assigned, {"assignee_id": worker.id})

    response = client.get(f"{TASKS}?assignee_id={worker.id}", headers=supervisor[1])

    assert _ids(response) == [assigned]


def test_the_overdue_filter_lists_only_open_tasks_past_their_deadline(
    client, session, supervisor, inspector, place, second_place
):
    on_time = _fail(client, inspector[1], place.id)
    late = _fail(client, inspector[1], second_place.id)
    # Arranged: one deadline tomorrow, one yesterday (the wall clock decides what is overdue).
    _stored_task(session, on_time).due_at = utcnow() + timedelta(days=1)
    session.get(RectificationTask, late).due_at = utcnow() - timedelta(days=1)
    session.commit()

    response = client.get(f"{TASKS}?overdue=true", headers=supervisor[1])

    assert _ids(response) == [late]
    assert response.json[0]["overdue"] is True


def test_a_closed_task_past_its_deadline_is_not_overdue(client, session, supervisor, closed_task):
    _stored_task(session, closed_task).due_at = utcnow() - timedelta(days=1)
    session.commit()

    assert _ids(client.get(f"{TASKS}?overdue=true", headers=supervisor[1])) == []
    assert _get(client, supervisor[1], closed_task).json["overdue"] is False


def test_pages_split_the_list_soonest_deadline_first(
    client, session, hospital, supervisor, inspector, general_affairs
):
    places = [f.location(session, hospital, department=general_affairs) for _ in range(3)]
    session.commit()
    ids = [_fail(client, inspector[1], p.id) for p in places]
    for days, task in zip((3, 1, 2), ids, strict=True):  # arranged: distinct deadlines
        _stored_task(session, task).due_at = utcnow() + timedelta(days=days)
    session.commit()

    first = client.get(f"{TASKS}?per_page=2&page=1", headers=supervisor[1])
    second = client.get(f"{TASKS}?per_page=2&page=2", headers=supervisor[1])

    assert _ids(first) == [ids[1], ids[2]]
    assert _ids(second) == [ids[0]]
    assert first.headers["X-Total-Count"] == second.headers["X-Total-Count"] == "3"


def test_the_total_count_is_that_of_the_filtered_list(
    client, supervisor, inspector, place, second_place
):
    _fail(client, inspector[1], place.id)
    _fail(client, inspector[1], second_place.id)
    _fail(client, inspector[1], second_place.id, item="log.missing_days")

    response = client.get(
        f"{TASKS}?location_id={second_place.id}&per_page=1", headers=supervisor[1]
    )

    assert len(_ids(response)) == 1
    assert response.headers["X-Total-Count"] == "2"


def test_a_department_head_lists_only_their_departments_tasks(
    client, session, hospital, head, inspector, place, second_place
):
    mine = _fail(client, inspector[1], place.id)
    theirs = _fail(client, inspector[1], second_place.id)
    _stored_task(session, theirs).department_id = f.department(session, hospital).id
    session.commit()

    response = client.get(TASKS, headers=head[1])

    assert _ids(response) == [mine]
    assert response.headers["X-Total-Count"] == "1"


def test_another_hospitals_tasks_never_appear_in_the_list(
    client, supervisor, task_id, foreign_task, other_hospital
):
    response = client.get(f"{TASKS}?per_page=200", headers=supervisor[1])

    assert _ids(response) == [task_id]
    assert response.headers["X-Total-Count"] == "1"


def test_filtering_by_another_hospitals_department_finds_nothing(
    client, session, supervisor, foreign_task
):
    department_id = _stored_task(session, foreign_task).department_id

    response = client.get(f"{TASKS}?department_id={department_id}", headers=supervisor[1])

    assert _ids(response) == []
    assert response.headers["X-Total-Count"] == "0"


def test_the_list_needs_a_token(client, task_id, assert_error):
    assert_error(client.get(TASKS), 401, "auth.required")


# --- one task -------------------------------------------------------------------------------


def test_the_etag_of_a_task_is_its_quoted_version(client, supervisor, task_id):
    response = _get(client, supervisor[1], task_id)

    assert response.headers["ETag"] == f'"{response.json["version"]}"'


def test_another_hospitals_task_is_not_found(client, supervisor, foreign_task, assert_error):
    response = client.get(_task_url(foreign_task), headers=supervisor[1])

    assert_error(response, 404, "task.not_found")


def test_another_hospitals_task_history_is_not_found(
    client, supervisor, foreign_task, assert_error
):
    response = client.get(_task_url(foreign_task, "/events"), headers=supervisor[1])

    assert_error(response, 404, "task.not_found")


# --- PATCH ----------------------------------------------------------------------------------


def test_a_patch_without_if_match_is_refused_with_428(
    client, session, supervisor, task_id, assert_error
):
    response = client.patch(
        _task_url(task_id), json={"assignee_id": supervisor[0].id}, headers=supervisor[1]
    )

    assert_error(response, 428, "request.precondition_required")
    assert _stored_task(session, task_id).assignee_id is None


def test_a_patch_with_a_stale_version_is_refused_with_412(
    client, session, supervisor, member, task_id, assert_error
):
    stale = _get(client, supervisor[1], task_id).headers["ETag"]
    _patch(client, supervisor[1], task_id, {"assignee_id": member[0].id})

    response = _patch(client, supervisor[1], task_id, {"assignee_id": None}, if_match=stale)

    assert_error(response, 412, "request.precondition_failed")
    assert _stored_task(session, task_id).assignee_id == member[0].id


def test_assigning_an_open_task_makes_it_assigned_and_bumps_the_etag(
    client, member, supervisor, task_id
):
    worker = member[0]
    before = _get(client, supervisor[1], task_id)

    response = _patch(client, supervisor[1], task_id, {"assignee_id": worker.id})

    assert response.status_code == 200
    assert response.json["status"] == "assigned"
    assert response.json["assignee_id"] == worker.id
    assert response.json["version"] == before.json["version"] + 1
    assert response.headers["ETag"] == f'"{before.json["version"] + 1}"'
    assert _get(client, supervisor[1], task_id).headers["ETag"] == response.headers["ETag"]


def test_unassigning_a_task_reopens_it(client, supervisor, member, task_id):
    assert _patch(client, supervisor[1], task_id, {"assignee_id": member[0].id}).status_code == 200

    response = _patch(client, supervisor[1], task_id, {"assignee_id": None})

    assert response.status_code == 200
    assert response.json["status"] == "open"
    assert response.json["assignee_id"] is None


def test_an_assignee_of_another_hospital_is_refused_naming_the_field(
    client, session, make_user, other_hospital, supervisor, task_id, assert_error
):
    stranger, _ = make_user("department_head", hospital=other_hospital)

    response = _patch(client, supervisor[1], task_id, {"assignee_id": stranger.id})

    body = assert_error(response, 422, "task.assignee_not_member")
    assert "assignee_id" in body["errors"]
    assert _stored_task(session, task_id).assignee_id is None


@pytest.mark.parametrize("role", ["recorder", "leader"])
def test_a_member_whose_role_cannot_act_on_tasks_is_not_named(
    client, session, make_user, general_affairs, supervisor, task_id, role, assert_error
):
    """A recorder keeps logs and sees no tasks; a leader reads and changes nothing."""
    colleague, _ = make_user(role, department_id=general_affairs.id)

    response = _patch(client, supervisor[1], task_id, {"assignee_id": colleague.id})

    body = assert_error(response, 422, "task.assignee_not_member")
    assert "assignee_id" in body["errors"]
    assert _stored_task(session, task_id).assignee_id is None


def test_a_new_deadline_without_a_reason_is_refused_naming_the_reason(
    client, supervisor, task_id, assert_error
):
    due = (utcnow() + timedelta(days=10)).isoformat()

    response = _patch(client, supervisor[1], task_id, {"due_at": due})

    body = assert_error(response, 422, "request.invalid")
    assert "reason" in body["errors"]


def test_a_new_deadline_with_a_reason_moves_the_deadline(client, supervisor, task_id):
    due = "2027-01-15T09:30:00Z"

    response = _patch(
        client, supervisor[1], task_id, {"due_at": due, "reason": "Waiting for parts"}
    )

    assert response.status_code == 200
    assert response.json["due_at"] == "2027-01-15T09:30:00Z"
    event = _events(client, supervisor[1], task_id)[-1]
    assert (event["action"], event["note"]) == ("deadline_changed", "Waiting for parts")


def test_a_cancellation_without_a_reason_is_refused(client, supervisor, task_id, assert_error):
    response = _patch(client, supervisor[1], task_id, {"status": "cancelled"})

    body = assert_error(response, 422, "request.invalid")
    assert "reason" in body["errors"]


# Sent as JSON escapes (json.dumps), as a client would: neither can be stored.
UNSTORABLE = pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "surrogate"])


@UNSTORABLE
def test_a_reason_the_database_cannot_store_is_refused_naming_it(
    client, supervisor, task_id, assert_error, text
):
    etag = _get(client, supervisor[1], task_id).headers["ETag"]
    response = client.patch(
        _task_url(task_id),
        data=json.dumps({"status": "cancelled", "reason": text}),
        content_type="application/json",
        headers={**supervisor[1], "If-Match": etag},
    )

    assert "reason" in assert_error(response, 422, "request.invalid")["errors"]


def test_a_patch_that_changes_nothing_is_refused(
    client, session, supervisor, task_id, assert_error
):
    version = _get(client, supervisor[1], task_id).json["version"]

    response = _patch(client, supervisor[1], task_id, {"reason": "Just because"})

    assert_error(response, 422, "request.invalid")
    assert _stored_task(session, task_id).version == version


def test_cancelling_with_a_reason_cancels_and_closes_the_task(client, supervisor, task_id):
    response = _patch(
        client, supervisor[1], task_id, {"status": "cancelled", "reason": "Duplicate report"}
    )

    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["closed_at"] is not None
    event = _events(client, supervisor[1], task_id)[-1]
    assert (event["action"], event["note"]) == ("cancelled", "Duplicate report")


@pytest.mark.parametrize("finished", ["cancelled_task", "closed_task"])
def test_a_finished_task_cannot_be_patched(client, supervisor, finished, request, assert_error):
    task = request.getfixturevalue(finished)

    response = _patch(client, supervisor[1], task, {"assignee_id": supervisor[0].id})

    assert_error(response, 409, "task.not_open")


def test_an_inspector_patches_no_task(
    client, session, make_user, general_affairs, task_id, assert_error
):
    user, headers = make_user("inspector", department_id=general_affairs.id)

    response = _patch(client, headers, task_id, {"assignee_id": user.id})

    assert_error(response, 403, "auth.forbidden")
    assert _stored_task(session, task_id).assignee_id is None


@pytest.mark.parametrize(
    "change",
    [
        {"due_at": "2027-01-15T09:30:00Z", "reason": "later"},
        {"status": "cancelled", "reason": "duplicate"},
    ],
)
def test_a_department_head_neither_reschedules_nor_cancels(
    client, session, head, task_id, change, assert_error
):
    response = _patch(client, head[1], task_id, change)

    assert_error(response, 403, "auth.forbidden")
    assert _stored_task(session, task_id).status == "open"


# --- evidence -------------------------------------------------------------------------------


def test_the_responsible_department_head_submits_evidence(client, head, task_id):
    response = _evidence(client, head[1], task_id, note="Extra window opened")

    assert response.status_code == 200
    assert response.json["status"] == "submitted"


def test_a_department_head_of_another_department_cannot_see_the_task(
    client, session, hospital, make_user, task_id, assert_error
):
    kitchen = f.department(session, hospital)
    _, headers = make_user("department_head", department_id=kitchen.id)

    response = _evidence(client, headers, task_id, note="Not ours")

    assert_error(response, 404, "task.not_found")
    assert _stored_task(session, task_id).status == "open"


def test_evidence_from_another_department_is_refused_even_when_the_task_is_visible(
    client, session, hospital, make_user, task_id, assert_error
):
    # Also an inspector, so the task is visible; still not the responsible department.
    kitchen = f.department(session, hospital)
    _, headers = make_user("department_head", "inspector", department_id=kitchen.id)

    response = _evidence(client, headers, task_id, note="Not ours")

    assert_error(response, 403, "task.not_your_department")
    assert _stored_task(session, task_id).status == "open"


def test_an_inspector_cannot_submit_evidence(client, session, inspector, task_id, assert_error):
    response = _evidence(client, inspector[1], task_id, note="Looks fixed")

    assert_error(response, 403, "auth.forbidden")
    assert _stored_task(session, task_id).status == "open"


@UNSTORABLE
def test_evidence_text_the_database_cannot_store_is_refused_naming_it(
    client, head, task_id, assert_error, text
):
    response = client.post(
        _task_url(task_id, "/evidence"),
        data=json.dumps({"id": f.new_id(), "note": text}),
        content_type="application/json",
        headers=head[1],
    )

    assert "note" in assert_error(response, 422, "request.invalid")["errors"]


def test_replayed_evidence_is_accepted_once(client, head, task_id):
    body = {"id": f.new_id(), "note": "Fixed"}
    url = _task_url(task_id, "/evidence")

    first = client.post(url, json=body, headers=head[1])
    again = client.post(url, json=body, headers=head[1])

    assert first.status_code == again.status_code == 200
    assert again.json["version"] == first.json["version"]
    actions = [event["action"] for event in _events(client, head[1], task_id)]
    assert actions.count("evidence_submitted") == 1


def test_evidence_reusing_an_id_for_another_note_is_a_conflict(client, head, task_id, assert_error):
    body = {"id": f.new_id(), "note": "Fixed"}
    url = _task_url(task_id, "/evidence")
    client.post(url, json=body, headers=head[1])

    response = client.post(url, json={**body, "note": "Fixed properly"}, headers=head[1])

    assert_error(response, 409, "task.submission_conflict")


def test_evidence_reusing_an_id_on_another_task_is_a_conflict(
    client, head, inspector, task_id, second_place, assert_error
):
    body = {"id": f.new_id(), "note": "Fixed"}
    other = _fail(client, inspector[1], second_place.id)
    client.post(_task_url(task_id, "/evidence"), json=body, headers=head[1])

    response = client.post(_task_url(other, "/evidence"), json=body, headers=head[1])

    assert_error(response, 409, "task.submission_conflict")


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


def test_an_evidence_photo_becomes_visible_with_the_task(client, head, supervisor, task_id):
    photo_id = f.new_id()
    assert _upload(client, head[1], photo_id, f.jpeg_bytes()).status_code == 201
    assert client.get(f"/api/v1/photos/{photo_id}", headers=supervisor[1]).status_code == 404

    response = _evidence(client, head[1], task_id, note="See photo", photo_ids=[photo_id])

    assert response.status_code == 200
    photo = client.get(f"/api/v1/photos/{photo_id}", headers=supervisor[1])
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"


def test_evidence_naming_a_photo_never_uploaded_is_refused_and_changes_nothing(
    client, session, head, task_id, assert_error
):
    before = _stored_task(session, task_id).version

    response = _evidence(client, head[1], task_id, note="See photo", photo_ids=[f.new_id()])

    body = assert_error(response, 422, "task.photo_unavailable")
    assert "photo_ids" in body["errors"]
    task = _stored_task(session, task_id)
    assert (task.status, task.version) == ("open", before)
    assert [e["action"] for e in _events(client, head[1], task_id)] == ["created"]


def test_evidence_naming_a_photo_already_used_is_refused(
    client, head, inspector, task_id, second_place, assert_error
):
    photo_id = f.new_id()
    _upload(client, head[1], photo_id, f.jpeg_bytes())
    _evidence(client, head[1], task_id, note="See photo", photo_ids=[photo_id])
    other = _fail(client, inspector[1], second_place.id)

    response = _evidence(client, head[1], other, note="Same photo", photo_ids=[photo_id])

    assert_error(response, 422, "task.photo_unavailable")


def test_evidence_naming_one_photo_twice_is_refused(client, session, head, task_id, assert_error):
    photo_id = f.new_id()
    _upload(client, head[1], photo_id, f.jpeg_bytes())

    response = _evidence(client, head[1], task_id, note="x", photo_ids=[photo_id, photo_id])

    assert_error(response, 422, "task.photo_unavailable")
    assert _stored_task(session, task_id).status == "open"


def test_evidence_cannot_claim_a_photo_uploaded_in_another_hospital(
    client, make_user, other_hospital, head, task_id, assert_error
):
    _, stranger = make_user("inspector", hospital=other_hospital)
    photo_id = f.new_id()
    _upload(client, stranger, photo_id, f.jpeg_bytes())

    response = _evidence(client, head[1], task_id, note="x", photo_ids=[photo_id])

    assert_error(response, 422, "task.photo_unavailable")


def test_evidence_on_a_closed_task_is_refused(client, head, closed_task, assert_error):
    response = _evidence(client, head[1], closed_task, note="Again")

    assert_error(response, 409, "task.not_open")


# --- verification ---------------------------------------------------------------------------


def test_a_passing_verification_closes_the_task(client, inspector, submitted_task):
    response = _verify(client, inspector[1], submitted_task, "pass", note="Queue is short")

    assert response.status_code == 200
    assert response.json["status"] == "closed"
    assert response.json["closed_at"] is not None


def test_a_failed_verification_returns_an_assigned_task_to_its_assignee(
    client, supervisor, head, inspector, task_id
):
    assert _patch(client, supervisor[1], task_id, {"assignee_id": head[0].id}).status_code == 200
    _evidence(client, head[1], task_id, note="Fixed")

    response = _verify(client, inspector[1], task_id, "fail", note="Still 40 minutes")

    assert response.status_code == 200
    assert response.json["status"] == "assigned"
    assert response.json["assignee_id"] == head[0].id
    assert response.json["closed_at"] is None


def test_a_failed_verification_counts_a_new_deadline_from_the_failure(
    client, session, hospital, inspector, submitted_task
):
    _stored_task(session, submitted_task).due_at = utcnow() - timedelta(days=2)  # arranged: late
    session.commit()
    before = utcnow()

    response = _verify(client, inspector[1], submitted_task, "fail", note="Still 40 minutes")

    after = utcnow()
    # queue.minutes is minor: the end of the 7th local day, counting the failure's day as the 1st
    expected = {due_at_for(moment, "minor", None, hospital.timezone) for moment in (before, after)}
    assert datetime.fromisoformat(response.json["due_at"]) in expected
    assert response.json["overdue"] is False
    event = _events(client, inspector[1], submitted_task)[-1]
    assert event["after"]["due_at"] == response.json["due_at"]
    assert datetime.fromisoformat(event["before"]["due_at"]) < before


def test_a_passing_verification_keeps_the_deadline(client, inspector, submitted_task):
    due_at = _get(client, inspector[1], submitted_task).json["due_at"]

    response = _verify(client, inspector[1], submitted_task, "pass")

    assert response.json["due_at"] == due_at
    assert "due_at" not in _events(client, inspector[1], submitted_task)[-1]["after"]


def test_a_task_names_who_sent_the_evidence_it_waits_on(client, head, supervisor, submitted_task):
    listed = client.get(f"{TASKS}?status=submitted", headers=supervisor[1]).json

    assert [task["submitted_by_id"] for task in listed] == [head[0].id]
    assert _get(client, supervisor[1], submitted_task).json["submitted_by_id"] == head[0].id


def test_a_task_without_evidence_names_no_sender(client, supervisor, task_id):
    assert _get(client, supervisor[1], task_id).json["submitted_by_id"] is None


def test_a_failed_verification_reopens_an_unassigned_task(client, inspector, submitted_task):
    response = _verify(client, inspector[1], submitted_task, "fail")

    assert response.status_code == 200
    assert response.json["status"] == "open"


def test_nobody_verifies_their_own_evidence(client, session, supervisor, task_id, assert_error):
    _evidence(client, supervisor[1], task_id, note="Fixed it myself")

    response = _verify(client, supervisor[1], task_id, "pass")

    assert_error(response, 403, "task.self_verification")
    assert _stored_task(session, task_id).status == "submitted"


def test_a_task_without_evidence_cannot_be_verified(client, inspector, task_id, assert_error):
    response = _verify(client, inspector[1], task_id, "pass")

    assert_error(response, 409, "task.not_submitted")


def test_a_department_head_cannot_verify(
    client, session, make_user, general_affairs, submitted_task, assert_error
):
    _, headers = make_user("department_head", department_id=general_affairs.id)

    response = _verify(client, headers, submitted_task, "pass")

    assert_error(response, 403, "auth.forbidden")
    assert _stored_task(session, submitted_task).status == "submitted"


def test_a_replayed_verification_is_accepted_once(client, inspector, submitted_task):
    body = {"id": f.new_id(), "result": "pass", "note": "OK"}
    url = _task_url(submitted_task, "/verify")

    first = client.post(url, json=body, headers=inspector[1])
    again = client.post(url, json=body, headers=inspector[1])

    assert first.status_code == again.status_code == 200
    assert again.json["status"] == "closed"
    assert again.json["version"] == first.json["version"]
    actions = [event["action"] for event in _events(client, inspector[1], submitted_task)]
    assert actions.count("verified") == 1


def test_a_verification_id_reused_for_another_result_is_a_conflict(
    client, inspector, submitted_task, assert_error
):
    body = {"id": f.new_id(), "result": "fail", "note": ""}
    url = _task_url(submitted_task, "/verify")
    client.post(url, json=body, headers=inspector[1])

    response = client.post(url, json={**body, "result": "pass"}, headers=inspector[1])

    assert_error(response, 409, "task.submission_conflict")


# --- history --------------------------------------------------------------------------------


def test_the_history_records_every_step_in_order_with_actor_and_states(
    client, supervisor, head, inspector, task_id
):
    _patch(client, supervisor[1], task_id, {"assignee_id": head[0].id})
    _evidence(client, head[1], task_id, note="Fixed")
    _verify(client, inspector[1], task_id, "fail", note="Not fixed")
    _evidence(client, head[1], task_id, note="Fixed now")
    _verify(client, supervisor[1], task_id, "pass", note="Good")

    history = [
        (e["action"], e["actor_id"], e["before"].get("status"), e["after"].get("status"))
        for e in _events(client, head[1], task_id)
    ]

    assert history == [
        ("created", inspector[0].id, None, "open"),
        ("assigned", supervisor[0].id, "open", "assigned"),
        ("evidence_submitted", head[0].id, "assigned", "submitted"),
        ("verified", inspector[0].id, "submitted", "assigned"),
        ("evidence_submitted", head[0].id, "assigned", "submitted"),
        ("verified", supervisor[0].id, "submitted", "closed"),
    ]


def test_the_history_keeps_notes_results_and_times(client, head, inspector, submitted_task):
    _verify(client, inspector[1], submitted_task, "fail", note="Not fixed")

    last = _events(client, head[1], submitted_task)[-1]

    assert (last["after"]["status"], last["after"]["result"]) == ("open", "fail")
    assert last["note"] == "Not fixed"
    assert last["created_at"].endswith("Z")


# --- The whole task, as the screen where it is worked on shows it --------------------------


def test_a_task_shows_the_failure_behind_it_with_its_note_and_photos(
    client, inspector, place, supervisor
):
    data = f.jpeg_bytes()
    slot = f.photo_ref(data)
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(
        inspection["id"], "queue.minutes", "fail", value=40, note="Long queue", photos=[slot]
    )
    pushed = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=inspector[1])
    task_id = pushed.json["tasks"][0]["id"]

    body = _get(client, supervisor[1], task_id).json

    assert body["failures"] == [
        {
            "kind": "finding",
            "id": finding["id"],
            "inspection_id": inspection["id"],
            "recorded_at": "2026-11-23T01:10:00Z",
            "value": 40,
            "note": "Long queue",
            "failed_rules": [],
            "photo_ids": [slot["id"]],
            "photo_originals": {},
        }
    ]


def test_a_task_shows_the_evidence_sent_and_who_sent_it(client, head, supervisor, submitted_task):
    body = _get(client, supervisor[1], submitted_task).json

    [evidence] = body["submissions"]
    assert evidence["kind"] == "evidence"
    assert evidence["note"] == "Fixed"
    assert evidence["actor_id"] == head[0].id
    assert evidence["actor_name"] == head[0].display_name


def test_a_task_names_its_assignee(client, head, supervisor, task_id):
    response = _patch(client, supervisor[1], task_id, {"assignee_id": head[0].id})

    assert response.json["assignee_id"] == head[0].id
    assert response.json["assignee_name"] == head[0].display_name


def test_the_task_list_stays_lean(client, supervisor, submitted_task):
    [listed] = client.get(TASKS, headers=supervisor[1]).json

    assert not {"failures", "submissions", "assignee_name"} & set(listed)


def test_the_history_names_who_did_each_step(client, head, supervisor, submitted_task):
    events = _events(client, supervisor[1], submitted_task)

    submitted = [event for event in events if event["action"] == "evidence_submitted"]
    assert [event["actor_name"] for event in submitted] == [head[0].display_name]


def test_whoever_may_see_a_task_sees_the_photo_of_its_failure(client, inspector, place, make_user):
    data = f.jpeg_bytes()
    slot = f.photo_ref(data)
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "queue.minutes", "fail", value=40, photos=[slot])
    client.post(PUSH, json=f.push_body([inspection], [finding]), headers=inspector[1])
    _upload(client, inspector[1], slot["id"], data)
    _, colleague = make_user("inspector")  # sees every task of the hospital, not this inspection

    response = client.get(f"/api/v1/photos/{slot['id']}?size=thumb", headers=colleague)

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
