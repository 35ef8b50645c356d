"""Who may do what, and over which hospitals: the one place role checks live.

Views and services ask ``require(user, action)`` instead of testing roles themselves, so the
policy can be read (and changed) in one table.
"""

from __future__ import annotations

from server.errors import Forbidden
from server.models import User

ALL_ROLES = frozenset({"admin", "supervisor", "inspector", "department_head"})

# action → roles allowed to perform it (scope is checked separately, per hospital).
POLICY: dict[str, frozenset[str]] = {
    "checklists.read": ALL_ROLES,
    "reference.read": ALL_ROLES,
    "users.read": frozenset({"admin", "supervisor"}),
    "users.manage": frozenset({"admin"}),
    "inspections.record": frozenset({"admin", "supervisor", "inspector"}),
    "tasks.read": ALL_ROLES,
    "tasks.manage": frozenset({"admin", "supervisor"}),
    "tasks.submit_evidence": frozenset({"admin", "supervisor", "department_head"}),
    "tasks.verify": frozenset({"admin", "supervisor", "inspector"}),
    "reports.read": frozenset({"admin", "supervisor", "department_head"}),
}


def allowed(user: User, action: str) -> bool:
    """Return whether ``user`` holds a role that may perform ``action``."""
    return bool(POLICY[action].intersection(user.roles))


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
