"""Creating users: roles, hospital scope and department, checked in one place."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import Conflict, Invalid
from server.models import ROLES, Department, Hospital, User, UserRole
from server.services.auth import hash_password


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    hospital_codes: list[str],
    department_code: str | None = None,
) -> User:
    """Create a user; unknown roles, hospitals or departments are refused by name."""
    if unknown := sorted(set(roles) - set(ROLES)):
        raise Invalid("Unknown role.", errors={"roles": [f"Unknown: {', '.join(unknown)}"]})
    if len(password) < 8:
        raise Invalid("Password too short.", errors={"password": ["At least 8 characters."]})
    if session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(f"User {username!r} exists.", code="user.exists")
    hospitals = list(session.scalars(select(Hospital).where(Hospital.code.in_(hospital_codes))))
    missing = sorted(set(hospital_codes) - {h.code for h in hospitals})
    if missing or not hospitals:
        raise Invalid("Unknown hospital.", errors={"hospitals": [f"Unknown: {missing}"]})
    department = None
    if department_code:
        department = session.scalars(
            select(Department).where(
                Department.hospital_id == hospitals[0].id, Department.code == department_code
            )
        ).first()
        if department is None:
            raise Invalid("Unknown department.", errors={"department": [department_code]})
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
