"""The demo hospital (``server/data/demo-hospital.yaml``) and its demo users (see ``DEMO_USERS``).

Seeding is idempotent (it does nothing if the demo hospital exists), so ``wardwalk serve`` can
call it on every start of an empty install without duplicating anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Department, Hospital, User, UserRole
from server.services.auth import hash_password
from server.services.organisation import import_hospital, load_file

DEMO_HOSPITAL_CODE = "demo"
DEMO_HOSPITAL_FILE = Path(__file__).resolve().parent.parent / "data" / "demo-hospital.yaml"

# The contract's demo users, the heads of the clinical departments (so a ward's problem reaches
# a ward), and a nurse of the medical ward (the ward's infection-control link nurse, who also
# inspects): the person a ward head names as 责任人. ``recorder`` is a nurse of the medical ward
# who keeps the ward's logs, ``porter`` keeps the medical-waste store's (infection control owns
# it) and ``sewage`` the sewage station's readings (general affairs owns it).
DEMO_USERS = [
    ("admin", "系统管理员", ["admin"], None),
    ("supervisor", "督导组 王主任", ["supervisor"], None),
    ("inspector", "检查员 李明", ["inspector"], None),
    ("depthead", "总务科 张科长", ["department_head"], "general_affairs"),
    ("leader", "院领导 周院长", ["leader"], None),
    ("neike", "内科 陈护士长", ["department_head"], "internal_medicine"),
    ("waike", "外科 刘护士长", ["department_head"], "surgery"),
    ("nurse", "内科 赵护士", ["inspector"], "internal_medicine"),
    ("recorder", "内科 孙护士", ["recorder"], "internal_medicine"),
    ("porter", "医废暂存处 吴师傅", ["recorder"], "infection_control"),
    ("sewage", "污水站 郑师傅", ["recorder"], "general_affairs"),
]


@dataclass
class SeedResult:
    """What seeding did; ``password`` is set only when the demo users were created now."""

    hospital: Hospital
    created: bool
    password: str | None = None


def seed_demo(session: Session, password: str | None = None) -> SeedResult:
    """Create the demo hospital with departments, locations and users, once."""
    existing = session.scalars(select(Hospital).where(Hospital.code == DEMO_HOSPITAL_CODE)).first()
    if existing is not None:
        return SeedResult(existing, created=False)
    hospital = import_hospital(session, load_file(DEMO_HOSPITAL_FILE)).hospital
    departments = {
        row.code: row
        for row in session.scalars(select(Department).where(Department.hospital_id == hospital.id))
    }
    password = password or secrets.token_urlsafe(9)
    for username, display_name, roles, dept in DEMO_USERS:
        session.add(
            User(
                username=username,
                display_name=display_name,
                # One hash per user: each gets its own salt, so equal passwords do not show.
                password_hash=hash_password(password),
                department_id=departments[dept].id if dept else None,
                role_rows=[UserRole(role=role) for role in roles],
                hospitals=[hospital],
            )
        )
    session.flush()
    return SeedResult(hospital, created=True, password=password)
