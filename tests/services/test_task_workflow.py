"""The rectification workflow's rules, called as services: who may act, and from which status.

Contract: "Rectification tasks". Supervisors (and admins) PATCH; the department head of the
task's department or a supervisor submits evidence; a supervisor or inspector verifies. Evidence
is accepted while the task is open, assigned or submitted (more evidence keeps it submitted);
only submitted work is verified; closed and cancelled tasks are finished.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.errors import Conflict, Forbidden
from server.models import ROLES, RectificationTask, TaskEvent
from server.services import task_workflow as workflow
from server.services import tasks
from server.services.checklists import load_checklists
from server.services.locks import lock_places
from server.timeutil import isoformat, utcnow
from tests import factories as f


@pytest.fixture
def people(session, hospital, general_affairs):
    """One user per role the workflow involves; the department head runs the task's department."""
    users = {
        "supervisor": f.user(session, hospital, roles=("supervisor",)),
        "inspector": f.user(session, hospital, roles=("inspector",)),
        "head": f.user(session, hospital, roles=("department_head",)),
    }
    users["head"].department_id = general_affairs.id
    session.commit()
    return users


@pytest.fixture
def task(session, hospital, place, people):
    """A new open task of ``general_affairs`` at ``place``, reported by the inspector."""
    problem = tasks.Problem(
        hospital_id=hospital.id,
        location=place,
        checklist_id="walk",
        item_id="queue.minutes",
        text_zh="排队时间",
        text_en="Queue minutes",
        department_code="general_affairs",
        severity="minor",
        points=1,
        rectification_days=None,
        found_at=utcnow(),
    )
    lock_places(session, [(hospital.id, place.id)])  # as every writer of the ledger does
    ledger = tasks.TaskLedger(session, people["inspector"], utcnow())
    opened = ledger.report_failure(problem, hospital.timezone)
    ledger.write()
    session.commit()
    return session.get(RectificationTask, opened.id)


def _evidence(session, user, task, note="Fixed"):
    return workflow.submit_evidence(session, user, task, uuid.uuid4(), note, [])


def _verify(session, user, task, result="pass"):
    return workflow.verify(session, user, task, uuid.uuid4(), result, "", [])


def _drive(session, people, task, status: str):
    """Take ``task`` to ``status`` through the workflow itself."""
    if status in ("assigned", "closed"):
        workflow.update_task(
            session, people["supervisor"], task, {"assignee_id": people["head"].id}
        )
    if status in ("submitted", "closed"):
        _evidence(session, people["head"], task)
    if status == "closed":
        _verify(session, people["inspector"], task, "pass")
    if status == "cancelled":
        workflow.update_task(
            session, people["supervisor"], task, {"status": "cancelled", "reason": "Duplicate"}
        )
    session.commit()
    assert task.status == status


def _event_count(session, task) -> int:
    return len(session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)).all())


# --- who may do what ------------------------------------------------------------------------

ALLOWED = {
    "update_task": {"admin", "supervisor"},
    "assign": {"admin", "supervisor", "department_head"},  # within the task's department
    "submit_evidence": {"admin", "supervisor", "department_head"},
    "verify": {"admin", "supervisor", "inspector"},
}


def _act(session, action: str, user, task):
    """Perform ``action`` as ``user``; return the status the task should have afterwards."""
    if action == "update_task":
        changes = {"due_at": utcnow() + timedelta(days=10), "reason": "Waiting for parts"}
        workflow.update_task(session, user, task, changes)
        return "open"
    if action == "assign":
        workflow.update_task(session, user, task, {"assignee_id": user.id})
        return "assigned"
    if action == "submit_evidence":
        _evidence(session, user, task)
        return "submitted"
    _verify(session, user, task, "pass")
    return "closed"


ALLOWED_PAIRS = [
    (action, role) for action in sorted(ALLOWED) for role in ROLES if role in ALLOWED[action]
]
FORBIDDEN_PAIRS = [
    (action, role) for action in sorted(ALLOWED) for role in ROLES if role not in ALLOWED[action]
]


def _prepare(session, people, task, action: str) -> None:
    if action == "verify":  # verification needs evidence, from someone else
        _drive(session, people, task, "submitted")


@pytest.mark.parametrize(("action", "role"), ALLOWED_PAIRS)
def test_a_role_performs_the_actions_the_policy_gives_it(
    session, hospital, general_affairs, people, task, action, role
):
    _prepare(session, people, task, action)
    actor = f.user(session, hospital, roles=(role,), department_id=general_affairs.id)
    events_before = _event_count(session, task)

    expected = _act(session, action, actor, task)

    assert task.status == expected
    assert _event_count(session, task) == events_before + 1


@pytest.mark.parametrize(("action", "role"), FORBIDDEN_PAIRS)
def test_a_role_is_refused_the_actions_the_policy_withholds(
    session, hospital, general_affairs, people, task, action, role
):
    _prepare(session, people, task, action)
    actor = f.user(session, hospital, roles=(role,), department_id=general_affairs.id)
    status_before, events_before = task.status, _event_count(session, task)

    with pytest.raises(Forbidden) as refused:
        _act(session, action, actor, task)

    assert refused.value.code == "auth.forbidden"
    assert task.status == status_before
    assert _event_count(session, task) == events_before


