"""Ingest what a device pushed, exactly once, as sets.

A push is processed in five steps (docs/sync.md says why in this order):

1. **Load** every record in Python, without the database: schema, normalisation, content hash.
   A record that cannot be loaded is ``rejected`` alone.
2. **Lock**: the write transaction first takes the locks of the places it writes at
   (``locks.lock_places``: on PostgreSQL, pushes at other places write side by side), in the one
   lock order of every writer, so pushes cannot deadlock each other or the task workflow; the
   change-log lock comes last, at commit (``changes``).
3. **Know**: one query per table says what is stored already — ids and hashes, parent
   inspections, locations, checklist versions, answers per item, photo slots, open tasks.
4. **Decide, then write**: each record is judged in push order against that knowledge and what
   the records before it in the push did (nothing is written meanwhile); then the new rows go in
   with one bulk ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per table, and the task ledger
   opens or joins each problem's task and writes events, links and change-log rows in bulk.
5. **Commit, then answer**: the photos still missing and the tasks are read after the commit,
   without holding a lock.

A record belongs to one place (its inspection's), so two pushes carrying the same records wait
for each other and the second finds the first's rows. If an insert still does not return every
row (another place's push stored the same id first: a conflict), if the push's records name an
inspection stored meanwhile at a place it has not locked, or if PostgreSQL reports a deadlock or
serialization failure, the transaction is rolled back and the push runs again from step 2, a
bounded number of times; a push that still cannot run answers 503 and the device retries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, Table, and_, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload

from server.errors import DomainError, Forbidden, database_busy
from server.models import (
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
from server.schemas.checklist_definition import (
    RESPONSIBLE_LOCATION,
    deadline_days,
    responsible_of,
    routed_items,
)
from server.schemas.fastload import FastLoader
from server.schemas.sync import FindingIn, InspectionIn, RecordIn
from server.services import bulk, locks, notifications, tasks
from server.services.checklists import current_versions
from server.services.permissions import (
    may_add_to_inspection,
    may_keep_records_at,
    may_push,
    may_record,
    visible_hospital_ids,
)
from server.services.verdicts import (
    Rejected,
    check_record,
    judge_finding,
    rule_context,
    signature_images,
)
from server.timeutil import isoformat, utcnow
from server.write_intent import sqlite_write_intent

KINDS = (("inspection", "inspections"), ("finding", "findings"), ("record", "records"))
_LOADERS = {
    "inspection": FastLoader(InspectionIn()),
    "finding": FastLoader(FindingIn()),
    "record": FastLoader(RecordIn()),
}
_MODELS: dict[str, Any] = {"inspection": Inspection, "finding": Finding, "record": RecordEntry}
ATTEMPTS = 4


class SyncBusy(DomainError):
    """The push met other writers too often in a row; nothing was stored, the device retries."""

    status = 503
    code = "sync.busy"


class _Raced(Exception):
    """A row the push meant to insert was stored by another writer meanwhile: run again."""


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


# --- step 1: load ------------------------------------------------------------------------------


@dataclass
class _Record:
    """One pushed record: what it loaded to, and its result once decided."""

    kind: str
    result: dict
    data: dict | None = None
    digest: str = ""

    @property
    def id(self) -> uuid.UUID:
        return self.data["id"]


def _load(kind: str, raw: Any) -> _Record:
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    result = {"id": raw_id if isinstance(raw_id, str) else None, "kind": kind}
    try:
        data = _LOADERS[kind].load(raw)
    except ValidationError as exc:
        result.update(status="rejected", code="sync.invalid", errors=exc.messages)
        return _Record(kind, result)
    result["id"] = str(data["id"])
    if kind == "inspection" and not data.get("signatures", True):
        del data["signatures"]  # [] says what no key says: the same content, the same hash
    return _Record(kind, result, data, content_hash(data))


# --- step 3: know ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    """A checklist version's items by id (versions are immutable, so this is cached by hash)."""

    checklist_id: str
    version: int
    items: dict[str, dict]


_ITEMS_BY_SHA: dict[str, dict[str, dict]] = {}
_RECORD_TYPES_BY_SHA: dict[str, dict[str, dict]] = {}


