"""Users: created and changed by administrators, listed for assignment and management."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import ROLES, ApiToken, Department, Hospital, User, UserRole, user_hospitals
from server.services.auth import hash_password
from server.services.permissions import (
    allowed,
    grantable_roles,
    listed_department,
    manages_users,
    may_manage_user,
    require,
    visible_hospital_ids,
)
from server.timeutil import utcnow

# Users looked up to be told something: their roles and hospitals are read only if asked for,
# not with every lookup (two more queries each time; a push looks up verifiers and heads).
WITHOUT_GRANTS = (lazyload(User.role_rows), lazyload(User.hospitals))


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    hospital_ids: list[int],
    department_id: int | None = None,
) -> User:
    """Create a user; ``actor`` None means the operator's command line (no scope limit).

    An administrator creates only users of their own hospitals (an id outside them is refused
    like an unknown one, so other hospitals' ids are not confirmed) with roles they may grant.
    """
    if actor is not None:
        require(actor, "users.manage")
    if unknown := sorted(set(roles) - set(ROLES)):
        raise Invalid("Unknown role.", errors={"roles": [f"Unknown: {', '.join(unknown)}"]})
    if actor is not None:
        _require_grantable(actor, roles)
        if outside := sorted(set(hospital_ids) - set(visible_hospital_ids(actor))):
            raise Invalid(
                "Hospital outside your scope.",
                errors={"hospital_ids": [f"Not one of your hospitals: {outside}"]},
            )
    if len(password) < 8:
        raise Invalid("Password too short.", errors={"password": ["At least 8 characters."]})
    if session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(
            f"User {username!r} exists.",
            code="user.exists",
            errors={"username": ["Already taken."]},
        )
    hospitals = list(session.scalars(select(Hospital).where(Hospital.id.in_(hospital_ids))))
    if not hospitals or len(hospitals) != len(set(hospital_ids)):
        raise Invalid("Unknown hospital.", errors={"hospital_ids": ["Unknown hospital."]})
    department = session.get(Department, department_id) if department_id else None
    if department_id and (department is None or department.hospital_id not in hospital_ids):
        raise Invalid(
            "Unknown department.",
            errors={"department_id": ["Not a department of the user's hospitals."]},
        )
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        department=department,
        role_rows=[UserRole(role=role) for role in sorted(set(roles))],
        hospitals=hospitals,
    )
    session.add(user)
    session.flush()
    return user


def hospital_ids_for_codes(session: Session, codes: list[str]) -> list[int]:
    """Resolve hospital codes (as an operator types them) to ids, refusing unknown ones."""
    rows = list(session.scalars(select(Hospital).where(Hospital.code.in_(codes))))
    if missing := sorted(set(codes) - {row.code for row in rows}):
        raise Invalid("Unknown hospital.", errors={"hospitals": [f"Unknown: {missing}"]})
    return [row.id for row in rows]


def department_id_for_code(session: Session, hospital_id: int, code: str) -> int:
    """Resolve a department code within a hospital to its id."""
    row = session.scalars(
        select(Department).where(Department.hospital_id == hospital_id, Department.code == code)
    ).first()
    if row is None:
        raise Invalid("Unknown department.", errors={"department": [f"Unknown: {code}"]})
    return row.id


def _visible_users(actor: User):
    return (
        select(User)
        .join(user_hospitals, user_hospitals.c.user_id == User.id)
        .where(user_hospitals.c.hospital_id.in_(visible_hospital_ids(actor)))
        .distinct()
    )


def list_users(
    session: Session,
    actor: User,
    *,
    role: str | None = None,
    department_id: int | None = None,
    include_inactive: bool = False,
) -> list[User]:
    """Return users who share a hospital with ``actor``, the active ones unless told otherwise.

    Assignment picks among the active; managing accounts needs the deactivated ones too. A
    department head lists the active members of their own department only (whom they name).
    """
    department_id = listed_department(actor, department_id)
    query = _visible_users(actor)
    if not include_inactive or not allowed(actor, "users.read"):
        query = query.where(User.active)
    if role:
        query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    if department_id:
        query = query.where(User.department_id == department_id)
    return list(session.scalars(query.order_by(User.username)))


def get_user(session: Session, actor: User, user_id: int) -> User:
    """Return one user in ``actor``'s scope; others are 404 so their existence does not leak."""
    require(actor, "users.read")
    user = session.scalars(_visible_users(actor).where(User.id == user_id)).first()
    if user is None:
        raise NotFound("No such user.", code="user.not_found")
    return user


def users_with_role(
    session: Session, hospital_id: int, *roles: str, department_id: int | None = None
) -> list[User]:
    """Return the active users of a hospital holding any of ``roles`` (in a department if given)."""
    query = (
        select(User)
        .join(user_hospitals, user_hospitals.c.user_id == User.id)
        .where(
            user_hospitals.c.hospital_id == hospital_id,
            User.active,
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))),
        )
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(session.scalars(query.order_by(User.id).options(*WITHOUT_GRANTS)))


def _end_sessions(session: Session, user: User) -> None:
    """Revoke every token of ``user``: their devices must log in again."""
    now = utcnow()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


def _require_grantable(actor: User, roles: list[str]) -> None:
    """Refuse roles ``actor`` may not give: 403, the actor lacks the power, the input is fine."""
    if beyond := sorted(set(roles) - grantable_roles(actor)):
        raise Forbidden(
            "You may not grant these roles.",
            code="user.role_not_grantable",
            errors={"roles": [f"Not yours to grant: {', '.join(beyond)}"]},
        )


def update_user(session: Session, actor: User, user_id: int, changes: dict) -> User:
    """Apply an administrator's change to a user entirely within their hospitals.

    A user who shares no hospital with the actor is 404 (as if absent); one the actor can see but
    who also belongs to another hospital (or holds a role the actor may not grant) is 403
    ``user.out_of_scope``: otherwise an admin of one hospital could take over, through roles or a
    password, an account that acts in another. Deactivating or a new password ends the user's
    sessions. Nobody can lock themselves out (deactivate themselves or drop their own admin role).
    """
    require(actor, "users.manage")
    user = get_user(session, actor, user_id)
    if not may_manage_user(actor, user.hospital_ids, user.roles):
        raise Forbidden(
            "This user is beyond your scope: another hospital, or a role you may not grant.",
            code="user.out_of_scope",
        )
    if "roles" in changes:
        _require_grantable(actor, changes["roles"])
    if user.id == actor.id and (
        changes.get("active") is False
        or ("roles" in changes and not manages_users(changes["roles"]))
    ):
        field = "active" if changes.get("active") is False else "roles"
        raise Conflict(
            "You cannot lock yourself out.",
            code="user.self_lockout",
            errors={field: ["Ask another administrator."]},
        )
    if "department_id" in changes and changes["department_id"] is not None:
        department = session.get(Department, changes["department_id"])
        if department is None or department.hospital_id not in user.hospital_ids:
            raise Invalid(
                "Unknown department.",
                errors={"department_id": ["Not a department of the user's hospitals."]},
            )
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "roles" in changes:
        user.role_rows = [UserRole(role=role) for role in sorted(set(changes["roles"]))]
    if "department_id" in changes:
        user.department_id = changes["department_id"]
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
        _end_sessions(session, user)
    if "active" in changes:
        user.active = changes["active"]
        if not user.active:
            _end_sessions(session, user)
    session.flush()
    return user
