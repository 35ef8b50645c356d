"""The policy table and the questions asked of it (docs/security.md, "Authorization").

Users here are plain model objects, never stored: the policy reads roles, hospitals and ids only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.errors import Forbidden
from server.models import ROLES, Hospital, Inspection, User, UserRole
from server.services import permissions as p

SERVER = Path(__file__).resolve().parents[2] / "server"
A, B = Hospital(id=1), Hospital(id=2)


def _user(*roles: str, hospitals=(A,), user_id: int = 10, department_id: int | None = None):
    return User(
        id=user_id,
        role_rows=[UserRole(role=role) for role in roles],
        hospitals=list(hospitals),
        department_id=department_id,
    )


def test_the_table_names_only_known_roles():
    assert set().union(*p.POLICY.values()) <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_an_admin_holds_every_power_of_every_role(role):
    admin = _user("admin")
    assert all(p.allowed(admin, action) for action, roles in p.POLICY.items() if role in roles)


def test_an_admin_may_grant_every_role_today():
    assert p.grantable_roles(_user("admin")) == set(ROLES)


@pytest.mark.parametrize("role", ["supervisor", "inspector", "department_head", "leader"])
def test_only_admins_grant_roles(role):
    assert p.grantable_roles(_user(role)) == set()


def test_a_role_bringing_a_power_the_admin_lacks_is_not_grantable(monkeypatch):
    monkeypatch.setitem(p.POLICY, "tasks.manage", frozenset({"supervisor"}))
    assert p.grantable_roles(_user("admin")) == set(ROLES) - {"supervisor"}


def test_an_admin_of_one_hospital_may_not_manage_a_user_of_two():
    assert not p.may_manage_user(_user("admin"), [A.id, B.id], ["supervisor"])


def test_an_admin_of_both_hospitals_may_manage_a_user_of_both():
    assert p.may_manage_user(_user("admin", hospitals=(A, B)), [A.id, B.id], ["supervisor"])


def test_a_supervisor_may_not_manage_users():
    assert not p.may_manage_user(_user("supervisor"), [A.id], ["inspector"])


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", True), ("supervisor", True), ("inspector", True), ("department_head", False)],
)
def test_who_may_record(role, expected):
    assert p.may_record(_user(role)) is expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", True), ("supervisor", True), ("inspector", False), ("department_head", False)],
)
def test_who_may_add_to_someone_elses_inspection(role, expected):
    assert p.may_add_to_inspection(_user(role, user_id=10), inspector_id=11) is expected


def test_an_inspector_may_add_to_their_own_inspection():
    assert p.may_add_to_inspection(_user("inspector", user_id=10), inspector_id=10)


@pytest.mark.parametrize(
    ("role", "own", "others"),
    [
        ("admin", True, True),
        ("supervisor", True, True),
        ("department_head", True, True),
        ("inspector", True, False),
    ],
)
def test_who_sees_which_inspection(role, own, others):
    user = _user(role, user_id=10)
    assert p.may_see_inspection(user, Inspection(hospital_id=A.id, inspector_id=10)) is own
    assert p.may_see_inspection(user, Inspection(hospital_id=A.id, inspector_id=11)) is others


def test_nobody_sees_an_inspection_of_another_hospital():
    inspection = Inspection(hospital_id=B.id, inspector_id=10)
    assert not p.may_see_inspection(_user("admin", user_id=10), inspection)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", True), ("supervisor", True), ("inspector", True), ("department_head", False)],
)
def test_who_sees_every_task_of_their_hospitals(role, expected):
    assert p.sees_all_tasks_of_hospital(_user(role)) is expected


@pytest.mark.parametrize(
    ("role", "department_id", "expected"),
    [
        ("supervisor", 7, True),
        ("department_head", 5, True),
        ("department_head", 7, False),
        ("inspector", 5, False),
    ],
)
def test_who_submits_evidence_for_a_department(role, department_id, expected):
    user = _user(role, department_id=5)
    assert p.may_submit_evidence_for(user, department_id) is expected


@pytest.mark.parametrize(
    ("role", "department_id", "assignee_id", "expected"),
    [
        ("inspector", 5, 10, True),  # named on their own department's task
        ("inspector", 5, 11, False),  # someone else is named
        ("inspector", 7, 10, False),  # named, but the task is another department's
        ("leader", 5, 10, False),  # a reader changes nothing, even if named
    ],
)
def test_the_person_named_on_a_task_submits_its_evidence(
    role, department_id, assignee_id, expected
):
    user = _user(role, department_id=5, user_id=10)
    assert p.may_submit_evidence_for(user, department_id, assignee_id) is expected


def test_a_department_head_without_a_department_submits_for_none():
    assert not p.may_submit_evidence_for(_user("department_head"), None)


@pytest.mark.parametrize(
    ("role", "department_id", "expected"),
    [
        ("supervisor", 7, True),
        ("admin", None, True),
        ("department_head", 5, True),
        ("department_head", 7, False),
        ("department_head", None, False),
        ("inspector", 5, False),
        ("leader", 5, False),
    ],
)
def test_who_names_the_person_of_a_departments_task(role, department_id, expected):
    assert p.may_assign_in(_user(role, department_id=5), department_id) is expected


@pytest.mark.parametrize(
    ("role", "asked", "listed"), [("supervisor", None, None), ("leader", 7, 7)]
)
def test_readers_of_every_account_list_the_department_they_ask_for(role, asked, listed):
    assert p.listed_department(_user(role, department_id=5), asked) == listed


@pytest.mark.parametrize("asked", [None, 5])
def test_a_department_head_lists_their_own_department(asked):
    assert p.listed_department(_user("department_head", department_id=5), asked) == 5


@pytest.mark.parametrize(
    ("role", "department_id", "asked"),
    [("department_head", 5, 7), ("department_head", None, None), ("inspector", 5, 5)],
)
def test_nobody_else_lists_accounts(role, department_id, asked):
    with pytest.raises(Forbidden):
        p.listed_department(_user(role, department_id=department_id), asked)


READS = {
    "checklists.read",
    "reference.read",
    "places.read_all",
    "users.read",
    "inspections.read_all",
    "records.read_all",
    "tasks.read",
    "tasks.read_all",
    "reports.read",
}


def test_a_leader_reads_everything_in_scope():
    assert {action for action in p.POLICY if p.allowed(_user("leader"), action)} == READS


def test_a_leader_changes_nothing():
    leader = _user("leader", department_id=5)
    assert not p.may_record(leader)
    assert not p.may_assign_in(leader, 5)
    assert not p.may_submit_evidence_for(leader, 5)
    assert not p.manages_users(leader.roles)


def test_a_recorder_keeps_logs_at_their_own_departments_places_only():
    nurse = _user("recorder", department_id=5)
    assert p.may_push(nurse) and not p.may_record(nurse)
    assert p.may_keep_records_at(nurse, 5)
    assert not p.may_keep_records_at(nurse, 6)
    assert not p.may_keep_records_at(_user("recorder"), None)


def test_an_inspector_keeps_logs_anywhere_in_their_hospitals():
    assert p.may_keep_records_at(_user("inspector", department_id=5), 6)


def test_a_recorder_sees_only_their_places_and_logs_and_no_tasks():
    nurse = _user("recorder", department_id=5)
    assert not p.sees_all_places(nurse) and not p.sees_all_records(nurse)
    assert not p.allowed(nurse, "tasks.read")


# The lead's rewrite moves the last two onto may_add_to_inspection / sees_all_tasks_of_hospital.
_NOT_YET_MOVED: set[str] = set()


def test_no_role_is_tested_outside_the_policy():
    roles = "|".join(ROLES)
    testing = re.compile(rf"\.has_role\(|[\"'](?:{roles})[\"']\s+(?:not\s+)?in\b")
    offenders = [
        path.relative_to(SERVER).as_posix()
        for path in SERVER.rglob("*.py")
        if testing.search(path.read_text(encoding="utf-8"))
    ]
    allowed = {"services/permissions.py", "models/user.py", *_NOT_YET_MOVED}
    assert set(offenders) <= allowed


def test_the_documented_table_is_the_policy():
    """docs/security.md shows POLICY as actions × roles; it must say what the code does."""
    lines = (SERVER.parent / "docs" / "security.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith("| action |")))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split("|")])
    (_, *columns), _rule, *rows = table
    documented = {
        action.strip("`"): {role for role, mark in zip(columns, marks, strict=True) if mark}
        for action, *marks in rows
    }
    assert documented == {action: set(roles) for action, roles in p.POLICY.items()}