def test_a_supervisor_of_another_hospital_may_not_manage_the_task(session, task):
    stranger = f.user(session, f.hospital(session), roles=("supervisor",))

    with pytest.raises(Forbidden) as refused:
        workflow.update_task(session, stranger, task, {"assignee_id": None})

    assert refused.value.code == "auth.out_of_scope"


def test_a_department_head_of_another_department_may_not_submit_evidence(session, hospital, task):
    kitchen = f.department(session, hospital)
    other_head = f.user(session, hospital, roles=("department_head",), department_id=kitchen.id)

    with pytest.raises(Forbidden) as refused:
        _evidence(session, other_head, task)

    assert refused.value.code == "task.not_your_department"
    assert task.status == "open"


def test_nobody_verifies_evidence_they_submitted(session, people, task):
    _evidence(session, people["supervisor"], task)

    with pytest.raises(Forbidden) as refused:
        _verify(session, people["supervisor"], task)

    assert refused.value.code == "task.self_verification"
    assert task.status == "submitted"


def test_a_department_head_sees_only_their_departments_tasks(session, hospital, people, task):
    kitchen = f.department(session, hospital)
    other_head = f.user(session, hospital, roles=("department_head",), department_id=kitchen.id)

    assert workflow.list_tasks(session, people["head"]) == ([task], 1)
    assert workflow.list_tasks(session, other_head) == ([], 0)


# --- from which status ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["open", "assigned", "submitted"])
def test_a_task_still_open_can_be_rescheduled(session, people, task, status):
    _drive(session, people, task, status)
    due = utcnow() + timedelta(days=10)

    workflow.update_task(session, people["supervisor"], task, {"due_at": due, "reason": "Parts"})

    assert (task.status, task.due_at) == (status, due)


FINISHED = ["closed", "cancelled"]
CHANGES = {
    "assign": {"assignee_id": None},
    "reschedule": {"due_at": utcnow() + timedelta(days=30), "reason": "Parts"},
    "cancel": {"status": "cancelled", "reason": "Duplicate"},
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("status", FINISHED)
def test_a_finished_task_cannot_be_changed(session, people, task, status, change):
    _drive(session, people, task, status)
    events_before = _event_count(session, task)

    with pytest.raises(Conflict) as refused:
        workflow.update_task(session, people["supervisor"], task, dict(CHANGES[change]))

    assert refused.value.code == "task.not_open"
    assert task.status == status
    assert _event_count(session, task) == events_before


@pytest.mark.parametrize("status", ["open", "assigned", "submitted"])
def test_a_task_still_open_can_be_cancelled(session, people, task, status):
    _drive(session, people, task, status)

    workflow.update_task(
        session, people["supervisor"], task, {"status": "cancelled", "reason": "Not a problem"}
    )

    assert task.status == "cancelled"
    assert task.closed_at is not None


def test_assigning_a_submitted_task_keeps_it_waiting_for_verification(session, people, task):
    _drive(session, people, task, "submitted")

    workflow.update_task(session, people["supervisor"], task, {"assignee_id": people["head"].id})

    assert (task.status, task.assignee_id) == ("submitted", people["head"].id)


@pytest.mark.parametrize("status", ["open", "assigned", "submitted"])
def test_evidence_is_accepted_while_the_task_is_open(session, people, task, status):
    _drive(session, people, task, status)

    _evidence(session, people["head"], task, note="Fixed (again)")

    assert task.status == "submitted"
    last = session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id.desc())
    ).first()
    assert (last.action, last.before, last.after) == (
        "evidence_submitted",
        {"status": status},
        {"status": "submitted"},
    )


@pytest.mark.parametrize("status", FINISHED)
def test_evidence_on_a_finished_task_is_refused(session, people, task, status):
    _drive(session, people, task, status)

    with pytest.raises(Conflict) as refused:
        _evidence(session, people["head"], task)

    assert refused.value.code == "task.not_open"
    assert task.status == status


@pytest.mark.parametrize("status", ["open", "assigned", "closed", "cancelled"])
def test_only_submitted_work_can_be_verified(session, people, task, status):
    _drive(session, people, task, status)
    events_before = _event_count(session, task)

    with pytest.raises(Conflict) as refused:
        _verify(session, people["inspector"], task, "pass")

    assert refused.value.code == "task.not_submitted"
    assert task.status == status
    assert _event_count(session, task) == events_before


@pytest.mark.parametrize(
    ("assigned", "result", "expected"),
    [
        (False, "pass", "closed"),
        (True, "pass", "closed"),
        (False, "fail", "open"),
        (True, "fail", "assigned"),
    ],
)
def test_a_verification_closes_the_task_or_returns_it(
    session, people, task, assigned, result, expected
):
    _drive(session, people, task, "assigned" if assigned else "open")
    _evidence(session, people["head"], task)

    _verify(session, people["inspector"], task, result)

    assert task.status == expected
    assert (task.closed_at is not None) == (expected == "closed")


