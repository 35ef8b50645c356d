"""Moving a task to another department, and naming its person (责任人) within the department.

Contract: "Rectification tasks". The supervisor owns the department choice: ``PATCH`` with
``department_id`` + ``reason`` moves the task, and an assignee who is not a member of the new
department goes. The head of the task's department names the person; only an active member of
the task's department can be named (422 naming ``assignee_id`` otherwise).
"""

from __future__ import annotations

import pytest

from server.models import RectificationTask
from tests import factories as f

PUSH = "/api/v1/sync/push"
TASKS = "/api/v1/tasks"


@pytest.fixture
def org(session, hospital, general_affairs):
    """General affairs (the walk checklist's tasks go there) and a ward, each with people."""
    ward = f.department(session, hospital, code="ward")

    def person(department, *roles, **overrides):
        user = f.user(session, hospital, roles=roles or ("inspector",), department=department)
        headers = f.auth_headers(session, user)
        for name, value in overrides.items():
            setattr(user, name, value)
        return user, headers

    people = {
        "supervisor": person(None, "supervisor"),
        "inspector": person(None, "inspector"),
        "ga_head": person(general_affairs, "department_head"),
        "ga_worker": person(general_affairs),
        "ward_head": person(ward, "department_head"),
        "nurse": person(ward),
        "former_nurse": person(ward, active=False),
    }
    session.commit()
    return {"ward": ward, "general_affairs": general_affairs, **people}


@pytest.fixture
def task_id(client, walk_checklist, place, org) -> int:
    """An open task of general affairs at ``place``, opened by a failing queue time."""
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "queue.minutes", "fail", value=40)
    body = f.push_body([inspection], [finding])
    response = client.post(PUSH, json=body, headers=org["inspector"][1])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["tasks"][0]["id"]


def _patch(client, headers, task_id: int, body: dict):
    etag = client.get(f"{TASKS}/{task_id}", headers=headers).headers.get("ETag", '"0"')
    return client.patch(f"{TASKS}/{task_id}", json=body, headers={**headers, "If-Match": etag})


def _stored(session, task_id: int) -> RectificationTask:
    session.commit()
    session.expire_all()
    return session.get(RectificationTask, task_id)


def _move(client, org, task_id: int, department, reason: str = "病区内问题，应由病区整改"):
    body = {"department_id": department.id, "reason": reason}
    return _patch(client, org["supervisor"][1], task_id, body)


# --- moving -------------------------------------------------------------------------------------


def test_a_supervisor_moves_a_task_to_another_department(client, org, task_id):
    response = _move(client, org, task_id, org["ward"])

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["department_id"] == org["ward"].id


def test_a_move_is_recorded_with_both_departments_and_the_reason(client, org, task_id):
    _move(client, org, task_id, org["ward"], reason="门前杂物属病区")

    event = client.get(f"{TASKS}/{task_id}/events", headers=org["supervisor"][1]).json[-1]

    assert event["action"] == "moved"
    assert event["before"]["department_id"] == org["general_affairs"].id
    assert event["after"]["department_id"] == org["ward"].id
    assert (event["actor_id"], event["note"]) == (org["supervisor"][0].id, "门前杂物属病区")


def test_a_moved_task_leaves_the_old_department_and_reaches_the_new(client, org, task_id):
    _move(client, org, task_id, org["ward"])

    old = client.get(f"{TASKS}/{task_id}", headers=org["ga_head"][1])
    new = client.get(TASKS, headers=org["ward_head"][1])

    assert old.status_code == 404
    assert [task["id"] for task in new.json] == [task_id]


def test_a_move_sends_away_an_assignee_who_is_not_of_the_new_department(
    client, session, org, task_id
):
    _patch(client, org["supervisor"][1], task_id, {"assignee_id": org["ga_worker"][0].id})

    response = _move(client, org, task_id, org["ward"])

    assert (response.json["assignee_id"], response.json["status"]) == (None, "open")
    event = client.get(f"{TASKS}/{task_id}/events", headers=org["supervisor"][1]).json[-1]
    assert event["before"]["assignee_id"] == org["ga_worker"][0].id
    assert event["after"]["assignee_id"] is None


def test_a_move_keeps_submitted_work_waiting_for_its_verifier(client, session, org, task_id):
    evidence = {"id": f.new_id(), "note": "已整改"}
    client.post(f"{TASKS}/{task_id}/evidence", json=evidence, headers=org["ga_head"][1])

    response = _move(client, org, task_id, org["ward"])

    assert response.json["status"] == "submitted"