def _items_of(sha256: str, definition: dict) -> dict[str, dict]:
    if sha256 not in _ITEMS_BY_SHA:
        _ITEMS_BY_SHA[sha256] = {item["id"]: item for item in routed_items(definition)}
    return _ITEMS_BY_SHA[sha256]


def _ids(records: list[_Record], key: str = "id") -> set:
    return {r.data[key] for r in records if r.data is not None and r.data.get(key) is not None}


def _parent_ids(by_kind: dict[str, list[_Record]]) -> set[uuid.UUID]:
    """Return the inspections the push's findings and records name (stored or in the push)."""
    return _ids(by_kind["finding"], "inspection_id") | _ids(by_kind["record"], "inspection_id")


def _named_location_ids(by_kind: dict[str, list[_Record]]) -> set[int]:
    """Return the locations the push's inspections and records name themselves."""
    named = _ids(by_kind["inspection"], "location_id") | _ids(by_kind["record"], "location_id")
    return {location_id for location_id in named if isinstance(location_id, int)}


@dataclass
class _Known:
    """What the database holds that this push's records refer to, read in one query per table."""

    stored: dict[str, dict[uuid.UUID, tuple[str, int]]]  # kind → id → (hash, hospital)
    inspections: dict[uuid.UUID, Any]  # stored inspections the push's records name
    locations: dict[int, Location]
    versions: dict[tuple[str, int], _Version]
    answers: dict[tuple[uuid.UUID, str], list[tuple[uuid.UUID, uuid.UUID | None]]]
    slotted_photos: set[uuid.UUID]
    photo_hashes: dict[uuid.UUID, str]
    record_types: dict[str, tuple[ChecklistVersion, dict]] | None = None

    @classmethod
    def gather(cls, session: Session, by_kind: dict[str, list[_Record]]) -> _Known:
        stored = {}
        for kind, records in by_kind.items():
            ids = _ids(records)
            rows = session.execute(_stored_statement(kind), {"ids": ids}) if ids else []
            stored[kind] = {row_id: (digest, hospital) for row_id, digest, hospital in rows}
        parents = _parent_ids(by_kind)
        inspections = {}
        if parents:
            rows = session.execute(_parents_statement(), {"ids": parents})
            inspections = {row.id: row for row in rows}
        location_ids = _named_location_ids(by_kind) | {
            row.location_id for row in inspections.values()
        }
        locations = {}
        if location_ids:
            rows = session.scalars(_locations_statement(), {"ids": location_ids})
            locations = {location.id: location for location in rows}
        pairs = {
            (r.data["checklist_id"], r.data["checklist_version"]) for r in by_kind["inspection"]
        } | {(row.checklist_id, row.checklist_version) for row in inspections.values()}
        versions = _versions(session, pairs)
        answers: dict = {}
        answered = _ids(by_kind["finding"], "inspection_id")
        if answered:
            rows = session.execute(_answers_statement(), {"ids": answered})
            for finding_id, inspection_id, item_id, supersedes_id in rows:
                answers.setdefault((inspection_id, item_id), []).append((finding_id, supersedes_id))
        photo_ids = {
            photo["id"] for r in by_kind["finding"] if r.data for photo in r.data["photos"]
        }
        photo_ids |= {
            signature["photo_id"]
            for r in by_kind["inspection"]
            for signature in r.data.get("signatures", [])
        }
        photo_ids |= {
            photo_id for r in by_kind["record"] for photo_id in signed_photo_ids(r.data["fields_"])
        }
        slotted, hashes = set(), {}
        if photo_ids:
            slotted = set(session.scalars(_slotted_statement(), {"ids": photo_ids}))
            hashes = dict(session.execute(_hashes_statement(), {"ids": photo_ids}).all())
        return cls(stored, inspections, locations, versions, answers, slotted, hashes)


# The push's look-ups, each built once (bulk.among_parameter says why); the ids go in as "ids".


@functools.cache
def _stored_statement(kind: str) -> Select:
    model = _MODELS[kind]
    return select(model.id, model.content_sha256, model.hospital_id).where(
        bulk.among_parameter(model.id, "ids")
    )


@functools.cache
def _parents_statement() -> Select:
    return select(
        Inspection.id,
        Inspection.hospital_id,
        Inspection.location_id,
        Inspection.checklist_id,
        Inspection.checklist_version,
        Inspection.inspector_id,
    ).where(bulk.among_parameter(Inspection.id, "ids"))