def test_replayed_evidence_changes_nothing(session, people, task):
    submission = uuid.uuid4()
    workflow.submit_evidence(session, people["head"], task, submission, "Fixed", [])
    session.commit()
    version, events_before = task.version, _event_count(session, task)

    workflow.submit_evidence(session, people["head"], task, submission, "Fixed", [])
    session.commit()

    assert (task.version, _event_count(session, task)) == (version, events_before)


def test_a_replayed_verification_is_accepted_after_the_task_closed(session, people, task):
    _drive(session, people, task, "submitted")
    submission = uuid.uuid4()
    workflow.verify(session, people["inspector"], task, submission, "pass", "OK", [])
    session.commit()

    workflow.verify(session, people["inspector"], task, submission, "pass", "OK", [])

    assert task.status == "closed"


def test_a_submission_id_reused_for_other_content_is_a_conflict(session, people, task):
    submission = uuid.uuid4()
    workflow.submit_evidence(session, people["head"], task, submission, "Fixed", [])
    session.commit()

    with pytest.raises(Conflict) as refused:
        workflow.submit_evidence(session, people["head"], task, submission, "Other", [])

    assert refused.value.code == "task.submission_conflict"


# --- a failed verification gives a new deadline ------------------------------------------------

FAILED_AT = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on Tuesday 24 November, Shanghai


def _end_of_shanghai_day(day: int) -> datetime:
    return datetime(2026, 11, day, 15, 59, 59, 999999, tzinfo=UTC)


def test_a_failed_verification_counts_a_new_deadline_by_severity(
    session, people, task, monkeypatch
):
    _drive(session, people, task, "submitted")
    monkeypatch.setattr(workflow, "utcnow", lambda: FAILED_AT)

    _verify(session, people["inspector"], task, "fail")

    # minor: the end of the 7th local day, the day of the failure (24 November) being the 1st
    assert task.due_at == _end_of_shanghai_day(30)


def test_a_new_deadline_may_be_marked_overdue_and_escalated_again(
    session, people, task, monkeypatch
):
    _drive(session, people, task, "submitted")
    task.overdue_marked_at = task.escalated_at = FAILED_AT - timedelta(days=1)
    monkeypatch.setattr(workflow, "utcnow", lambda: FAILED_AT)

    _verify(session, people["inspector"], task, "fail")

    assert (task.overdue_marked_at, task.escalated_at) == (None, None)


def test_a_passing_verification_leaves_the_deadline(session, people, task):
    _drive(session, people, task, "submitted")
    due_at = task.due_at

    _verify(session, people["inspector"], task, "pass")

    assert task.due_at == due_at


@pytest.fixture
def days_checklist(session, write_checklist, checklist_dir):
    """A checklist whose item and record rule set their own rectification days."""
    text = {"zh-CN": "检查", "en": "Check"}
    write_checklist(
        {
            "id": "days",
            "kind": "other",
            "title": text,
            "source": "test",
            "sections": [
                {
                    "id": "sink",
                    "title": text,
                    "items": [
                        {
                            "id": "sink.soap",
                            "type": "pass_fail",
                            "text": text,
                            "severity": "minor",
                            "points": 1,
                            "photo": "optional",
                            "rectification_days": 0,
                            "source": "test",
                        }
                    ],
                }
            ],
            "record_types": [
                {
                    "id": "log",
                    "title": text,
                    "source": "test",
                    "fields": [{"id": "by", "type": "signature", "label": text}],
                    "rules": [
                        {
                            "id": "signed",
                            "check": "present",
                            "fields": ["by"],
                            "severity": "minor",
                            "points": 1,
                            "rectification_days": 2,
                            "text": text,
                            "source": "test",
                        }
                    ],
                }
            ],
        }
    )
    load_checklists(session, checklist_dir)
    session.commit()


@pytest.mark.parametrize(("item_id", "last_day"), [("sink.soap", 24), ("log.signed", 25)])
def test_a_new_deadline_keeps_the_items_own_rectification_days(
    session, hospital, people, days_checklist, monkeypatch, item_id, last_day
):
    task = f.task(session, hospital, checklist_id="days", item_id=item_id, severity="minor")
    task.status = "submitted"
    f.submission(session, task, people["head"])
    monkeypatch.setattr(workflow, "utcnow", lambda: FAILED_AT)

    _verify(session, people["inspector"], task, "fail")

    assert task.due_at == _end_of_shanghai_day(last_day)


def test_the_verification_records_the_deadline_it_replaced(session, people, task, monkeypatch):
    _drive(session, people, task, "submitted")
    old = task.due_at
    monkeypatch.setattr(workflow, "utcnow", lambda: FAILED_AT)

    _verify(session, people["inspector"], task, "fail")

    last = session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id.desc())
    ).first()
    assert last.before["due_at"] == isoformat(old)
    assert last.after == {
        "status": "open",
        "result": "fail",
        "due_at": isoformat(_end_of_shanghai_day(30)),
    }
