"""Set up a hospital from its file: departments and the location tree, imported again and again.

Import is idempotent and matches by code: what exists is updated, what is new is created, a
location missing from the file is deactivated (never deleted — findings and tasks point at it),
and every row that changed is announced in the change log so phones pull it. Departments are never
removed: users and tasks refer to them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Department, Hospital, Location
from server.schemas.common import error_lines
from server.schemas.organisation import LABELS, HospitalFileSchema, walk
from server.services.changes import record_change
from server.services.locks import lock_hospitals, lock_reference_data


class HospitalFileError(Exception):
    """A hospital file that cannot be imported; ``problems`` are readable lines naming where."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(f"{source}: {'; '.join(problems)}")
        self.source = source
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did, counted by kind and outcome (``created``/``updated``/…)."""

    hospital: Hospital
    counts: Counter = field(default_factory=Counter)

    def count(self, kind: str, outcome: str) -> None:
        """Count one row of ``kind`` with ``outcome``."""
        self.counts[f"{kind} {outcome}"] += 1


def load_file(path: Path) -> dict:
    """Read and validate a hospital file (YAML); raise ``HospitalFileError`` naming the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise HospitalFileError(str(path), [str(error)]) from error
    return parse(raw, str(path))


def parse(raw: object, source: str) -> dict:
    """Validate already-read hospital data."""
    if not isinstance(raw, dict):
        raise HospitalFileError(source, ["(file): Expected hospital, departments, locations."])
    try:
        return HospitalFileSchema().load(raw)
    except ValidationError as error:
        problems = error_lines(error.messages, raw, LABELS, "code")
        raise HospitalFileError(source, problems) from error


def _set(row, values: dict) -> bool:
    """Copy ``values`` onto ``row``; return whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def import_hospital(session: Session, data: dict) -> ImportReport:
    """Create or update the hospital of ``data`` (validated by ``parse``) with its tree."""
    lock_reference_data(session)  # first: the lock order of docs/sync.md
    spec = data["hospital"]
    hospital = session.scalars(select(Hospital).where(Hospital.code == spec["code"])).first()
    if hospital is not None:
        lock_hospitals(session, [hospital.id])  # no push writes there meanwhile
    values = {
        "name_zh": spec["name"]["zh"],
        "name_en": spec["name"]["en"],
        "timezone": spec["timezone"],
        "settings": {
            **(hospital.settings if hospital else {}),
            **spec["settings"],
            "webhooks": _webhooks(data),
        },
    }
    if hospital is None:
        hospital = Hospital(code=spec["code"], **values)
        session.add(hospital)
        session.flush()
        report = ImportReport(hospital)
        report.count("hospital", "created")
    else:
        report = ImportReport(hospital)
        report.count("hospital", "updated" if _set(hospital, values) else "unchanged")
    departments = _import_departments(session, report, data["departments"])
    _import_locations(session, report, data["locations"], departments)
    session.flush()
    return report


def _webhooks(data: dict) -> list[dict]:
    """Return the file's chat robots in one list, each with its department's code (or None).

    Only what the file says is kept: URLs or the names of the variables holding them, the names
    of the variables holding secrets — never a secret itself.
    """
    owners = [(None, data["hospital"])] + [(dept["code"], dept) for dept in data["departments"]]
    return [
        {key: value for key, value in hook.items() if value is not None} | {"department": code}
        for code, owner in owners
        for hook in owner["webhooks"]
    ]


def _exported_webhooks(hospital: Hospital, department: str | None) -> list[dict]:
    return [
        {key: value for key, value in hook.items() if key != "department"}
        for hook in hospital.settings.get("webhooks", [])
        if hook.get("department") == department
    ]


# The change-log kind of each imported model.
_KINDS = {Department: "department", Location: "location"}


def _upsert(session, report: ImportReport, existing: dict, model, code: str, values: dict) -> None:
    """Create the row of ``code`` or update it; count it, and announce it if it changed."""
    kind = _KINDS[model]
    row = existing.get(code)
    if row is None:
        row = existing[code] = model(hospital_id=report.hospital.id, code=code, **values)
        session.add(row)
        session.flush()
        outcome = "created"
    else:
        outcome = "updated" if _set(row, values) else "unchanged"
    report.count(kind, outcome)
    if outcome != "unchanged":
        record_change(session, kind, row.id, report.hospital.id)


def _import_departments(session, report: ImportReport, specs: list[dict]) -> dict[str, Department]:
    hospital = report.hospital
    existing = {
        row.code: row
        for row in session.scalars(select(Department).where(Department.hospital_id == hospital.id))
    }
    for spec in specs:
        values = {"name_zh": spec["name"]["zh"], "name_en": spec["name"]["en"]}
        _upsert(session, report, existing, Department, spec["code"], values)
    return existing


def _import_locations(session, report: ImportReport, specs: list[dict], departments: dict) -> None:
    hospital = report.hospital
    existing = {
        row.code: row
        for row in session.scalars(select(Location).where(Location.hospital_id == hospital.id))
    }
    listed: set[str] = set()
    for _path, spec, parent in walk(specs):
        listed.add(spec["code"])
        values = {
            "name_zh": spec["name"]["zh"],
            "name_en": spec["name"]["en"],
            "kind": spec["kind"],
            "use": spec["use"],
            "department_id": departments[spec["department"]].id if spec["department"] else None,
            "parent_id": existing[parent["code"]].id if parent else None,
            "active": True,
        }
        _upsert(session, report, existing, Location, spec["code"], values)
    for code, row in existing.items():
        if code not in listed and row.active:
            row.active = False
            report.count("location", "deactivated")
            record_change(session, "location", row.id, hospital.id, op="delete")


def export_hospital(session: Session, hospital: Hospital) -> dict:
    """Return the hospital as a file's data (the active locations), to edit and import again."""
    departments = session.scalars(
        select(Department).where(Department.hospital_id == hospital.id).order_by(Department.id)
    ).all()
    codes = {department.id: department.code for department in departments}
    locations = session.scalars(
        select(Location)
        .where(Location.hospital_id == hospital.id, Location.active)
        .order_by(Location.id)
    ).all()
    children: dict[int | None, list[Location]] = {}
    for location in locations:
        children.setdefault(location.parent_id, []).append(location)

    def tree(parent_id: int | None) -> list[dict]:
        return [
            {
                "code": location.code,
                "name": {"zh-CN": location.name_zh, "en": location.name_en},
                "kind": location.kind,
                "use": location.use,
                "department": codes.get(location.department_id),
                "children": tree(location.id),
            }
            for location in children.get(parent_id, [])
        ]

    return {
        "hospital": {
            "code": hospital.code,
            "name": {"zh-CN": hospital.name_zh, "en": hospital.name_en},
            "timezone": hospital.timezone,
            "settings": {
                "auto_close_on_recheck": bool(hospital.settings.get("auto_close_on_recheck")),
                **{
                    key: hospital.settings[key]
                    for key in (
                        "escalate_to_supervisors_after_days",
                        "escalate_to_leadership_after_days",
                        "sewage_category",
                        "logs_expected_from",
                    )
                    if hospital.settings.get(key) is not None
                },
            },
            "webhooks": _exported_webhooks(hospital, None),
        },
        "departments": [
            {
                "code": d.code,
                "name": {"zh-CN": d.name_zh, "en": d.name_en},
                "webhooks": _exported_webhooks(hospital, d.code),
            }
            for d in departments
        ],
        "locations": tree(None),
    }