@functools.cache
def _locations_statement() -> Select:
    return (
        select(Location)
        .where(bulk.among_parameter(Location.id, "ids"))
        .options(joinedload(Location.hospital))
    )


@functools.cache
def _answers_statement() -> Select:
    return select(Finding.id, Finding.inspection_id, Finding.item_id, Finding.supersedes_id).where(
        bulk.among_parameter(Finding.inspection_id, "ids")
    )


@functools.cache
def _slotted_statement() -> Select:
    return select(PhotoSlot.photo_id).where(bulk.among_parameter(PhotoSlot.photo_id, "ids"))


@functools.cache
def _hashes_statement() -> Select:
    return select(Photo.id, Photo.sha256).where(bulk.among_parameter(Photo.id, "ids"))


def signed_photo_ids(fields: dict) -> set[uuid.UUID]:
    """Return the signature image ids a record's raw fields name (checked later, field by field)."""
    found = set()
    for value in fields.values():
        if isinstance(value, dict) and isinstance(value.get("photo_id"), str):
            try:
                found.add(uuid.UUID(value["photo_id"]))
            except ValueError:
                continue
    return found


def _versions(session: Session, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], _Version]:
    pairs = {(c, v) for c, v in pairs if isinstance(c, str) and isinstance(v, int)}
    if not pairs:
        return {}
    rows = session.execute(
        select(
            ChecklistVersion.checklist_id, ChecklistVersion.version, ChecklistVersion.sha256
        ).where(
            or_(
                *(
                    and_(ChecklistVersion.checklist_id == c, ChecklistVersion.version == v)
                    for c, v in pairs
                )
            )
        )
    ).all()
    missing = {sha for _, _, sha in rows if sha not in _ITEMS_BY_SHA}
    if missing:
        for sha, definition in session.execute(
            select(ChecklistVersion.sha256, ChecklistVersion.definition).where(
                ChecklistVersion.sha256.in_(missing)
            )
        ):
            _items_of(sha, definition)
    return {(c, v): _Version(c, v, _ITEMS_BY_SHA[sha]) for c, v, sha in rows}


# --- step 4: decide ----------------------------------------------------------------------------


