"""Factories for test rows: valid defaults, unique codes, override what the test is about."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path
from unittest import mock

from sqlalchemy.orm import Session

from server.models import Department, Hospital, Location, User, UserRole
from server.services import auth, seed
from server.services.checklists import load_checklists

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@cache
def password_hash(password: str = PASSWORD) -> str:
    """Return an argon2 hash of ``password``, made once per run: argon2 is slow on purpose."""
    return auth.hash_password(password)


def demo(session: Session, checklist_dir: Path, password: str) -> Hospital:
    """Seed the demo hospital and load the checklists of ``checklist_dir``; commit.

    The demo users share one hash of ``password``, made once per run, where the seed hashes
    each user's on its own (eleven argon2 runs, ~2 s). ``tests/services/test_seed.py`` tests the
    seed's own hashing.
    """
    with mock.patch.object(seed, "hash_password", password_hash):
        hospital = seed.seed_demo(session, password).hospital
    load_checklists(session, checklist_dir)
    session.commit()
    return hospital


def hospital(session: Session, **overrides) -> Hospital:
    """Create a hospital with one department (``general_affairs``) and one location."""
    n = next(_counter)
    row = Hospital(
        code=f"h{n}",
        name_zh=f"医院{n}",
        name_en=f"Hospital {n}",
        timezone="Asia/Shanghai",
        settings={},
        **overrides,
    )
    session.add(row)
    session.flush()
    dept = department(session, row, code="general_affairs")
    location(session, row, department=dept)
    return row


def department(session: Session, hospital: Hospital, **overrides) -> Department:
    """Create a department of ``hospital``."""
    n = next(_counter)
    values = {"code": f"dept_{n}", "name_zh": f"科室{n}", "name_en": f"Department {n}"}
    row = Department(hospital_id=hospital.id, **{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def location(session: Session, hospital: Hospital, **overrides) -> Location:
    """Create an area location of ``hospital``."""
    n = next(_counter)
    values = {"code": f"LOC-{n}", "name_zh": f"地点{n}", "name_en": f"Place {n}", "kind": "area"}
    row = Location(hospital_id=hospital.id, **{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def user(session: Session, hospital: Hospital, roles=("inspector",), **overrides) -> User:
    """Create an active user with ``roles`` in ``hospital``; the password is ``PASSWORD``."""
    n = next(_counter)
    values = {"username": f"user{n}", "display_name": f"用户{n}", "password_hash": password_hash()}
    row = User(
        **{**values, **overrides},
        hospitals=[hospital],
        role_rows=[UserRole(role=role) for role in roles],
    )
    session.add(row)
    session.flush()
    return row


def token(session: Session, user: User, ttl: timedelta = timedelta(days=1), now=None) -> str:
    """Issue a device token for ``user`` as a login does, without checking the password: argon2
    is slow on purpose, and the login itself is tested through the API."""
    value, _row = auth.issue_token(session, user, device_name="test", ttl=ttl, now=now)
    return value


def auth_headers(session: Session, user: User, **kwargs) -> dict[str, str]:
    """Return an ``Authorization`` header for a fresh token of ``user``."""
    return {"Authorization": f"Bearer {token(session, user, **kwargs)}"}


def new_id() -> str:
    """Return a fresh device UUID as the device sends it."""
    return str(uuid.uuid4())


def inspection_payload(location_id: int, **overrides) -> dict:
    """A pushed inspection of the ``walk`` test checklist."""
    return {
        "id": new_id(),
        "checklist_id": "walk",
        "checklist_version": 1,
        "location_id": location_id,
        "kind": "supervision",
        "started_at": "2026-11-23T09:00:00+08:00",
        "finished_at": "2026-11-23T09:30:00+08:00",
        "note": "",
        **overrides,
    }


def finding_payload(
    inspection_id: str, item_id: str = "floor.clean", result: str = "pass", **overrides
) -> dict:
    """A pushed finding."""
    return {
        "id": new_id(),
        "inspection_id": inspection_id,
        "item_id": item_id,
        "result": result,
        "value": None,
        "note": "",
        "photos": [],
        "recorded_at": "2026-11-23T09:10:00+08:00",
        **overrides,
    }


def photo_ref(data: bytes) -> dict:
    """The slot a finding lists for a photo with these bytes."""
    return {"id": new_id(), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def record_payload(location_id: int, fields: dict, **overrides) -> dict:
    """A pushed waste-handover record."""
    return {
        "id": new_id(),
        "inspection_id": None,
        "record_type": "waste_handover",
        "location_id": location_id,
        "fields": fields,
        "recorded_at": "2026-11-23T09:20:00+08:00",
        **overrides,
    }


def signature_png(size=(300, 100)) -> bytes:
    """A real PNG of a drawn stroke on white, as the signature pad makes one."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (290, 30)], fill=(0, 0, 0), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def signature_payload(data: bytes, role: str = "department", name: str = "王主任") -> dict:
    """A signature of the same-day feedback, naming an image with these bytes."""
    ref = photo_ref(data)
    return {
        "role": role,
        "name": name,
        "photo_id": ref["id"],
        "sha256": ref["sha256"],
        "bytes": ref["bytes"],
        "signed_at": "2026-11-23T09:31:00+08:00",
    }


