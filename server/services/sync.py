"""Ingest what a device pushed, exactly once, one record at a time.

Every record is applied inside its own savepoint: it is stored whole or not at all, and its
outcome never affects the others. A record whose id is already stored is compared by the hash of
its normalised content: the same content is a ``duplicate`` (nothing changes), other content a
``conflict`` (nothing changes). Two requests racing to store the same id meet at the primary key;
the loser's savepoint is rolled back and the record is applied again, now finding the winner's
row. The same happens when two failures race to open the same task, or to update it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.models import (
    OPEN_STATUSES,
    ChecklistVersion,
    Finding,
    Inspection,
    Location,
    Photo,
    PhotoSlot,
    RecordEntry,
    RectificationTask,
    User,
    task_findings,
    task_records,
)
from server.schemas.checklist_definition import iter_items
from server.schemas.sync import FindingIn, InspectionIn, RecordIn
from server.services import tasks
from server.services.checklists import current_versions
from server.services.permissions import in_scope, require
from server.services.verdicts import Rejected, check_record, judge_finding
from server.timeutil import isoformat


@dataclass
class _Push:
    """What one push has learnt so far: outcomes by id, tasks touched, lookups cached."""

    session: Session
    user: User
    device_id: str
    outcome: dict[uuid.UUID, str] = field(default_factory=dict)
    settled_findings: list[uuid.UUID] = field(default_factory=list)
    settled_records: list[uuid.UUID] = field(default_factory=list)
    versions: dict[tuple[str, int], ChecklistVersion | None] = field(default_factory=dict)
    record_types: dict[str, tuple[ChecklistVersion, dict]] | None = None
    # Prefetched once per push (see ``_prefetch``), so a new record costs no look-up queries.
    stored: dict[uuid.UUID, str] = field(default_factory=dict)  # id → content hash
    absent: set[uuid.UUID] = field(default_factory=set)  # ids known not to be stored
    answers: dict[tuple[uuid.UUID, str], list[tuple[uuid.UUID, uuid.UUID | None]]] = field(
        default_factory=dict
    )  # (inspection, item) → [(finding id, the id it supersedes)]
    open_items: dict[int, set[str]] = field(default_factory=dict)  # location → open task items
    # Strong references: the session's identity map is weak, and rows nobody holds are dropped
    # and selected again for every record that needs them.
    rows: dict[tuple[type, Any], Any] = field(default_factory=dict)

    def get(self, model: type, key: Any) -> Any:
        """Return ``session.get(model, key)``, kept for the rest of the push."""
        if (model, key) not in self.rows:
            self.rows[(model, key)] = self.session.get(model, key)
        return self.rows[(model, key)]

    def version(self, checklist_id: str, number: int) -> ChecklistVersion | None:
        key = (checklist_id, number)
        if key not in self.versions:
            self.versions[key] = self.session.scalars(
                select(ChecklistVersion).where(
                    ChecklistVersion.checklist_id == checklist_id,
                    ChecklistVersion.version == number,
                )
            ).first()
        return self.versions[key]

    def stored_hash(self, model: type, record_id: uuid.UUID) -> str | None:
        """Return the content hash stored under ``record_id``, or None if nothing is."""
        if record_id in self.stored:
            return self.stored[record_id]
        if record_id in self.absent:
            return None
        row = self.session.get(model, record_id)
        return row.content_sha256 if row is not None else None

    def created(self, record_id: uuid.UUID, digest: str) -> None:
        """Remember a record stored by this push (a repeat of its id is then a duplicate)."""
        self.stored[record_id] = digest
        self.absent.discard(record_id)

    def items_with_open_tasks(self, location_id: int) -> set[str]:
        """Return the items with an open task at a location (cached for the push)."""
        if location_id not in self.open_items:
            self.open_items[location_id] = set(
                self.session.scalars(
                    select(RectificationTask.item_id).where(
                        RectificationTask.location_id == location_id,
                        RectificationTask.status.in_(OPEN_STATUSES),
                    )
                )
            )
        return self.open_items[location_id]


def content_hash(data: dict[str, Any]) -> str:
    """Hash loaded (normalised) content: UUIDs as text, times in UTC."""

    def plain(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return str(value)
        if hasattr(value, "isoformat"):
            return isoformat(value)
        return value

    canonical = json.dumps(
        data, default=plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _settled(stored_digest: str, digest: str) -> str:
    return "duplicate" if stored_digest == digest else "conflict"


def _location_in_scope(push: _Push, location_id: int) -> Location:
    location = push.get(Location, location_id)
    if location is None or not in_scope(push.user, location.hospital_id):
        raise Rejected(
            "Unknown location.",
            code="sync.unknown_location",
            errors={"location_id": ["No such location in your hospitals."]},
        )
    return location


def _parent_inspection(push: _Push, inspection_id: uuid.UUID) -> Inspection:
    if push.outcome.get(inspection_id) in ("rejected", "conflict"):
        raise Rejected(
            "The inspection was not stored.",
            code="sync.parent_rejected",
            errors={"inspection_id": ["Its inspection was rejected."]},
        )
    inspection = push.get(Inspection, inspection_id)
    if inspection is None or not in_scope(push.user, inspection.hospital_id):
        raise Rejected(
            "Unknown inspection.",
            code="sync.unknown_inspection",
            errors={"inspection_id": ["Push the inspection first."]},
        )
    if inspection.inspector_id != push.user.id and not push.user.has_role("supervisor", "admin"):
        raise Rejected(
            "Not your inspection.",
            code="sync.forbidden",
            errors={"inspection_id": ["Recorded by another inspector."]},
        )
    return inspection


def _apply_inspection(push: _Push, data: dict) -> str:
    digest = content_hash(data)
    if stored := push.stored_hash(Inspection, data["id"]):
        return _settled(stored, digest)
    if push.version(data["checklist_id"], data["checklist_version"]) is None:
        raise Rejected(
            "Unknown checklist version.",
            code="sync.unknown_checklist",
            errors={"checklist_version": ["No such checklist version."]},
        )
    location = _location_in_scope(push, data["location_id"])
    if data["finished_at"] and data["finished_at"] < data["started_at"]:
        raise Rejected(
            "Finished before it started.", errors={"finished_at": ["Before started_at."]}
        )
    inspection = Inspection(
        **data,
        hospital_id=location.hospital_id,
        inspector_id=push.user.id,
        device_id=push.device_id,
        content_sha256=digest,
    )
    push.session.add(inspection)
    push.session.flush()
    push.rows[(Inspection, inspection.id)] = inspection
    push.created(data["id"], digest)
    return "created"


def _problem(
    location: Location, checklist_id: str, item_id: str, text: dict, spec: dict, found_at
) -> tasks.Problem:
    return tasks.Problem(
        hospital_id=location.hospital_id,
        location=location,
        checklist_id=checklist_id,
        item_id=item_id,
        text_zh=text["zh-CN"],
        text_en=text["en"],
        department_code=spec.get("department"),
        severity=spec["severity"],
        points=spec["points"],
        rectification_days=spec.get("rectification_days"),
        found_at=found_at,
    )


def _check_supersedes(push: _Push, data: dict, inspection: Inspection) -> Finding | None:
    """Return the finding this one corrects; without ``supersedes_id`` an item is answered once."""
    answers = push.answers.get((inspection.id, data["item_id"]), [])
    superseded = {supersedes for _, supersedes in answers}
    live = [finding_id for finding_id, _ in answers if finding_id not in superseded]
    if data["supersedes_id"] is None:
        if live:
            raise Rejected(
                "Item already answered.",
                code="sync.duplicate_item",
                errors={"item_id": ["Already answered; send a correction with supersedes_id."]},
            )
        return None
    if data["supersedes_id"] not in live:
        raise Rejected(
            "Nothing to correct.",
            code="sync.invalid_supersedes",
            errors={"supersedes_id": ["Not the current answer to this item in this inspection."]},
        )
    return push.session.get(Finding, data["supersedes_id"])


def _check_photo_refs(push: _Push, photos: list[dict]) -> None:
    ids = [photo["id"] for photo in photos]
    if len(ids) != len(set(ids)):
        raise Rejected("Repeated photo.", errors={"photos": ["Each photo id once."]})
    for photo in photos:
        stored = push.session.get(Photo, photo["id"])
        if push.session.get(PhotoSlot, photo["id"]) is not None or (
            stored is not None and stored.sha256 != photo["sha256"].lower()
        ):
            raise Rejected(
                "Photo id in use.",
                code="sync.photo_conflict",
                errors={"photos": [f"Photo {photo['id']} belongs to something else."]},
            )


def _apply_finding(push: _Push, data: dict) -> str:
    digest = content_hash(data)
    if stored := push.stored_hash(Finding, data["id"]):
        return _settled(stored, digest)
    inspection = _parent_inspection(push, data["inspection_id"])
    version = push.version(inspection.checklist_id, inspection.checklist_version)
    item = next((i for i in iter_items(version.definition) if i["id"] == data["item_id"]), None)
    if item is None:
        raise Rejected(
            "Unknown item.",
            code="sync.unknown_item",
            errors={"item_id": ["Not an item of the inspection's checklist version."]},
        )
    old = _check_supersedes(push, data, inspection)
    _check_photo_refs(push, data["photos"])
    verdict = judge_finding(item, data["result"], data["value"], len(data["photos"]))
    location = push.get(Location, inspection.location_id)
    finding = Finding(
        id=data["id"],
        inspection_id=inspection.id,
        hospital_id=inspection.hospital_id,
        location_id=inspection.location_id,
        checklist_id=inspection.checklist_id,
        checklist_version=inspection.checklist_version,
        item_id=item["id"],
        result=data["result"],
        verdict=verdict.verdict,
        value=verdict.value,
        severity=item["severity"],
        points=item["points"],
        note=data["note"],
        supersedes_id=data["supersedes_id"],
        recorded_at=data["recorded_at"],
        recorded_by_id=push.user.id,
        content_sha256=digest,
    )
    push.session.add(finding)
    for position, photo in enumerate(data["photos"]):
        push.session.add(
            PhotoSlot(
                photo_id=photo["id"],
                finding_id=finding.id,
                hospital_id=inspection.hospital_id,
                sha256=photo["sha256"].lower(),
                bytes=photo["bytes"],
                position=position,
            )
        )
    push.session.flush()
    problem = None
    if verdict.verdict == "fail":
        problem = _problem(
            location, inspection.checklist_id, item["id"], item["text"], item, data["recorded_at"]
        )
    tz = location.hospital.timezone
    open_items = push.items_with_open_tasks(location.id)
    if old is not None:
        tasks.correct_finding(push.session, old, finding, problem, tz, push.user)
    elif problem is not None:
        tasks.report_failure(push.session, problem, tz, push.user, finding=finding)
    elif verdict.verdict == "pass" and item["id"] in open_items:
        tasks.record_recheck(push.session, finding, location, push.user)
    if problem is not None:
        open_items.add(item["id"])
    push.answers.setdefault((inspection.id, item["id"]), []).append(
        (finding.id, data["supersedes_id"])
    )
    push.created(finding.id, digest)
    return "created"


def _record_type(push: _Push, record_type: str) -> tuple[ChecklistVersion, dict] | None:
    """Return the current checklist version defining ``record_type`` and the definition."""
    if push.record_types is None:
        push.record_types = {
            spec["id"]: (version, spec)
            for version in current_versions(push.session)
            for spec in version.definition.get("record_types", [])
        }
    return push.record_types.get(record_type)


def _apply_record(push: _Push, data: dict) -> str:
    digest = content_hash(data)
    if stored := push.stored_hash(RecordEntry, data["id"]):
        return _settled(stored, digest)
    if data["inspection_id"] is not None:
        _parent_inspection(push, data["inspection_id"])
    location = _location_in_scope(push, data["location_id"])
    found = _record_type(push, data["record_type"])
    if found is None:
        raise Rejected(
            "Unknown record type.",
            code="sync.unknown_record_type",
            errors={"record_type": ["No checklist defines this record type."]},
        )
    version, spec = found
    values, broken = check_record(spec, data["fields_"])
    entry = RecordEntry(
        id=data["id"],
        inspection_id=data["inspection_id"],
        hospital_id=location.hospital_id,
        location_id=location.id,
        record_type=spec["id"],
        checklist_id=version.checklist_id,
        checklist_version=version.version,
        fields=values,
        verdict="fail" if broken else "pass",
        failed_rules=broken,
        recorded_at=data["recorded_at"],
        recorded_by_id=push.user.id,
        device_id=push.device_id,
        content_sha256=digest,
    )
    push.session.add(entry)
    push.session.flush()
    rules = {rule["id"]: rule for rule in spec["rules"]}
    for failure in broken:
        rule = rules[failure["id"]]
        text = {
            "zh-CN": f"{spec['title']['zh-CN']}：{rule['text']['zh-CN']}",
            "en": f"{spec['title']['en']}: {rule['text']['en']}",
        }
        problem = _problem(
            location,
            version.checklist_id,
            f"{spec['id']}.{rule['id']}",
            text,
            {**rule, "department": spec["department"]},
            data["recorded_at"],
        )
        tasks.report_failure(
            push.session, problem, location.hospital.timezone, push.user, record=entry
        )
    push.created(entry.id, digest)
    return "created"


_KINDS: dict[str, tuple[type[Schema], Any]] = {
    "inspection": (InspectionIn, _apply_inspection),
    "finding": (FindingIn, _apply_finding),
    "record": (RecordIn, _apply_record),
}


def _apply(push: _Push, kind: str, raw: Any) -> dict:
    """Apply one record in its own savepoint and describe the outcome."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    result = {"id": raw_id if isinstance(raw_id, str) else None, "kind": kind}
    schema, apply = _KINDS[kind]
    try:
        data = schema().load(raw)
    except ValidationError as exc:
        return {**result, "status": "rejected", "code": "sync.invalid", "errors": exc.messages}
    result["id"] = str(data["id"])
    for attempt in (1, 2):
        try:
            with push.session.begin_nested():
                status = apply(push, data)
            break
        except Rejected as exc:
            push.outcome[data["id"]] = "rejected"
            return {**result, "status": "rejected", "code": exc.code, "errors": exc.errors or {}}
        except (IntegrityError, StaleDataError):
            push.absent.discard(data["id"])  # another request stored it: look it up for real
            if attempt == 2:  # a second clash is not a race any more
                push.outcome[data["id"]] = "rejected"
                return {**result, "status": "rejected", "code": "sync.conflict", "errors": {}}
    push.outcome[data["id"]] = status
    if status in ("created", "duplicate"):
        settled = push.settled_findings if kind == "finding" else push.settled_records
        if kind != "inspection":
            settled.append(data["id"])
    code = "sync.conflict" if status == "conflict" else None
    return {**result, "status": status, "code": code, "errors": {}}