@dataclass
class _Batch:
    """One push being decided: what is known, and what the records before this one did."""

    session: Session
    user: User
    device_id: str
    now: datetime
    known: _Known
    outcome: dict[uuid.UUID, str] = field(default_factory=dict)
    new_inspections: dict[uuid.UUID, dict] = field(default_factory=dict)
    new_rows: dict[str, list[dict]] = field(
        default_factory=lambda: {"inspection": [], "finding": [], "record": [], "slot": []}
    )
    digests: dict[str, dict[uuid.UUID, str]] = field(
        default_factory=lambda: {"inspection": {}, "finding": {}, "record": {}}
    )
    photos_taken: set[uuid.UUID] = field(default_factory=set)
    effects: list[tuple[str, dict, Any]] = field(default_factory=list)

    # The user's scope and role, asked once per push rather than once per record (each asking
    # rebuilt the user's sorted hospitals or roles: 5% of a push once).
    @functools.cached_property
    def hospital_ids(self) -> frozenset[int]:
        return frozenset(visible_hospital_ids(self.user))

    @functools.cached_property
    def inspects(self) -> bool:
        return may_record(self.user)

    def in_scope(self, hospital_id: int) -> bool:
        return hospital_id in self.hospital_ids

    def settled(self, record: _Record) -> str | None:
        """Return duplicate/conflict if the record's id is stored already (or earlier here)."""
        if (here := self.digests[record.kind].get(record.id)) is not None:
            return "duplicate" if here == record.digest else "conflict"
        if (found := self.known.stored[record.kind].get(record.id)) is None:
            return None
        digest, hospital_id = found
        if not self.in_scope(hospital_id):
            return "conflict"  # another hospital's id: say nothing of its content
        return "duplicate" if digest == record.digest else "conflict"

    def location(self, location_id: int) -> Location:
        location = self.known.locations.get(location_id)
        if location is None or not self.in_scope(location.hospital_id):
            raise Rejected(
                "Unknown location.",
                code="sync.unknown_location",
                errors={"location_id": ["No such location in your hospitals."]},
            )
        return location

    def parent(self, inspection_id: uuid.UUID) -> Any:
        """Return the inspection a finding or record belongs to (stored or new in this push)."""
        if self.outcome.get(inspection_id) in ("rejected", "conflict"):
            raise Rejected(
                "The inspection was not stored.",
                code="sync.parent_rejected",
                errors={"inspection_id": ["Its inspection was rejected."]},
            )
        inspection = self.new_inspections.get(inspection_id)
        if inspection is None and (row := self.known.inspections.get(inspection_id)):
            inspection = row._asdict()
        if inspection is None or not self.in_scope(inspection["hospital_id"]):
            raise Rejected(
                "Unknown inspection.",
                code="sync.unknown_inspection",
                errors={"inspection_id": ["Push the inspection first."]},
            )
        if not may_add_to_inspection(self.user, inspection["inspector_id"]):
            raise Rejected(
                "Not your inspection.",
                code="sync.forbidden",
                errors={"inspection_id": ["Recorded by another inspector."]},
            )
        return inspection

    def created(self, record: _Record, row: dict) -> None:
        self.new_rows[record.kind].append(row)
        self.digests[record.kind][record.id] = record.digest

    def slot(self, ref: dict, hospital_id: int, position: int, **owner: uuid.UUID | None) -> None:
        """Expect the photo ``ref`` names (``photo_id``, ``sha256``, ``bytes``) for one owner.

        ``owner`` names it (``finding_id=`` …) and, for a marked-up copy, its ``original_id``.
        """
        self.photos_taken.add(ref["photo_id"])
        row = dict.fromkeys(
            ("finding_id", "submission_id", "inspection_id", "record_id", "original_id")
        )
        self.new_rows["slot"].append(
            {
                **row,
                **owner,
                "photo_id": ref["photo_id"],
                "hospital_id": hospital_id,
                "sha256": ref["sha256"].lower(),
                "bytes": ref["bytes"],
                "position": position,
            }
        )


def _require_inspector(batch: _Batch, field: str) -> None:
    """Reject an inspection or finding from someone who only keeps logs (a recorder)."""
    if not batch.inspects:
        raise Rejected(
            "Your role keeps logs; it does not inspect.",
            code="sync.records_only",
            errors={field: ["Your role may not record inspections."]},
        )


def _decide_inspection(batch: _Batch, record: _Record) -> str:
    data = record.data
    _require_inspector(batch, "id")
    version = batch.known.versions.get((data["checklist_id"], data["checklist_version"]))
    if version is None:
        raise Rejected(
            "Unknown checklist version.",
            code="sync.unknown_checklist",
            errors={"checklist_version": ["No such checklist version."]},
        )
    location = batch.location(data["location_id"])
    if data["finished_at"] and data["finished_at"] < data["started_at"]:
        raise Rejected(
            "Finished before it started.", errors={"finished_at": ["Before started_at."]}
        )
    signatures = data.get("signatures", [])
    roles = [signature["role"] for signature in signatures]
    if len(roles) != len(set(roles)):
        raise Rejected("Repeated signature.", errors={"signatures": ["One signature per role."]})
    refs = [{"id": s["photo_id"], "sha256": s["sha256"]} for s in signatures]
    _check_photo_refs(batch, refs, "signatures")
    row = {
        **data,
        "signatures": [
            {
                "role": s["role"],
                "name": s["name"],
                "photo_id": str(s["photo_id"]),
                "signed_at": isoformat(s["signed_at"]),
            }
            for s in signatures
        ]
        or None,
        "hospital_id": location.hospital_id,
        "inspector_id": batch.user.id,
        "device_id": batch.device_id,
        "content_sha256": record.digest,
        "received_at": batch.now,
    }
    batch.created(record, row)
    batch.new_inspections[data["id"]] = row
    for position, signature in enumerate(signatures):
        batch.slot(signature, location.hospital_id, position, inspection_id=data["id"])
    return "created"