def push_body(inspections=(), findings=(), records=(), device_id="device-1") -> dict:
    """A push envelope."""
    return {
        "device_id": device_id,
        "inspections": list(inspections),
        "findings": list(findings),
        "records": list(records),
    }


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), **save_options) -> bytes:
    """A real JPEG made with Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **save_options)
    return out.getvalue()


def task(session: Session, hospital: Hospital, **overrides):
    """Create an open rectification task at the hospital's first location, due in a day."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from server.models import RectificationTask

    n = next(_counter)
    place = (
        overrides.pop("location", None)
        or session.scalars(select(Location).where(Location.hospital_id == hospital.id)).first()
    )
    values = {
        "hospital_id": hospital.id,
        "location_id": place.id,
        "department_id": place.department_id,
        "checklist_id": "walk",
        "item_id": f"item.{n}",
        "title_zh": f"问题{n}",
        "title_en": f"Problem {n}",
        "severity": "major",
        "points": 2,
        "status": "open",
        "due_at": datetime(2026, 11, 24, 15, 59, tzinfo=UTC),
        "created_at": datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
    }
    row = RectificationTask(**{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def checklist_item(item_id: str, **overrides) -> dict:
    """A valid pass/fail checklist item (one point, minor, photo optional), with ``overrides``."""
    return {
        "id": item_id,
        "type": "pass_fail",
        "text": {"zh-CN": f"检查 {item_id}", "en": f"Check {item_id}"},
        "severity": "minor",
        "points": 1,
        "photo": "optional",
        "source": "tests",
        **overrides,
    }


def hospital_file(code: str = "city-2") -> dict:
    """A small hospital file: two departments, a campus with a building, a floor and two areas."""

    def name(zh: str, en: str) -> dict:
        return {"zh-CN": zh, "en": en}

    return {
        "hospital": {"code": code, "name": name("市第二医院", "City Hospital No. 2")},
        "departments": [
            {"code": "general_affairs", "name": name("总务科", "General affairs")},
            {"code": "nursing", "name": name("护理部", "Nursing")},
        ],
        "locations": [
            {
                "code": "C1",
                "name": name("本部", "Main campus"),
                "kind": "campus",
                "children": [
                    {
                        "code": "B1",
                        "name": name("门诊楼", "Outpatient building"),
                        "kind": "building",
                        "department": "general_affairs",
                        "children": [
                            {
                                "code": "B1-1F",
                                "name": name("一层", "1F"),
                                "kind": "floor",
                                "children": [
                                    {
                                        "code": "B1-1F-HALL",
                                        "name": name("大厅", "Hall"),
                                        "kind": "area",
                                        "department": "nursing",
                                    },
                                    {
                                        "code": "B1-1F-WC",
                                        "name": name("卫生间", "Toilets"),
                                        "kind": "point",
                                    },
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


def inspection(session: Session, place: Location, inspector: User, **overrides):
    """Create an inspection of the ``walk`` checklist at ``place``, recorded by ``inspector``."""
    from datetime import UTC, datetime

    from server.models import Inspection

    values = {
        "id": uuid.uuid4(),
        "hospital_id": place.hospital_id,
        "location_id": place.id,
        "inspector_id": inspector.id,
        "checklist_id": "walk",
        "checklist_version": 1,
        "kind": "supervision",
        "started_at": datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        "finished_at": datetime(2026, 11, 23, 1, 30, tzinfo=UTC),
        "device_id": "device-1",
        "content_sha256": "0" * 64,
    }
    row = Inspection(**{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def finding(session: Session, inspection, item_id: str = "sign.present", **overrides):
    """Create a passing finding of ``inspection``, recorded by its inspector."""
    from server.models import Finding

    values = {
        "id": uuid.uuid4(),
        "inspection_id": inspection.id,
        "hospital_id": inspection.hospital_id,
        "location_id": inspection.location_id,
        "checklist_id": inspection.checklist_id,
        "checklist_version": inspection.checklist_version,
        "item_id": item_id,
        "result": "pass",
        "verdict": "pass",
        "severity": "critical",
        "points": 5,
        "recorded_at": inspection.started_at + timedelta(minutes=5),
        "recorded_by_id": inspection.inspector_id,
        "content_sha256": "0" * 64,
    }
    row = Finding(**{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def photo(session: Session, storage, uploader: User, data: bytes, finding=None):
    """Store ``data`` as a photo uploaded by ``uploader``, named by ``finding`` if given."""
    from server.models import Photo, PhotoSlot
    from server.services.photos import process_image

    processed = process_image(data)
    sha = hashlib.sha256(data).hexdigest()
    row = Photo(
        id=uuid.uuid4(),
        sha256=sha,
        uploaded_bytes=len(data),
        content_type="image/jpeg",
        image_key=storage.put(processed.image),
        thumb_key=storage.put(processed.thumb),
        width=processed.width,
        height=processed.height,
        uploaded_by_id=uploader.id,
    )
    session.add(row)
    if finding is not None:
        session.add(
            PhotoSlot(
                photo_id=row.id,
                finding_id=finding.id,
                hospital_id=finding.hospital_id,
                sha256=sha,
                bytes=len(data),
            )
        )
    session.flush()
    return row


def submission(session: Session, task, actor: User, kind: str = "evidence", **overrides):
    """Record a submission (evidence by default) by ``actor`` on ``task``."""
    from server.models import TaskSubmission

    values = {"id": uuid.uuid4(), "note": "", "photo_ids": [], "content_sha256": "0" * 64}
    row = TaskSubmission(task_id=task.id, kind=kind, actor_id=actor.id, **{**values, **overrides})
    session.add(row)
    session.flush()
    return row


def notification(session: Session, user: User, hospital: Hospital, task=None, **overrides):
    """Create an unread in-app notification for ``user`` (about ``task``, if given)."""
    from server.models import Notification

    values = {
        "code": "task.overdue",
        "params": {},
        "dedupe_key": f"test:{next(_counter)}",
    }
    row = Notification(
        user_id=user.id,
        hospital_id=hospital.id,
        task_id=task.id if task is not None else None,
        **{**values, **overrides},
    )
    session.add(row)
    session.flush()
    return row
