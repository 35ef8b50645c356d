"""Departments and locations visible to a user."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Department, Location, User
from server.services.permissions import require, sees_all_places, visible_hospital_ids


def _visible_places(user: User):
    """Places ``user`` may see: their hospitals', or (a recorder) their own department's."""
    query = select(Location).where(Location.hospital_id.in_(visible_hospital_ids(user)))
    if sees_all_places(user):
        return query
    return query.where(Location.department_id == user.department_id)


def list_departments(session: Session, user: User) -> list[Department]:
    """Return the departments of the user's hospitals."""
    require(user, "reference.read")
    return list(
        session.scalars(
            select(Department)
            .where(Department.hospital_id.in_(visible_hospital_ids(user)))
            .order_by(Department.hospital_id, Department.code)
        )
    )


def list_locations(session: Session, user: User) -> list[Location]:
    """Return the active locations of the user's hospitals, parents before children."""
    require(user, "reference.read")
    return list(
        session.scalars(
            _visible_places(user)
            .where(Location.active)
            .order_by(Location.hospital_id, Location.code)
        )
    )


def locations_by_ids(session: Session, user: User, ids: list) -> list[Location]:
    """Return those of the locations ``ids`` that ``user`` may see."""
    return list(
        session.scalars(_visible_places(user).where(Location.id.in_([int(i) for i in ids])))
    )


def departments_by_ids(session: Session, user: User, ids: list) -> list[Department]:
    """Return those of the departments ``ids`` that ``user`` may see."""
    return list(
        session.scalars(
            select(Department).where(
                Department.id.in_([int(i) for i in ids]),
                Department.hospital_id.in_(visible_hospital_ids(user)),
            )
        )
    )