def _check_supersedes(batch: _Batch, data: dict, inspection_id: uuid.UUID) -> None:
    """Without ``supersedes_id`` an item is answered once; with it, it names the live answer."""
    answers = batch.known.answers.get((inspection_id, data["item_id"]), [])
    superseded = {supersedes for _, supersedes in answers}
    live = [finding_id for finding_id, _ in answers if finding_id not in superseded]
    if data["supersedes_id"] is None:
        if live:
            raise Rejected(
                "Item already answered.",
                code="sync.duplicate_item",
                errors={"item_id": ["Already answered; send a correction with supersedes_id."]},
            )
    elif data["supersedes_id"] not in live:
        raise Rejected(
            "Nothing to correct.",
            code="sync.invalid_supersedes",
            errors={"supersedes_id": ["Not the current answer to this item in this inspection."]},
        )


MAX_PHOTOS = 10  # photos of one finding, not counting their marked-up copies


def _check_originals(photos: list[dict]) -> None:
    """Check that each marked-up copy names an unmarked photo of this finding, marked once."""
    originals = {photo["id"] for photo in photos if "original_id" not in photo}
    if len(originals) > MAX_PHOTOS:
        raise Rejected(
            "Too many photos.", errors={"photos": [f"At most {MAX_PHOTOS} photos and their marks."]}
        )
    marked: set[uuid.UUID] = set()
    for index, photo in enumerate(photos):
        original = photo.get("original_id")
        if original is None:
            continue
        if original == photo["id"]:
            problem = "A photo cannot be its own original."
        elif original not in originals:
            problem = "Not an unmarked photo of this finding."
        elif original in marked:
            problem = "This original has another marked copy here."
        else:
            marked.add(original)
            continue
        raise Rejected(
            "Invalid original.",
            code="sync.invalid_original",
            errors={"photos": {index: {"original_id": [problem]}}},
        )


def _check_photo_refs(batch: _Batch, photos: list[dict], field: str = "photos") -> None:
    """Reject photo ids named twice, or already claimed by something else or for other bytes."""
    ids = [photo["id"] for photo in photos]
    if len(ids) != len(set(ids)):
        raise Rejected("Repeated photo.", errors={field: ["Each photo id once."]})
    for photo in photos:
        stored = batch.known.photo_hashes.get(photo["id"])
        if (
            photo["id"] in batch.known.slotted_photos
            or photo["id"] in batch.photos_taken
            or (stored is not None and stored != photo["sha256"].lower())
        ):
            raise Rejected(
                "Photo id in use.",
                code="sync.photo_conflict",
                errors={field: [f"Photo {photo['id']} belongs to something else."]},
            )


def _problem(
    location: Location, checklist_id: str, item_id: str, text: dict, spec: dict, found_at
) -> tasks.Problem:
    """Describe what failed; ``responsible: location`` leaves ``department_code`` None.

    The ledger routes a code to that department of the hospital, None to the place's owner.
    """
    responsible = responsible_of(spec)
    return tasks.Problem(
        hospital_id=location.hospital_id,
        location=location,
        checklist_id=checklist_id,
        item_id=item_id,
        text_zh=text["zh-CN"],
        text_en=text["en"],
        department_code=None if responsible == RESPONSIBLE_LOCATION else responsible,
        severity=spec["severity"],
        points=spec["points"],
        rectification_days=deadline_days(spec),
        found_at=found_at,
    )


def _decide_finding(batch: _Batch, record: _Record) -> str:
    data = record.data
    _require_inspector(batch, "inspection_id")
    inspection = batch.parent(data["inspection_id"])
    version = batch.known.versions.get(
        (inspection["checklist_id"], inspection["checklist_version"])
    )
    item = version.items.get(data["item_id"]) if version else None
    if item is None:
        raise Rejected(
            "Unknown item.",
            code="sync.unknown_item",
            errors={"item_id": ["Not an item of the inspection's checklist version."]},
        )
    _check_supersedes(batch, data, inspection["id"])
    _check_photo_refs(batch, data["photos"])
    _check_originals(data["photos"])
    verdict = judge_finding(item, data["result"], data["value"], len(data["photos"]))
    row = {
        "id": data["id"],
        "inspection_id": inspection["id"],
        "hospital_id": inspection["hospital_id"],
        "location_id": inspection["location_id"],
        "checklist_id": inspection["checklist_id"],
        "checklist_version": inspection["checklist_version"],
        "item_id": item["id"],
        "result": data["result"],
        "verdict": verdict.verdict,
        "value": verdict.value,
        "severity": item["severity"],
        "points": item["points"],
        "note": data["note"],
        "supersedes_id": data["supersedes_id"],
        "recorded_at": data["recorded_at"],
        "recorded_by_id": batch.user.id,
        "content_sha256": record.digest,
        "received_at": batch.now,
    }
    batch.created(record, row)
    for position, photo in enumerate(data["photos"]):
        ref = {"photo_id": photo["id"], "sha256": photo["sha256"], "bytes": photo["bytes"]}
        batch.slot(
            ref,
            inspection["hospital_id"],
            position,
            finding_id=data["id"],
            original_id=photo.get("original_id"),
        )
    batch.known.answers.setdefault((inspection["id"], item["id"]), []).append(
        (data["id"], data["supersedes_id"])
    )
    batch.effects.append(("finding", row, item))
    return "created"


