"""Printable QR labels for locations: the code an inspector scans at the door to pick the place.

The QR code carries the bare location code (what the app also accepts typed), so a label stays
valid whatever address the server moves to.
"""

from __future__ import annotations

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Department, Hospital, Location, User
from server.services.exports import render
from server.services.permissions import require, visible_hospital_ids


def qr_data_uri(code: str) -> str:
    """Return a QR code (never Micro QR: phone scanners skip it) of ``code`` as an SVG data URI."""
    return segno.make_qr(code, error="m").svg_data_uri(scale=4, border=2)


def _subtree(locations: list[Location], root_id: int | None) -> list[tuple[Location, str]]:
    """Return ``(location, path)`` below ``root_id`` (or all), in tree order, parents first."""
    children: dict[int | None, list[Location]] = {}
    for location in locations:
        children.setdefault(location.parent_id, []).append(location)
    by_id = {location.id: location for location in locations}

    def path_of(location: Location) -> str:
        names = []
        node: Location | None = location
        while node is not None:
            names.append(node.name_zh)
            node = by_id.get(node.parent_id) if node.parent_id else None
        return " › ".join(reversed(names))

    found: list[tuple[Location, str]] = []

    def visit(location: Location) -> None:
        found.append((location, path_of(location)))
        for child in sorted(children.get(location.id, []), key=lambda row: row.code):
            visit(child)

    if root_id is None:
        roots = [row for row in locations if row.parent_id is None or row.parent_id not in by_id]
    else:
        roots = [by_id[root_id]]
    for root in sorted(roots, key=lambda row: (row.hospital_id, row.code)):
        visit(root)
    return found


def location_labels(session: Session, user: User, root_id: int | None = None) -> str:
    """Render an A4 sheet of labels for the active locations under ``root_id`` (or all)."""
    require(user, "reference.read")
    hospital_ids = visible_hospital_ids(user)
    locations = list(
        session.scalars(
            select(Location).where(Location.hospital_id.in_(hospital_ids), Location.active)
        )
    )
    if root_id is not None and root_id not in {row.id for row in locations}:
        raise NotFound("No such location.", code="location.not_found")
    departments = {
        row.id: row
        for row in session.scalars(
            select(Department).where(Department.hospital_id.in_(hospital_ids))
        )
    }
    hospitals = {
        row.id: row
        for row in session.scalars(select(Hospital).where(Hospital.id.in_(hospital_ids)))
    }
    labels = [
        {
            "code": location.code,
            "name_zh": location.name_zh,
            "name_en": location.name_en,
            "path": path,
            "hospital": hospitals[location.hospital_id].name_zh,
            "department": departments.get(location.department_id),
            "qr": qr_data_uri(location.code),
        }
        for location, path in _subtree(locations, root_id)
    ]
    return render("location_labels.html", labels=labels)
