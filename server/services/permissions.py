"""Who may do what, and over which hospitals: the one place role decisions live.

``POLICY`` maps each action to the roles that may perform it. The functions below it answer the
questions that depend on a row as well as on a role (whose inspection, which department, which
hospitals a user spans) from that table; services and views ask them and never test a role
themselves. Scope is the set of hospitals a user belongs to: a row outside it answers 404, so its
existence does not leak (docs/security.md, "Authorization").
"""

from __future__ import annotations

from collections.abc import Iterable

from server.errors import Forbidden
from server.models import ROLES, Inspection, RecordEntry, User

ALL_ROLES = frozenset(ROLES)
SUPERVISING = frozenset({"admin", "supervisor"})
# Hospital leadership and the health commission read everything in scope and change nothing.
READING = frozenset({"leader"})
# Ward nurses, porters, sewage-station operators: they keep the logs of their department's places
# and see those places and their own logs, nothing else (no tasks, reports or others' rows).
RECORDING = frozenset({"recorder"})

# action → roles allowed to perform it (scope is checked separately, per hospital).
POLICY: dict[str, frozenset[str]] = {
    "checklists.read": ALL_ROLES,
    "reference.read": ALL_ROLES,
    # See every place of their hospitals; the rest (recorders): their own department's places.
    "places.read_all": ALL_ROLES - RECORDING,
    "users.read": SUPERVISING | READING,
    # List the active members of their own department (whom a task can be given to).
    "users.read_own_department": SUPERVISING | {"department_head"},
    "users.manage": frozenset({"admin"}),
    # Store a phone's exported outbox as its user (a phone that cannot sync).
    "outbox.import": frozenset({"admin"}),
    "inspections.record": SUPERVISING | {"inspector"},
    # Push record-form entries (logs) without an inspection; recorders at their own places only.
    "records.keep": SUPERVISING | {"inspector"} | RECORDING,
    "records.keep_any_place": SUPERVISING | {"inspector"},
    # Read every log of their hospitals (inspectors see them when they visit); the rest: their own.
    "records.read_all": SUPERVISING | {"inspector", "department_head"} | READING,
    # Add findings and records to an inspection someone else recorded; the rest: their own.
    "inspections.record_for_others": SUPERVISING,
    # Read every inspection of their hospitals; the rest: the ones they recorded.
    "inspections.read_all": SUPERVISING | {"department_head"} | READING,
    # Store a new photo (for a finding, evidence or a verification to name).
    "photos.upload": ALL_ROLES - READING,
    "tasks.read": ALL_ROLES - RECORDING,
    # Read every task of their hospitals; the rest (department heads): their department's.
    "tasks.read_all": SUPERVISING | {"inspector"} | READING,
    # Move to another department, reschedule, cancel: the supervisor owns the department choice.
    "tasks.manage": SUPERVISING,
    # Name the person (责任人) who fixes a task; department heads within their own department.
    "tasks.assign": SUPERVISING | {"department_head"},
    "tasks.assign_any_department": SUPERVISING,
    "tasks.submit_evidence": SUPERVISING | {"department_head"},
    # The person named on a task (责任人) reports their own fix, whatever their role: hospitals
    # expect whoever fixed it to say so. Only while named, and within their own department.
    "tasks.submit_evidence_as_assignee": ALL_ROLES - READING - RECORDING,
    # Submit evidence for any department; the rest: for their own department's tasks.
    "tasks.submit_evidence_any_department": SUPERVISING,
    "tasks.verify": SUPERVISING | {"inspector"},
    # Enter a problem from outside the walk (a city notice, a third-party or unannounced visit)
    # and copy it to like places (举一反三): the supervisor manages tasks, as admins do.
    "tasks.report_external": SUPERVISING,
    "reports.read": SUPERVISING | {"department_head"} | READING,
}


def allowed(user: User, action: str) -> bool:
    """Return whether ``user`` holds a role that may perform ``action``."""
    return bool(POLICY[action].intersection(user.roles))


def roles_allowed(action: str) -> frozenset[str]:
    """Return the roles that may perform ``action`` (to find who may act, e.g. verify a fix)."""
    return POLICY[action]


def require(user: User, action: str, hospital_id: int | None = None) -> None:
    """Raise 403 unless ``user`` may perform ``action`` (in ``hospital_id``, when given)."""
    if not allowed(user, action):
        raise Forbidden(f"Your role may not {action}.", code="auth.forbidden")
    if hospital_id is not None and not in_scope(user, hospital_id):
        raise Forbidden("That hospital is outside your scope.", code="auth.out_of_scope")


def in_scope(user: User, hospital_id: int) -> bool:
    """Return whether ``hospital_id`` is one of the hospitals ``user`` may see."""
    return hospital_id in user.hospital_ids


def visible_hospital_ids(user: User) -> list[int]:
    """Return the hospitals whose rows ``user`` may see."""
    return user.hospital_ids


# --- inspections -----------------------------------------------------------------------------


def may_record(user: User) -> bool:
    """Return whether ``user`` may push inspections, findings and records at all."""
    return allowed(user, "inspections.record")


