"""Who hears what: every event someone must act on reaches them (and nobody else), once.

Contract: "Rectification tasks: notifications". New tasks reach the responsible department's
heads at once, one notice per inspection and department; an assignment the assignee; evidence
those who may verify it (not its sender); a failed verification the department; the ladder
supervisors, then leadership. Notices carry the task id and take the caller's clock.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from server.models import (
    ROLES,
    Department,
    GroupNotification,
    Notification,
    RectificationTask,
    UserRole,
)
from server.services import notifications, tasks
from server.services import task_workflow as workflow
from tests import factories as f

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
PUSH = "/api/v1/sync/push"


@pytest.fixture
def people(session, hospital, general_affairs):
    """Supervisor, inspector, the general affairs head and a head of another department."""
    other = f.department(session, hospital, code="nursing")
    users = {
        "supervisor": f.user(session, hospital, roles=("supervisor",)),
        "inspector": f.user(session, hospital, roles=("inspector",)),
        "head": f.user(session, hospital, roles=("department_head",)),
        "other_head": f.user(session, hospital, roles=("department_head",)),
        "nurse": f.user(session, hospital, roles=("department_head",)),
    }
    users["head"].department_id = general_affairs.id
    users["other_head"].department_id = other.id
    users["nurse"].department_id = general_affairs.id
    session.commit()
    return users


def _inbox(session, user) -> list[Notification]:
    session.commit()
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _codes(session, user) -> list[str]:
    return [notice.code for notice in _inbox(session, user)]


def _problem(place, item_id: str, department: str = "general_affairs") -> tasks.Problem:
    return tasks.Problem(
        hospital_id=place.hospital_id,
        location=place,
        checklist_id="walk",
        item_id=item_id,
        text_zh=f"问题 {item_id}",
        text_en=f"Problem {item_id}",
        department_code=department,
        severity="major",
        points=2,
        rectification_days=None,
        found_at=NOW,
    )


def _open(session, actor, failures) -> list:
    """Open tasks as a push does: through one ledger, then tell the departments."""
    ledger = tasks.TaskLedger(session, actor, NOW)
    for problem, finding in failures:
        ledger.report_failure(
            problem, "Asia/Shanghai", finding_id=finding.id, inspection_id=finding.inspection_id
        )
    ledger.write()
    notifications.notify_ledger(session, ledger, actor, NOW)
    session.commit()
    return [session.get(RectificationTask, task.id) for task, _ in ledger.opened]


def _failing(session, place, inspector, *items):
    inspection = f.inspection(session, place, inspector)
    return inspection, [
        f.finding(session, inspection, item_id=item, result="fail", verdict="fail")
        for item in items
    ]


# --- new tasks ------------------------------------------------------------------------------


def test_a_pushed_failure_reaches_the_departments_heads_at_once(
    client, session, people, inspector, place
):
    _, headers = inspector
    visit = f.inspection_payload(place.id)
    failed = [
        f.finding_payload(visit["id"], "queue.minutes", result="fail", value=40),
        f.finding_payload(visit["id"], "bed.cards", result="fail"),
    ]
    client.post(PUSH, json=f.push_body([visit], failed), headers=headers)

    [notice] = _inbox(session, people["head"])
    assert notice.code == "task.created"
    assert notice.params["count"] == 2
    assert notice.params["inspection_id"] == visit["id"]
    assert notice.task_id == notice.params["tasks"][0]["id"]
    assert [task["title"]["en"] for task in notice.params["tasks"]] == [
        f"{place.name_en}: Queue minutes",
        f"{place.name_en}: No diagnosis on bed cards",
    ]
    assert _codes(session, people["nurse"]) == ["task.created"]  # every head of it
    assert _inbox(session, people["other_head"]) == []
    assert _inbox(session, people["supervisor"]) == []


def test_a_problem_failed_on_two_visits_of_one_push_names_the_first(
    client, session, people, inspector, place
):
    _, headers = inspector
    first, second = f.inspection_payload(place.id), f.inspection_payload(place.id)
    failed = [
        f.finding_payload(visit["id"], "bed.cards", result="fail") for visit in (first, second)
    ]
    client.post(PUSH, json=f.push_body([first, second], failed), headers=headers)

    [notice] = _inbox(session, people["head"])
    assert notice.params["inspection_id"] == first["id"]  # the visit that found it
    assert notice.params["count"] == 1


def test_a_replayed_push_tells_nobody_again(client, session, people, inspector, place):
    _, headers = inspector
    visit = f.inspection_payload(place.id)
    body = f.push_body([visit], [f.finding_payload(visit["id"], "bed.cards", result="fail")])
    client.post(PUSH, json=body, headers=headers)
    client.post(PUSH, json=body, headers=headers)

    assert _codes(session, people["head"]) == ["task.created"]


def test_a_repeat_of_an_open_problem_is_not_a_new_task(client, session, people, inspector, place):
    _, headers = inspector
    for _ in range(2):
        visit = f.inspection_payload(place.id)
        failed = f.finding_payload(visit["id"], "bed.cards", result="fail")
        client.post(PUSH, json=f.push_body([visit], [failed]), headers=headers)

    assert _codes(session, people["head"]) == ["task.created"]


def test_a_passing_recheck_on_a_later_visit_waits_for_a_verifier(
    client, session, people, inspector, place
):
    user, headers = inspector
    for result, minute in (("fail", 10), ("pass", 20)):
        visit = f.inspection_payload(place.id)
        answer = f.finding_payload(
            visit["id"], "bed.cards", result=result, recorded_at=f"2026-11-23T09:{minute}:00+08:00"
        )
        client.post(PUSH, json=f.push_body([visit], [answer]), headers=headers)

    for verifier in ("supervisor", "inspector"):  # not the one who re-checked it
        [notice] = _inbox(session, people[verifier])
        assert (notice.code, notice.params["count"]) == ("task.rechecked", 1)
        assert notice.params["inspection_id"] == visit["id"]  # the visit that re-checked it
    assert _inbox(session, user) == []


def test_a_visit_rechecking_several_problems_tells_each_verifier_once(
    client, session, hospital, people, inspector, place
):
    hospital.settings = {
        "webhooks": [{"name": "office", "vendor": "wecom", "url": "http://x/", "department": None}]
    }
    session.commit()
    _, headers = inspector
    items = ("bed.cards", "floor.clean", "sign.present")
    for result, minute in (("fail", 10), ("pass", 20)):
        visit = f.inspection_payload(place.id)
        answers = [
            f.finding_payload(
                visit["id"],
                item,
                result=result,
                recorded_at=f"2026-11-23T09:{minute}:00+08:00",
                photos=[] if item == "bed.cards" else [f.photo_ref(uuid.uuid4().bytes)],
            )
            for item in items
        ]
        client.post(PUSH, json=f.push_body([visit], answers), headers=headers)

    [notice] = _inbox(session, people["supervisor"])
    assert (notice.code, notice.params["count"], len(notice.params["tasks"])) == (
        "task.rechecked",
        3,
        3,
    )
    assert [code for _, code in _chats(session)] == ["task.created", "task.rechecked"]


def test_one_notice_per_inspection_and_department(session, hospital, people, place):
    inspector = people["inspector"]
    first, findings = _failing(session, place, inspector, "a", "b", "c")
    second, more = _failing(session, place, inspector, "d")
    _open(
        session,
        inspector,
        [
            (_problem(place, "a"), findings[0]),
            (_problem(place, "b", "nursing"), findings[1]),
            (_problem(place, "c"), findings[2]),
            (_problem(place, "d"), more[0]),
        ],
    )

    ours = _inbox(session, people["head"])
    assert [(n.params["inspection_id"], n.params["count"]) for n in ours] == [
        (str(first.id), 2),
        (str(second.id), 1),
    ]
    [theirs] = _inbox(session, people["other_head"])
    assert (theirs.params["inspection_id"], theirs.params["count"]) == (str(first.id), 1)


def test_the_inspector_who_is_also_a_head_is_not_told_of_their_own_finding(
    session, hospital, people, place
):
    head = people["head"]
    head.role_rows.append(UserRole(role="inspector"))
    session.commit()
    _, findings = _failing(session, place, head, "a")

    _open(session, head, [(_problem(place, "a"), findings[0])])

    assert _inbox(session, head) == []
    assert _codes(session, people["nurse"]) == ["task.created"]


def test_a_task_withdrawn_in_the_same_push_is_not_announced(session, people, place):
    inspector = people["inspector"]
    _, [finding] = _failing(session, place, inspector, "a")
    ledger = tasks.TaskLedger(session, inspector, NOW)
    ledger.report_failure(_problem(place, "a"), "Asia/Shanghai", finding_id=finding.id)
    ledger.correct_finding(finding.id, uuid.uuid4(), None, "Asia/Shanghai")
    ledger.write()

    notifications.notify_ledger(session, ledger, inspector, NOW)

    assert _inbox(session, people["head"]) == []


def test_notices_take_the_callers_clock(session, people, place):
    _, [finding] = _failing(session, place, people["inspector"], "a")
    _open(session, people["inspector"], [(_problem(place, "a"), finding)])

    [notice] = _inbox(session, people["head"])
    assert notice.created_at == NOW


# --- the workflow ---------------------------------------------------------------------------


@pytest.fixture
def task(session, people, place):
    _, [finding] = _failing(session, place, people["inspector"], "a")
    [row] = _open(session, people["inspector"], [(_problem(place, "a"), finding)])
    return row


def test_an_assignment_reaches_the_assignee_only(session, people, task):
    workflow.update_task(session, people["supervisor"], task, {"assignee_id": people["nurse"].id})

    assert _codes(session, people["nurse"]) == ["task.created", "task.assigned"]
    assert _inbox(session, people["supervisor"]) == []
    [assigned] = _inbox(session, people["nurse"])[1:]
    assert (assigned.task_id, assigned.params["title"]["zh-CN"]) == (task.id, task.title_zh)


def test_assigning_someone_again_later_tells_them_again(session, people, task):
    nurse, supervisor = people["nurse"], people["supervisor"]
    workflow.update_task(session, supervisor, task, {"assignee_id": nurse.id})
    workflow.update_task(session, supervisor, task, {"assignee_id": None})
    workflow.update_task(session, supervisor, task, {"assignee_id": nurse.id})

    assert _codes(session, nurse).count("task.assigned") == 2


def test_evidence_reaches_those_who_may_verify_it_but_not_its_sender(
    session, hospital, people, task
):
    admin = f.user(session, hospital, roles=("admin",))
    other_supervisor = f.user(session, hospital, roles=("supervisor",))
    workflow.submit_evidence(session, people["supervisor"], task, uuid.uuid4(), "Fixed", [])

    for verifier in (people["inspector"], other_supervisor, admin):
        assert _codes(session, verifier)[-1] == "task.evidence_submitted"
    assert _inbox(session, people["supervisor"]) == []
    assert "task.evidence_submitted" not in _codes(session, people["head"])


def test_a_failed_verification_reaches_the_department_and_the_assignee(session, people, task):
    workflow.update_task(session, people["supervisor"], task, {"assignee_id": people["nurse"].id})
    workflow.submit_evidence(session, people["head"], task, uuid.uuid4(), "Fixed", [])
    workflow.verify(session, people["inspector"], task, uuid.uuid4(), "fail", "还有杂物", [])

    for person in ("head", "nurse"):
        notice = _inbox(session, people[person])[-1]
        assert (notice.code, notice.params["note"]) == ("task.verification_failed", "还有杂物")
    assert "task.verification_failed" not in _codes(session, people["inspector"])


def test_a_passed_verification_tells_nobody(session, people, task):
    workflow.submit_evidence(session, people["head"], task, uuid.uuid4(), "Fixed", [])
    before = len(_inbox(session, people["head"]))
    workflow.verify(session, people["inspector"], task, uuid.uuid4(), "pass", "", [])

    assert len(_inbox(session, people["head"])) == before


def test_a_move_reaches_the_heads_of_both_departments(session, people, task):
    old = session.get(Department, task.department_id)
    new = session.get(Department, people["other_head"].department_id)
    task.department_id = new.id

    notifications.notify_task_event(
        session, task, "moved", people["supervisor"], NOW, from_department_id=old.id
    )

    for person in ("head", "nurse", "other_head"):
        notice = _inbox(session, people[person])[-1]
        assert notice.code == "task.moved"
        assert notice.params["from_department"] == {"zh-CN": old.name_zh, "en": old.name_en}
        assert notice.params["to_department"] == {"zh-CN": new.name_zh, "en": new.name_en}


def test_someone_deactivated_since_hears_nothing(session, people, task):
    workflow.update_task(session, people["supervisor"], task, {"assignee_id": people["nurse"].id})
    people["nurse"].active = False
    session.commit()

    notifications.notify_task_event(session, task, "overdue", None, NOW)

    assert _codes(session, people["head"])[-1] == "task.overdue"
    assert "task.overdue" not in _codes(session, people["nurse"])


# --- group chats ----------------------------------------------------------------------------


def _chats(session) -> list[tuple]:
    session.commit()
    rows = session.scalars(select(GroupNotification).order_by(GroupNotification.id))
    return [(row.department_id, row.code) for row in rows]


def test_a_chat_hears_what_its_audience_acts_on(session, hospital, people, place, general_affairs):
    hospital.settings = {
        "webhooks": [
            {"name": "office", "vendor": "wecom", "url": "http://x/", "department": None},
            {
                "name": "ga",
                "vendor": "wecom",
                "url": "http://y/",
                "department": "general_affairs",
            },
        ]
    }
    _, [finding] = _failing(session, place, people["inspector"], "a")
    [task] = _open(session, people["inspector"], [(_problem(place, "a"), finding)])
    workflow.submit_evidence(session, people["head"], task, uuid.uuid4(), "Fixed", [])

    assert _chats(session) == [
        (general_affairs.id, "task.created"),
        (None, "task.created"),
        (None, "task.evidence_submitted"),  # the department's chat need not verify
    ]


def test_a_chat_hears_only_its_events_when_it_names_them(session, hospital, people, place):
    hospital.settings = {
        "webhooks": [
            {
                "name": "office",
                "vendor": "wecom",
                "url": "http://x/",
                "department": None,
                "events": ["task.escalated"],
            }
        ]
    }
    _, [finding] = _failing(session, place, people["inspector"], "a")
    _open(session, people["inspector"], [(_problem(place, "a"), finding)])

    assert _chats(session) == []


def test_without_robots_no_group_notice_is_kept(session, people, task):
    workflow.submit_evidence(session, people["head"], task, uuid.uuid4(), "Fixed", [])

    assert _chats(session) == []


# --- leadership -----------------------------------------------------------------------------


@pytest.mark.skipif("leader" not in ROLES, reason="the leader role comes with the route work")
def test_leadership_hears_the_second_rung(session, hospital, people, task):
    leader = f.user(session, hospital, roles=("leader",))
    session.commit()

    notifications.notify_task_event(session, task, "escalated_to_leadership", None, NOW, days=7)

    assert _codes(session, leader) == ["task.escalated_to_leadership"]