def test_a_move_and_an_assignee_in_one_change_name_someone_of_the_new_department(
    client, org, task_id
):
    body = {"department_id": org["ward"].id, "reason": "病区", "assignee_id": org["nurse"][0].id}

    response = _patch(client, org["supervisor"][1], task_id, body)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.json["department_id"], response.json["assignee_id"]) == (
        org["ward"].id,
        org["nurse"][0].id,
    )


def test_a_move_needs_a_reason(client, session, org, task_id, assert_error):
    response = _patch(client, org["supervisor"][1], task_id, {"department_id": org["ward"].id})

    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"reason"}
    assert _stored(session, task_id).department_id == org["general_affairs"].id


def test_a_move_to_another_hospitals_department_is_refused_naming_the_field(
    client, session, org, other_hospital, task_id, assert_error
):
    response = _move(client, org, task_id, other_hospital.departments[0])

    body = assert_error(response, 422, "task.unknown_department")
    assert set(body["errors"]) == {"department_id"}
    assert _stored(session, task_id).department_id == org["general_affairs"].id


def test_a_move_to_the_department_it_has_is_refused(client, org, task_id, assert_error):
    response = _move(client, org, task_id, org["general_affairs"])

    body = assert_error(response, 422, "task.same_department")
    assert set(body["errors"]) == {"department_id"}


def test_a_closed_task_is_not_moved(client, org, task_id, assert_error):
    cancel = {"status": "cancelled", "reason": "重复"}
    _patch(client, org["supervisor"][1], task_id, cancel)

    assert_error(_move(client, org, task_id, org["ward"]), 409, "task.not_open")


@pytest.mark.parametrize("who", ["ga_head", "inspector"])
def test_only_a_supervisor_moves_a_task(client, session, org, task_id, who, assert_error):
    body = {"department_id": org["ward"].id, "reason": "病区"}

    response = _patch(client, org[who][1], task_id, body)

    assert_error(response, 403, "auth.forbidden")
    assert _stored(session, task_id).department_id == org["general_affairs"].id


# --- naming the person ---------------------------------------------------------------------------


def test_the_department_head_names_a_member_of_the_department(client, org, task_id):
    response = _patch(client, org["ga_head"][1], task_id, {"assignee_id": org["ga_worker"][0].id})

    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.json["assignee_id"], response.json["status"]) == (
        org["ga_worker"][0].id,
        "assigned",
    )


def test_the_department_head_takes_the_person_off_again(client, org, task_id):
    _patch(client, org["ga_head"][1], task_id, {"assignee_id": org["ga_worker"][0].id})

    response = _patch(client, org["ga_head"][1], task_id, {"assignee_id": None})

    assert (response.json["assignee_id"], response.json["status"]) == (None, "open")


@pytest.mark.parametrize("who", ["ga_head", "supervisor"])
def test_nobody_outside_the_department_can_be_named(
    client, session, org, task_id, who, assert_error
):
    response = _patch(client, org[who][1], task_id, {"assignee_id": org["nurse"][0].id})

    body = assert_error(response, 422, "task.assignee_not_member")
    assert set(body["errors"]) == {"assignee_id"}
    assert _stored(session, task_id).assignee_id is None


def test_a_member_who_left_cannot_be_named(client, org, task_id, assert_error):
    response = _patch(
        client, org["ga_head"][1], task_id, {"assignee_id": org["former_nurse"][0].id}
    )

    assert_error(response, 422, "task.assignee_not_member")


def test_a_supervisor_cannot_name_themselves_outside_the_department(
    client, org, task_id, assert_error
):
    response = _patch(
        client, org["supervisor"][1], task_id, {"assignee_id": org["supervisor"][0].id}
    )

    assert_error(response, 422, "task.assignee_not_member")


def test_a_task_without_a_department_is_moved_before_anyone_is_named(
    client, session, org, task_id, assert_error
):
    _stored(session, task_id).department_id = None  # arranged: a place nobody owns
    session.commit()

    refused = _patch(client, org["supervisor"][1], task_id, {"assignee_id": org["nurse"][0].id})
    moved = _move(client, org, task_id, org["ward"])
    named = _patch(client, org["ward_head"][1], task_id, {"assignee_id": org["nurse"][0].id})

    body = assert_error(refused, 422, "task.assignee_not_member")
    assert "move it" in body["errors"]["assignee_id"][0]
    assert (moved.status_code, named.status_code) == (200, 200)


def test_the_head_of_another_department_does_not_see_the_task(client, org, task_id, assert_error):
    response = _patch(client, org["ward_head"][1], task_id, {"assignee_id": org["nurse"][0].id})

    assert_error(response, 404, "task.not_found")