def _raw_ids(raws: list, key: str = "id") -> set[uuid.UUID]:
    ids = set()
    for raw in raws:
        try:
            ids.add(uuid.UUID(raw[key]))
        except (TypeError, KeyError, ValueError, AttributeError):
            continue  # the record's own validation reports it
    return ids


def _prefetch(state: _Push, payload: dict) -> None:
    """Learn in a few set-based queries what the per-record checks would ask one by one."""
    session = state.session
    for key, model in (
        ("inspections", Inspection),
        ("findings", Finding),
        ("records", RecordEntry),
    ):
        ids = _raw_ids(payload[key])
        if ids:
            found = dict(
                session.execute(
                    select(model.id, model.content_sha256).where(model.id.in_(ids))
                ).all()
            )
            state.stored.update(found)
            state.absent.update(ids - set(found))
    inspection_ids = _raw_ids(payload["findings"], "inspection_id")
    if inspection_ids:
        rows = session.execute(
            select(Finding.id, Finding.inspection_id, Finding.item_id, Finding.supersedes_id).where(
                Finding.inspection_id.in_(inspection_ids)
            )
        )
        for finding_id, inspection_id, item_id, supersedes_id in rows:
            state.answers.setdefault((inspection_id, item_id), []).append(
                (finding_id, supersedes_id)
            )