def _record_type(batch: _Batch, record_type: str) -> tuple[ChecklistVersion, dict] | None:
    """Return the current checklist version defining ``record_type`` and the definition."""
    if batch.known.record_types is None:
        batch.known.record_types = {
            spec["id"]: (version, spec)
            for version in current_versions(batch.session)
            for spec in version.definition.get("record_types", [])
        }
    return batch.known.record_types.get(record_type)


def _decide_record(batch: _Batch, record: _Record) -> str:
    data = record.data
    if data["inspection_id"] is not None:
        batch.parent(data["inspection_id"])
    location = batch.location(data["location_id"])
    if not may_keep_records_at(batch.user, location.department_id):
        raise Rejected(
            "Not a place of your department.",
            code="sync.outside_department",
            errors={"location_id": ["You keep the logs of your own department's places only."]},
        )
    found = _record_type(batch, data["record_type"])
    if found is None:
        raise Rejected(
            "Unknown record type.",
            code="sync.unknown_record_type",
            errors={"record_type": ["No checklist defines this record type."]},
        )
    version, spec = found
    values, broken = check_record(spec, data["fields_"], rule_context(location.hospital.settings))
    signed = signature_images(spec, values)
    for name, ref in signed:
        _check_photo_refs(batch, [{"id": ref["photo_id"], "sha256": ref["sha256"]}], name)
    if len({ref["photo_id"] for _, ref in signed}) != len(signed):
        raise Rejected("Repeated photo.", errors={signed[-1][0]: ["Each photo id once."]})
    row = {
        "id": data["id"],
        "inspection_id": data["inspection_id"],
        "hospital_id": location.hospital_id,
        "location_id": location.id,
        "record_type": spec["id"],
        "checklist_id": version.checklist_id,
        "checklist_version": version.version,
        "fields": values,
        "verdict": "fail" if broken else "pass",
        "failed_rules": broken,
        "recorded_at": data["recorded_at"],
        "recorded_by_id": batch.user.id,
        "device_id": batch.device_id,
        "content_sha256": record.digest,
        "received_at": batch.now,
    }
    batch.created(record, row)
    for position, (_, ref) in enumerate(signed):
        image = {**ref, "photo_id": uuid.UUID(ref["photo_id"])}
        batch.slot(image, location.hospital_id, position, record_id=data["id"])
    batch.effects.append(("record", row, (version, spec)))
    return "created"


_DECIDE = {"inspection": _decide_inspection, "finding": _decide_finding, "record": _decide_record}


def _decide(batch: _Batch, record: _Record) -> None:
    """Give the record its result; a record to store is added to ``batch.new_rows``."""
    try:
        status = batch.settled(record) or _DECIDE[record.kind](batch, record)
    except Rejected as exc:
        batch.outcome[record.id] = "rejected"
        record.result.update(status="rejected", code=exc.code, errors=exc.errors or {})
        return
    batch.outcome[record.id] = status
    code = "sync.conflict" if status == "conflict" else None
    record.result.update(status=status, code=code, errors={})


# --- step 4: write -----------------------------------------------------------------------------


def _insert_new(session: Session, table: Table, key: str, rows: list[dict]) -> None:
    """Insert rows in key order (one order for every writer); raise ``_Raced`` if one was taken."""
    if len(bulk.insert_new(session, table, [key], rows, [key])) != len(rows):
        raise _Raced(table.name)