def test_a_head_who_also_inspects_names_nobody_on_another_departments_task(
    client, session, hospital, org, task_id, assert_error
):
    """Inspecting, they see every task; naming a person stays their own department's."""
    both = f.user(session, hospital, roles=("department_head", "inspector"), department=org["ward"])
    headers = f.auth_headers(session, both)
    session.commit()

    response = _patch(client, headers, task_id, {"assignee_id": org["ga_worker"][0].id})

    assert_error(response, 403, "task.not_your_department")
    assert _stored(session, task_id).assignee_id is None


def test_a_department_head_names_the_person_only_by_itself(client, org, task_id, assert_error):
    """The assignee with a move in one change is the supervisor's: a head may not ride along."""
    body = {"assignee_id": org["ga_worker"][0].id, "due_at": "2027-01-15T09:30:00Z"}

    response = _patch(client, org["ga_head"][1], task_id, {**body, "reason": "晚一点"})

    assert_error(response, 403, "auth.forbidden")


# --- the person named reports the fix -------------------------------------------------------------


def _evidence(client, headers, task_id: int):
    body = {"id": f.new_id(), "note": "已清理"}
    return client.post(f"{TASKS}/{task_id}/evidence", json=body, headers=headers)


def _name(client, org, task_id: int, who: str):
    response = _patch(client, org["ga_head"][1], task_id, {"assignee_id": org[who][0].id})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_person_named_on_a_task_sends_the_evidence_of_their_fix(client, org, task_id):
    _name(client, org, task_id, "ga_worker")

    response = _evidence(client, org["ga_worker"][1], task_id)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.json["status"], response.json["submitted_by_id"]) == (
        "submitted",
        org["ga_worker"][0].id,
    )


def test_a_member_who_is_not_named_sends_no_evidence(
    client, session, hospital, org, task_id, assert_error
):
    colleague = f.user(session, hospital, department=org["general_affairs"])
    headers = f.auth_headers(session, colleague)
    session.commit()
    _name(client, org, task_id, "ga_worker")

    assert_error(_evidence(client, headers, task_id), 403, "auth.forbidden")


def test_an_assignee_taken_off_by_a_move_sends_no_evidence(client, org, task_id, assert_error):
    _name(client, org, task_id, "ga_worker")
    _move(client, org, task_id, org["ward"])

    assert_error(_evidence(client, org["ga_worker"][1], task_id), 403, "auth.forbidden")


def test_the_assignee_cannot_verify_their_own_fix(client, org, task_id, assert_error):
    _name(client, org, task_id, "ga_worker")  # also an inspector: a verifier of others' work
    _evidence(client, org["ga_worker"][1], task_id)

    body = {"id": f.new_id(), "result": "pass"}
    response = client.post(f"{TASKS}/{task_id}/verify", json=body, headers=org["ga_worker"][1])

    assert_error(response, 403, "task.self_verification")


# --- what devices pull after a move ---------------------------------------------------------------

PULL = "/api/v1/sync/pull"


def _pull(client, headers, cursor: int = 0) -> tuple[list[dict], int]:
    page = client.get(f"{PULL}?cursor={cursor}&limit=500", headers=headers).json
    return [change for change in page["changes"] if change["kind"] == "task"], page["cursor"]


def test_the_old_departments_devices_drop_a_moved_task_on_their_next_pull(client, org, task_id):
    held, cursor = _pull(client, org["ga_head"][1])
    assert [change["op"] for change in held] == ["upsert"]

    _move(client, org, task_id, org["ward"])
    changes, _ = _pull(client, org["ga_head"][1], cursor)

    assert changes == [
        {"seq": changes[0]["seq"], "kind": "task", "op": "delete", "data": {"id": str(task_id)}}
    ]


def test_the_new_department_pulls_a_moved_task_whole(client, org, task_id):
    _move(client, org, task_id, org["ward"])

    changes, _ = _pull(client, org["ward_head"][1])

    assert [(change["op"], change["data"]["id"]) for change in changes] == [("upsert", task_id)]
    assert changes[0]["data"]["department_name"]["zh-CN"] == org["ward"].name_zh


def test_a_department_that_never_held_a_moved_task_is_not_told_of_it(
    client, session, hospital, org, task_id
):
    pharmacy = f.department(session, hospital, code="pharmacy")
    head = f.user(session, hospital, roles=("department_head",), department=pharmacy)
    headers = f.auth_headers(session, head)
    session.commit()
    _move(client, org, task_id, org["ward"])

    assert _pull(client, headers)[0] == []


def test_a_supervisor_keeps_pulling_a_moved_task(client, org, task_id):
    _, cursor = _pull(client, org["supervisor"][1])
    _move(client, org, task_id, org["ward"])

    changes, _ = _pull(client, org["supervisor"][1], cursor)

    assert [(change["op"], change["data"]["department_id"]) for change in changes] == [
        ("upsert", org["ward"].id)
    ]
