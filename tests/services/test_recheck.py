"""Re-check at the next visit: a passing answer to a problem's item at its location is evidence.

Contract: "Rectification tasks" and docs/domain §4.5 ("在下次督導時對整改情況進行復查"). Driven
through the sync service, the way a device's push reaches it: the pass moves the open task to
``submitted`` (or ``closed`` where the hospital auto-closes), a new failure sends it back.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.errors import Forbidden
from server.models import RectificationTask, TaskEvent, TaskSubmission
from server.services import sync
from server.services import task_workflow as workflow
from tests import factories as f

FAILED_AT = "2026-11-23T09:10:00+08:00"
NEXT_VISIT = "2026-11-30T09:10:00+08:00"


def _visit(session, user, location_id, value, *, at=NEXT_VISIT, item="queue.minutes"):
    """Push one inspection answering ``item`` with ``value``; return the push body."""
    inspection = f.inspection_payload(location_id, started_at=at, finished_at=at)
    finding = f.finding_payload(inspection["id"], item, "pass", value=value, recorded_at=at)
    body = f.push_body([inspection], [finding])
    _push(session, user, body)
    return body


def _push(session, user, body) -> dict:
    answer = sync.push(session, user, body)
    session.commit()
    assert {r["status"] for r in answer["results"]} <= {"created", "duplicate"}, answer
    return answer


def _actions(session, task) -> list[str]:
    return list(
        session.scalars(
            select(TaskEvent.action).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
        )
    )


def _rechecks(session, task) -> list[TaskSubmission]:
    return list(
        session.scalars(
            select(TaskSubmission).where(
                TaskSubmission.task_id == task.id, TaskSubmission.kind == "recheck"
            )
        )
    )


@pytest.fixture
def inspector_user(inspector):
    return inspector[0]


@pytest.fixture
def task(session, inspector_user, place) -> RectificationTask:
    """The open task a 40-minute queue at ``place`` opened."""
    _visit(session, inspector_user, place.id, 40, at=FAILED_AT)
    return session.scalars(select(RectificationTask)).one()


@pytest.fixture
def supervisor(session, hospital):
    user = f.user(session, hospital, roles=("supervisor",))
    session.commit()
    return user


def test_a_pass_at_the_next_visit_submits_the_open_task(session, inspector_user, place, task):
    _visit(session, inspector_user, place.id, 5)

    assert task.status == "submitted"
    assert task.closed_at is None
    event = session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id, TaskEvent.action == "rechecked")
    ).one()
    assert event.actor_id == inspector_user.id
    assert (event.before, event.after) == (
        {"status": "open"},
        {"status": "submitted", "result": "pass"},
    )


def test_the_re_check_is_stored_as_a_passing_submission_of_the_finding(
    session, inspector_user, place, task
):
    body = _visit(session, inspector_user, place.id, 5)

    [recheck] = _rechecks(session, task)
    assert recheck.result == "pass"
    assert recheck.finding_id == uuid.UUID(body["findings"][0]["id"])
    assert recheck.actor_id == inspector_user.id


def test_a_hospital_that_auto_closes_closes_the_task_on_a_passing_re_check(
    session, hospital, inspector_user, place, task
):
    hospital.settings = {"auto_close_on_recheck": True}
    session.commit()

    _visit(session, inspector_user, place.id, 5)

    assert task.status == "closed"
    assert task.closed_at is not None
    assert _actions(session, task)[-1] == "rechecked"


def test_a_pass_at_another_location_leaves_the_task_alone(session, hospital, inspector_user, task):
    elsewhere = f.location(session, hospital)
    session.commit()

    _visit(session, inspector_user, elsewhere.id, 5)

    assert task.status == "open"
    assert _rechecks(session, task) == []
    assert _actions(session, task) == ["created"]


def test_a_pass_of_another_item_at_the_same_location_leaves_the_task_alone(
    session, inspector_user, place, task
):
    _visit(session, inspector_user, place.id, 0, item="log.missing_days")

    assert task.status == "open"
    assert _rechecks(session, task) == []


def test_a_new_failure_sends_a_re_checked_task_back_to_work_as_another_occurrence(
    session, inspector_user, place, task
):
    _visit(session, inspector_user, place.id, 5)

    body = _visit(session, inspector_user, place.id, 35, at="2026-12-01T09:10:00+08:00")

    assert session.scalars(select(RectificationTask)).all() == [task]
    assert task.status == "open"
    assert task.occurrences == 2
    assert uuid.UUID(body["findings"][0]["id"]) in task.finding_ids
    assert _actions(session, task)[-1] == "occurrence_added"


def test_a_new_failure_returns_a_submitted_assigned_task_to_its_assignee(
    session, hospital, inspector_user, supervisor, place, task
):
    head = f.user(session, hospital, roles=("department_head",), department_id=task.department_id)
    workflow.update_task(session, supervisor, task, {"assignee_id": head.id})
    workflow.submit_evidence(session, head, task, uuid.uuid4(), "Fixed", [])
    session.commit()

    _visit(session, inspector_user, place.id, 35)

    assert (task.status, task.assignee_id, task.occurrences) == ("assigned", head.id, 2)


def test_a_replayed_passing_push_records_no_second_re_check(session, inspector_user, place, task):
    body = _visit(session, inspector_user, place.id, 5)
    version = task.version

    answer = _push(session, inspector_user, body)

    assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate"]
    assert len(_rechecks(session, task)) == 1
    assert _actions(session, task).count("rechecked") == 1
    assert task.version == version


def test_a_pass_with_no_open_task_records_nothing(session, inspector_user, place):
    _visit(session, inspector_user, place.id, 5)

    assert session.scalars(select(RectificationTask)).all() == []
    assert session.scalars(select(TaskSubmission)).all() == []


def test_the_inspector_whose_pass_re_checked_the_task_cannot_verify_it(
    session, inspector_user, place, task
):
    _visit(session, inspector_user, place.id, 5)

    with pytest.raises(Forbidden) as refused:
        workflow.verify(session, inspector_user, task, uuid.uuid4(), "pass", "", [])

    assert refused.value.code == "task.self_verification"


def test_another_inspector_verifies_a_re_checked_task(
    session, hospital, inspector_user, place, task
):
    _visit(session, inspector_user, place.id, 5)
    colleague = f.user(session, hospital, roles=("inspector",))

    workflow.verify(session, colleague, task, uuid.uuid4(), "pass", "", [])

    assert task.status == "closed"


def test_a_pass_recorded_before_the_failure_is_not_a_re_check(session, make_user, place, task):
    # A second device was offline: its pass from an earlier visit arrives after the failure.
    offline, _ = make_user("inspector")

    _visit(session, offline, place.id, 5, at="2026-11-22T09:10:00+08:00")

    assert task.status == "open"
    assert _rechecks(session, task) == []