def _apply_effects(batch: _Batch) -> None:
    """Open, join, correct and re-check tasks, in push order, through one ledger."""
    if not batch.effects:
        return
    ledger = tasks.TaskLedger(batch.session, batch.user, batch.now)
    keys, corrected = set(), set()
    for kind, row, _ in batch.effects:
        if kind == "finding":
            keys.add((row["hospital_id"], row["location_id"], row["item_id"]))
            if row["supersedes_id"] is not None:
                corrected.add(row["supersedes_id"])
        else:
            for failure in row["failed_rules"]:
                keys.add(
                    (
                        row["hospital_id"],
                        row["location_id"],
                        f"{row['record_type']}.{failure['id']}",
                    )
                )
    with batch.session.no_autoflush:  # the ledger writes once, at the end
        ledger.load_open(keys)
        ledger.load_tasks_of_findings(corrected)
        for kind, row, spec in batch.effects:
            _apply_effect(ledger, batch, kind, row, spec)
    ledger.write()
    notifications.notify_ledger(batch.session, ledger, batch.user, batch.now)


def _apply_effect(ledger: tasks.TaskLedger, batch: _Batch, kind: str, row: dict, spec) -> None:
    """Tell the ledger what one stored finding or record does to tasks."""
    location = batch.known.locations[row["location_id"]]
    tz = location.hospital.timezone
    if kind == "record":
        _report_broken_rules(ledger, location, tz, row, *spec)
        return
    problem = None
    if row["verdict"] == "fail":
        problem = _problem(
            location, row["checklist_id"], spec["id"], spec["text"], spec, row["recorded_at"]
        )
    if row["supersedes_id"] is not None:
        ledger.correct_finding(
            row["supersedes_id"], row["id"], problem, tz, inspection_id=row["inspection_id"]
        )
    elif problem is not None:
        ledger.report_failure(problem, tz, finding_id=row["id"], inspection_id=row["inspection_id"])
    elif row["verdict"] == "pass":
        auto_close = bool(location.hospital.settings.get("auto_close_on_recheck"))
        ledger.record_recheck(row, auto_close)


def _report_broken_rules(
    ledger: tasks.TaskLedger, location: Location, tz: str, row: dict, version, record_spec: dict
) -> None:
    """Report each rule a stored record broke as a problem of its own."""
    rules = {rule["id"]: rule for rule in record_spec["rules"]}
    for failure in row["failed_rules"]:
        problem = tasks.record_rule_problem(
            location, version.checklist_id, record_spec, rules[failure["id"]], row["recorded_at"]
        )
        ledger.report_failure(problem, tz, record_id=row["id"], inspection_id=row["inspection_id"])


def _places_of(session: Session, by_kind: dict[str, list[_Record]]) -> set[tuple[int, int]]:
    """Return the ``(hospital, location)`` of every place the push may write at, in one query.

    Read before the locks, so it may miss an inspection that another push stores meanwhile;
    ``_apply`` then finds a place it has not locked and starts again.
    """
    named, parents = _named_location_ids(by_kind), _parent_ids(by_kind)
    if not named and not parents:
        return set()
    return set(session.execute(_places_statement(), {"named": named, "parents": parents}).all())


@functools.cache
def _places_statement() -> Select:
    stored = select(Inspection.location_id).where(bulk.among_parameter(Inspection.id, "parents"))
    return select(Location.hospital_id, Location.id).where(
        or_(bulk.among_parameter(Location.id, "named"), Location.id.in_(stored))
    )