def may_push(user: User) -> bool:
    """Return whether ``user`` may push at all: inspections, or logs kept without one."""
    return allowed(user, "inspections.record") or allowed(user, "records.keep")


def may_keep_records_at(user: User, department_id: int | None) -> bool:
    """Return whether ``user`` may log a record form at a place of ``department_id``."""
    if not allowed(user, "records.keep"):
        return False
    return allowed(user, "records.keep_any_place") or _own_department(user, department_id)


def sees_all_places(user: User) -> bool:
    """Return whether ``user`` sees every place of their hospitals, not only their department's."""
    return allowed(user, "places.read_all")


def sees_all_records(user: User) -> bool:
    """Return whether ``user`` reads every log of their hospitals, not only those they kept."""
    return allowed(user, "records.read_all")


def may_see_record(user: User, entry: RecordEntry) -> bool:
    """Return whether ``user`` may read a kept log (and its signature images)."""
    if not in_scope(user, entry.hospital_id):
        return False
    return entry.recorded_by_id == user.id or sees_all_records(user)


def may_add_to_inspection(user: User, inspector_id: int) -> bool:
    """Return whether ``user`` may add to an inspection: the inspector who recorded it, or more."""
    return inspector_id == user.id or allowed(user, "inspections.record_for_others")


def sees_all_inspections(user: User) -> bool:
    """Return whether ``user`` reads every inspection of their hospitals, not only their own."""
    return allowed(user, "inspections.read_all")


def may_see_inspection(user: User, inspection: Inspection) -> bool:
    """Return whether ``user`` may read ``inspection`` (and its findings and photos)."""
    if not in_scope(user, inspection.hospital_id):
        return False
    return inspection.inspector_id == user.id or sees_all_inspections(user)


# --- tasks -----------------------------------------------------------------------------------


def sees_all_tasks_of_hospital(user: User) -> bool:
    """Return whether ``user`` reads every task of their hospitals, not only their department's."""
    return allowed(user, "tasks.read_all")


def _own_department(user: User, department_id: int | None) -> bool:
    return user.department_id is not None and user.department_id == department_id


def may_assign_in(user: User, department_id: int | None) -> bool:
    """Return whether ``user`` may name the person (责任人) of a task of ``department_id``."""
    if not allowed(user, "tasks.assign"):
        return False
    return allowed(user, "tasks.assign_any_department") or _own_department(user, department_id)


def is_named_assignee(user: User, department_id: int | None, assignee_id: int | None) -> bool:
    """Return whether ``user`` is the person named on a task of ``department_id`` (its 责任人).

    A move to a department the assignee is not in takes them off, so this holds only for a
    member of the task's department; it is checked here again all the same.
    """
    return (
        allowed(user, "tasks.submit_evidence_as_assignee")
        and assignee_id == user.id
        and _own_department(user, department_id)
    )


def may_submit_evidence_for(
    user: User, department_id: int | None, assignee_id: int | None = None
) -> bool:
    """Return whether ``user`` may report the fix of a task of ``department_id``.

    Its department's head (or a supervisor) may, and so may the person named on it.
    """
    if is_named_assignee(user, department_id, assignee_id):
        return True
    if not allowed(user, "tasks.submit_evidence"):
        return False
    return allowed(user, "tasks.submit_evidence_any_department") or _own_department(
        user, department_id
    )


# --- users -----------------------------------------------------------------------------------


def listed_department(user: User, department_id: int | None) -> int | None:
    """Return the department a user list is limited to: the asked one, or the reader's own.

    Those who read every account get what they asked for; a department head only the members
    of their own department (whom they name on tasks), whatever they asked for.
    """
    if allowed(user, "users.read"):
        return department_id
    require(user, "users.read_own_department")
    if user.department_id is None or department_id not in (None, user.department_id):
        raise Forbidden("You may list your own department only.", code="auth.forbidden")
    return user.department_id


def _powers(roles: Iterable[str]) -> frozenset[str]:
    held = frozenset(roles)
    return frozenset(action for action, allowed_roles in POLICY.items() if allowed_roles & held)


def grantable_roles(actor: User) -> frozenset[str]:
    """Return the roles ``actor`` may give: those bringing no power ``actor`` lacks.

    "An admin grants only roles the admin holds": the admin role holds every power of the table,
    so an admin may give every role today; a role with a power the admin lacks could not be given.
    """
    if not allowed(actor, "users.manage"):
        return frozenset()
    mine = _powers(actor.roles)
    return frozenset(role for role in ALL_ROLES if _powers([role]) <= mine)


def manages_users(roles: Iterable[str]) -> bool:
    """Return whether holding ``roles`` gives the power to manage users."""
    return bool(POLICY["users.manage"].intersection(roles))


def may_manage_user(actor: User, hospital_ids: Iterable[int], roles: Iterable[str]) -> bool:
    """Return whether ``actor`` may create or change a user of ``hospital_ids`` holding ``roles``.

    Every hospital of the user must be one of the actor's: an admin of one hospital must not take
    over (name, roles, password) an account that also acts in another.
    """
    return (
        manages_users(actor.roles)
        and set(hospital_ids) <= set(actor.hospital_ids)
        and set(roles) <= grantable_roles(actor)
    )