def push(session: Session, user: User, payload: dict) -> dict:
    """Apply a device's push; return per-record results, photos still missing, and tasks."""
    require(user, "inspections.record")
    state = _Push(session, user, payload["device_id"])
    _prefetch(state, payload)
    results = [_apply(state, "inspection", raw) for raw in payload["inspections"]]
    results += [_apply(state, "finding", raw) for raw in payload["findings"]]
    results += [_apply(state, "record", raw) for raw in payload["records"]]
    return {
        "results": results,
        "missing_photos": _missing_photos(session, state.settled_findings),
        "tasks": _tasks_for(session, state.settled_findings, state.settled_records),
    }


def _missing_photos(session: Session, finding_ids: list[uuid.UUID]) -> list[str]:
    if not finding_ids:
        return []
    rows = session.scalars(
        select(PhotoSlot.photo_id)
        .where(PhotoSlot.finding_id.in_(finding_ids))
        .where(~select(Photo.id).where(Photo.id == PhotoSlot.photo_id).exists())
        .order_by(PhotoSlot.finding_id, PhotoSlot.position)
    )
    return [str(photo_id) for photo_id in rows]


def _tasks_for(session: Session, finding_ids: list, record_ids: list) -> list[dict]:
    """Tasks the pushed findings and records opened or joined (replays included)."""
    answer = []
    for link, column, ids, key in (
        (task_findings, task_findings.c.finding_id, finding_ids, "finding_id"),
        (task_records, task_records.c.record_id, record_ids, "record_id"),
    ):
        if not ids:
            continue
        rows = session.execute(
            select(RectificationTask, column)
            .join(link, link.c.task_id == RectificationTask.id)
            .where(column.in_(ids))
        )
        for task, source_id in rows:
            answer.append(
                {
                    "id": task.id,
                    key: str(source_id),
                    "due_at": isoformat(task.due_at),
                    "status": task.status,
                    "occurrences": task.occurrences,
                    "title": {"zh-CN": task.title_zh, "en": task.title_en},
                }
            )
    return answer