def _apply(
    session: Session, user: User, device_id: str, records: list[_Record]
) -> dict[str, list[uuid.UUID]]:
    """Decide and write the push in the current transaction; return the ids now stored, by kind."""
    loaded = [r for r in records if r.data is not None]
    by_kind = {kind: [r for r in loaded if r.kind == kind] for kind, _ in KINDS}
    locked = None  # SQLite: the write lock, held since BEGIN IMMEDIATE, covers every place
    if locks.needed(session):
        places = _places_of(session, by_kind)
        locks.lock_places(session, places)
        locked = {location_id for _, location_id in places}
    known = _Known.gather(session, by_kind)
    if locked is not None and not known.locations.keys() <= locked:
        raise _Raced("places")  # an inspection stored since at a place not locked: lock it too
    batch = _Batch(session, user, device_id, utcnow(), known)
    for record in loaded:
        _decide(batch, record)
    _insert_new(session, Inspection.__table__, "id", batch.new_rows["inspection"])
    _insert_new(session, Finding.__table__, "id", batch.new_rows["finding"])
    _insert_new(session, RecordEntry.__table__, "id", batch.new_rows["record"])
    # After every owner: a slot names its finding, inspection or record entry.
    _insert_new(session, PhotoSlot.__table__, "photo_id", batch.new_rows["slot"])
    _apply_effects(batch)
    return {
        kind: [r.id for r in by_kind[kind] if r.result["status"] in ("created", "duplicate")]
        for kind, _ in KINDS
    }


def push(session: Session, user: User, payload: dict) -> dict:
    """Apply a device's push and commit it; return results, photos still missing, and tasks.

    The answer's photos and tasks are read after the commit, in a transaction of their own that
    takes no write lock: a push holds its places' locks (PostgreSQL) or the write lock
    (SQLite) only while it writes, and other pushes queue behind that (docs/sync.md).
    """
    if not may_push(user):
        raise Forbidden("Your role may not push records.", code="auth.forbidden")
    records = [_load(kind, raw) for kind, key in KINDS for raw in payload[key]]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            settled = _apply(session, user, payload["device_id"], records)
            session.commit()
            break
        except (_Raced, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not database_busy(exc):
                raise
            session.rollback()
            for record in records:  # decided again from what is stored now
                if record.data is not None:
                    record.result = {"id": record.result["id"], "kind": record.kind}
            if attempt == ATTEMPTS:
                raise SyncBusy("The server is busy; push again shortly.") from exc
    with sqlite_write_intent(writes=False):
        answer = {
            "results": [r.result for r in records],
            "missing_photos": _missing_photos(session, settled),
            "tasks": _tasks_for(session, settled["finding"], settled["record"]),
        }
        session.commit()  # ends the read, so what the caller writes next begins afresh
    return answer


_SLOT_OWNER = {
    "inspection": PhotoSlot.inspection_id,
    "finding": PhotoSlot.finding_id,
    "record": PhotoSlot.record_id,
}


def _missing_photos(session: Session, settled: dict[str, list[uuid.UUID]]) -> list[str]:
    """Return the photos (and signature images) the settled records name that have not arrived."""
    missing = []
    for kind in _SLOT_OWNER:
        if not settled[kind]:
            continue
        rows = session.scalars(_missing_statement(kind), {"ids": settled[kind]})
        missing += [str(photo_id) for photo_id in rows]
    return missing


@functools.cache
def _missing_statement(kind: str) -> Select:
    column = _SLOT_OWNER[kind]
    return (
        select(PhotoSlot.photo_id)
        .where(bulk.among_parameter(column, "ids"))
        .where(~select(Photo.id).where(Photo.id == PhotoSlot.photo_id).exists())
        .order_by(column, PhotoSlot.position)
    )


def _tasks_for(session: Session, finding_ids: list, record_ids: list) -> list[dict]:
    """Tasks the pushed findings and records opened or joined (replays included)."""
    answer = []
    for link, ids, key in (
        (task_findings, finding_ids, "finding_id"),
        (task_records, record_ids, "record_id"),
    ):
        if not ids:
            continue
        rows = session.execute(_tasks_statement(link, key), {"ids": ids})
        for task_id, source_id, due_at, status, occurrences, title_zh, title_en in rows:
            answer.append(
                {
                    "id": task_id,
                    key: str(source_id),
                    "due_at": isoformat(due_at),
                    "status": status,
                    "occurrences": occurrences,
                    "title": {"zh-CN": title_zh, "en": title_en},
                }
            )
    return answer


@functools.cache
def _tasks_statement(link: Table, key: str) -> Select:
    column = link.c[key]
    return (
        select(
            RectificationTask.id,
            column,
            RectificationTask.due_at,
            RectificationTask.status,
            RectificationTask.occurrences,
            RectificationTask.title_zh,
            RectificationTask.title_en,
        )
        .join(link, link.c.task_id == RectificationTask.id)
        .where(bulk.among_parameter(column, "ids"))
    )
