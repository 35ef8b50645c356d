"""The printable report of one inspection: the same-day written feedback (当天书面反馈).

The department reads it the same day, often on a phone, so it puts first what must be fixed:
every failed item with its answer, note and photos. Passing items are only counted, per section
of the checklist version the inspection used; what the inspector wrote beside a non-failing item
(a note, a text answer, a photo, a corrected answer struck through) and the items left unchecked
are named in their section's row. A typical walk so fits one or two A4 pages. Photos are embedded
as ``data:`` URIs of their thumbnails so the page prints and archives as one file. Record forms
filled in during the inspection and the tasks its failures opened or joined close the report,
then the handwritten signatures of the inspector and the department's head (their images, names
and times), or blank lines to sign on paper.
An item that does not apply to the place's use (``applies_to``) and was not answered is counted as
not asked there, not as missed; a section whose every answered item is N/A is one 不适用 line.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.domain.photos import marked_first
from server.domain.uses import LOCATION_USES, applies
from server.errors import NotFound
from server.models import (
    ChecklistVersion,
    Department,
    Finding,
    Hospital,
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
from server.services.checklists import get_version
from server.services.exports import SEVERITY_WORDS, STATUS_WORDS, render
from server.services.permissions import may_see_inspection
from server.storage import PhotoStorage
from server.timeutil import as_utc, utcnow, zone

KIND_WORDS = {
    "self": ("自查", "Self-inspection"),
    "mutual": ("互查", "Mutual inspection"),
    "supervision": ("督导检查", "Supervision"),
    "unannounced": ("暗访", "Unannounced visit"),
}
# The staff's own logs shown with a visit: the week before it, at most this many.
KEPT_LOGS_WINDOW = timedelta(days=7)
KEPT_LOGS_LIMIT = 50
VERDICT_WORDS = {
    "pass": ("合格", "Pass"),
    "fail": ("不合格", "Fail"),
    "na": ("不适用", "N/A"),
    None: ("未检查", "Not checked"),
    "elsewhere": ("此处不查", "Not asked at this place"),
}


def _local(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return ""
    return as_utc(moment).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def _place_path(session: Session, location: Location) -> list[Location]:
    """Return the location and its parents, root first (a short walk up the tree)."""
    path, seen = [location], {location.id}
    while path[0].parent_id is not None and path[0].parent_id not in seen:
        parent = session.get(Location, path[0].parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        path.insert(0, parent)
    return path


def _thumbnails(
    session: Session, storage: PhotoStorage, finding_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict]:
    """Return {finding id: {"images": [{src, kind}], "missing": n}} for the findings' photos.

    ``kind`` is ``marked`` for a marked-up copy, ``original`` for the photo it was drawn on (shown
    right after it), None for any other photo.
    """
    photos: dict[uuid.UUID, dict] = {}
    rows = session.execute(
        select(PhotoSlot.finding_id, PhotoSlot.photo_id, PhotoSlot.original_id, Photo.thumb_key)
        .outerjoin(Photo, Photo.id == PhotoSlot.photo_id)
        .where(PhotoSlot.finding_id.in_(finding_ids))
        .order_by(PhotoSlot.finding_id, PhotoSlot.position)
    ).all()
    for finding_id, group in groupby(rows, key=lambda row: row.finding_id):
        entry = photos.setdefault(finding_id, {"images": [], "missing": 0})
        slots = list(group)
        originals = {slot.original_id for slot in slots if slot.original_id is not None}
        for slot in marked_first(slots):
            data = None
            if slot.thumb_key is not None:
                try:
                    data = storage.get(slot.thumb_key)
                except (OSError, ValueError):
                    data = None
            if data is None:
                entry["missing"] += 1
                continue
            kind = None
            if slot.original_id is not None:
                kind = "marked"
            elif slot.photo_id in originals:
                kind = "original"
            src = "data:image/jpeg;base64," + base64.b64encode(data).decode()
            entry["images"].append({"src": src, "kind": kind})
    return photos


def _value_text(item: dict, value: Any) -> dict | None:
    """Return the answer's value in words ({"zh-CN", "en"}), with its unit; None if no value."""
    if value is None or value == "":
        return None
    if item["type"] == "choice":
        for option in item.get("options", []):
            if option["id"] == value:
                return dict(option["label"])
    unit = item.get("unit") or {"zh-CN": "", "en": ""}
    if item["type"] in ("number", "count_missing"):
        return {"zh-CN": f"{value} {unit['zh-CN']}".strip(), "en": f"{value} {unit['en']}".strip()}
    return {"zh-CN": str(value), "en": ""}


def _answer(finding: Finding, item: dict, photos: dict, superseded: bool, tz: str) -> dict:
    return {
        "verdict": finding.verdict,
        "verdict_words": VERDICT_WORDS.get(finding.verdict, (finding.verdict, "")),
        "value": _value_text(item, finding.value),
        "note": finding.note,
        "recorded_at": _local(finding.recorded_at, tz),
        "superseded": superseded,
        "photos": photos.get(finding.id, {"images": [], "missing": 0}),
    }


def _items(
    definition: dict, findings: list[Finding], photos: dict, tz: str, use: str | None
) -> tuple[list, list]:
    """Return (sections with every item and its answers, answers to items not in the version)."""
    superseded = {f.supersedes_id for f in findings if f.supersedes_id}
    by_item: dict[str, list[Finding]] = {}
    for finding in findings:  # oldest first
        by_item.setdefault(finding.item_id, []).append(finding)
    sections, number = [], 0
    for section in definition.get("sections", []):
        items = []
        for item in section["items"]:
            number += 1
            answers = [
                _answer(f, item, photos, f.id in superseded, tz)
                for f in by_item.pop(item["id"], [])
            ]
            current = next((a for a in reversed(answers) if not a["superseded"]), None)
            asked = applies(section.get("applies_to"), use) and applies(item.get("applies_to"), use)
            verdict = current["verdict"] if current else (None if asked else "elsewhere")
            words = current["verdict_words"] if current else VERDICT_WORDS[verdict]
            items.append(
                {
                    "no": number,
                    "id": item["id"],
                    "type": item["type"],
                    "text": item["text"],
                    "severity": SEVERITY_WORDS[item["severity"]],
                    "points": item["points"],
                    "answers": answers,
                    "verdict": verdict,
                    "verdict_words": words,
                }
            )
        sections.append(_outline(section["title"], items))
    unknown = [
        {"id": item_id, "answers": [_answer(f, {"type": "text"}, photos, False, tz) for f in rest]}
        for item_id, rest in by_item.items()
    ]
    return sections, unknown


def _remarkable(item: dict) -> bool:
    """Whether a non-failing item carries words or pictures the reader should see."""
    return any(
        answer["superseded"]
        or answer["note"]
        or answer["photos"]["images"]
        or (answer["value"] and item["type"] == "text")
        for answer in item["answers"]
    )


def _outline(title: dict, items: list[dict]) -> dict:
    """Return a section as the report shows it: counts, failures, remarks and what was missed."""
    counts = {verdict: 0 for verdict in ("pass", "fail", "na", "unanswered", "elsewhere")}
    for item in items:
        counts[item["verdict"] or "unanswered"] += 1
    verdicts = {item["verdict"] for item in items} - {"elsewhere"}
    return {
        "title": title,
        "items": items,
        "counts": counts,
        "na": verdicts == {"na"},
        # Nothing of it is asked at this use of place: named on one line with the others.
        "elsewhere_only": counts["elsewhere"] == len(items),
        "failures": [item for item in items if item["verdict"] == "fail"],
        "remarks": [
            item for item in items if item["verdict"] in ("pass", "na") and _remarkable(item)
        ],
        "unanswered": [item for item in items if item["verdict"] is None],
    }


def _summary(sections: list[dict]) -> dict:
    items = [item for section in sections for item in section["items"]]
    counts = {verdict: 0 for verdict in ("pass", "fail", "na", None, "elsewhere")}
    for item in items:
        counts[item["verdict"]] = counts.get(item["verdict"], 0) + 1
    deducted = sum(item["points"] for item in items if item["verdict"] == "fail")
    return {
        "items": len(items) - counts["elsewhere"],
        "pass": counts["pass"],
        "fail": counts["fail"],
        "na": counts["na"],
        "unanswered": counts[None],
        "elsewhere": counts["elsewhere"],
        "na_sections": [section["title"] for section in sections if section["na"]],
        "deductions": round(float(deducted), 2),
    }


def _field_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):  # a signature: its printed name (the image is shown beside it)
        return value.get("name", "")
    return "" if value is None else value


def _photo_of(value: Any) -> str | None:
    """Return the signature image a field value names, if it is a drawn signature."""
    return value.get("photo_id") if isinstance(value, dict) else None


def _signature_images(
    session: Session, storage: PhotoStorage, photo_ids: list[str]
) -> dict[str, str]:
    """Return {photo id: data URI} of the signature images that have arrived."""
    images = {}
    ids = [uuid.UUID(photo_id) for photo_id in photo_ids]
    for photo_id, key in session.execute(
        select(Photo.id, Photo.image_key).where(Photo.id.in_(ids))
    ):
        try:
            data = storage.get(key)
        except (OSError, ValueError):
            continue
        images[str(photo_id)] = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    return images


def _signatures(
    session: Session, storage: PhotoStorage, inspection: Inspection, tz: str
) -> dict[str, dict]:
    """Return the feedback's signatures by role, each with its name, time and image (if here)."""
    signatures = inspection.signatures or []
    images = _signature_images(session, storage, [s["photo_id"] for s in signatures])
    return {
        s["role"]: {
            "name": s["name"],
            "signed_at": _local(datetime.fromisoformat(s["signed_at"]), tz),
            "image": images.get(s["photo_id"]),
        }
        for s in signatures
    }


def _form_of(session: Session, entry: RecordEntry) -> dict:
    """Return the record form an entry was kept on (its own version), or a stand-in."""
    version = session.scalars(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == entry.checklist_id,
            ChecklistVersion.version == entry.checklist_version,
        )
    ).first()
    return next(
        (
            r
            for r in (version.definition.get("record_types", []) if version else [])
            if r["id"] == entry.record_type
        ),
        {"title": {"zh-CN": entry.record_type, "en": entry.record_type}, "fields": [], "rules": []},
    )


def _records(
    session: Session, storage: PhotoStorage, inspection: Inspection, tz: str
) -> list[dict]:
    entries = list(
        session.scalars(
            select(RecordEntry)
            .where(RecordEntry.inspection_id == inspection.id)
            .order_by(RecordEntry.recorded_at)
        )
    )
    images = _signature_images(
        session,
        storage,
        [
            value["photo_id"]
            for entry in entries
            for value in entry.fields.values()
            if isinstance(value, dict) and "photo_id" in value
        ],
    )
    described = []
    for entry in entries:
        spec = _form_of(session, entry)
        labels = {f["id"]: f["label"] for f in spec["fields"]}
        order = {f["id"]: index for index, f in enumerate(spec["fields"])}
        rules = {r["id"]: r["text"] for r in spec.get("rules", [])}
        described.append(
            {
                "title": spec["title"],
                "recorded_at": _local(entry.recorded_at, tz),
                "verdict_words": VERDICT_WORDS.get(entry.verdict, (entry.verdict, "")),
                "verdict": entry.verdict,
                "fields": [
                    {
                        "label": labels.get(key, {"zh-CN": key, "en": key}),
                        "value": _field_text(entry.fields[key]),
                        "signature": images.get(_photo_of(entry.fields[key]), ""),
                    }
                    # In the form's order (PostgreSQL's JSONB does not keep key order).
                    for key in sorted(entry.fields, key=lambda k: (order.get(k, len(order)), k))
                ],
                "failed_rules": [
                    rules.get(rule.get("id"), {"zh-CN": str(rule.get("id")), "en": ""})
                    for rule in entry.failed_rules or []
                ],
            }
        )
    return described


def _first_inspection(session: Session, task_ids: list[int]) -> dict[int, uuid.UUID | None]:
    """Return the inspection of each task's earliest finding or record (what opened it)."""
    reports = [
        *session.execute(
            select(task_findings.c.task_id, Finding.recorded_at, Finding.inspection_id)
            .join(Finding, Finding.id == task_findings.c.finding_id)
            .where(task_findings.c.task_id.in_(task_ids))
        ),
        *session.execute(
            select(task_records.c.task_id, RecordEntry.recorded_at, RecordEntry.inspection_id)
            .join(RecordEntry, RecordEntry.id == task_records.c.record_id)
            .where(task_records.c.task_id.in_(task_ids))
        ),
    ]
    origin: dict[int, uuid.UUID | None] = {}
    for task_id, _recorded_at, inspection_id in sorted(reports, key=lambda r: as_utc(r[1])):
        origin.setdefault(task_id, inspection_id)
    return origin


def _tasks(session: Session, inspection: Inspection, tz: str) -> list[dict]:
    """Return the tasks the inspection's failures opened (新建) or added an occurrence to."""
    finding_ids = select(Finding.id).where(Finding.inspection_id == inspection.id)
    record_ids = select(RecordEntry.id).where(RecordEntry.inspection_id == inspection.id)
    linked = or_(
        RectificationTask.id.in_(
            select(task_findings.c.task_id).where(task_findings.c.finding_id.in_(finding_ids))
        ),
        RectificationTask.id.in_(
            select(task_records.c.task_id).where(task_records.c.record_id.in_(record_ids))
        ),
    )
    rows = session.execute(
        select(
            RectificationTask.id,
            RectificationTask.title_zh,
            RectificationTask.title_en,
            RectificationTask.status,
            RectificationTask.severity,
            RectificationTask.due_at,
            RectificationTask.occurrences,
            RectificationTask.created_at,
            Department.name_zh,
            Department.name_en,
        )
        .outerjoin(Department, Department.id == RectificationTask.department_id)
        .where(linked)
        .order_by(RectificationTask.due_at, RectificationTask.id)
    ).all()
    origin = _first_inspection(session, [row.id for row in rows])
    return [
        {
            "id": row.id,
            "title": {"zh-CN": row.title_zh, "en": row.title_en},
            "department": {"zh-CN": row.name_zh, "en": row.name_en} if row.name_zh else None,
            "severity": SEVERITY_WORDS.get(row.severity, (row.severity, "")),
            "due": _local(row.due_at, tz),
            "status": STATUS_WORDS.get(row.status, (row.status, "")),
            "occurrences": row.occurrences,
            "created_here": origin.get(row.id) == inspection.id,
        }
        for row in rows
    ]


def _kept_logs(session: Session, inspection: Inspection, tz: str) -> list[dict]:
    """Return the logs staff kept at the place in the week before the visit, newest first.

    What the inspector looks at on the spot (were the disinfection and chlorine logs kept?),
    printed with the same-day feedback so the department sees what was seen.
    """
    until = inspection.finished_at or inspection.started_at
    rows = session.execute(
        select(RecordEntry, User.display_name)
        .join(User, User.id == RecordEntry.recorded_by_id)
        .where(
            RecordEntry.location_id == inspection.location_id,
            RecordEntry.inspection_id.is_(None),
            RecordEntry.recorded_at >= until - KEPT_LOGS_WINDOW,
            RecordEntry.recorded_at <= until,
        )
        .order_by(RecordEntry.recorded_at.desc())
        .limit(KEPT_LOGS_LIMIT)
    )
    return [
        {
            "title": _form_of(session, entry)["title"],
            "recorded_at": _local(entry.recorded_at, tz),
            "recorded_by": name,
            "verdict": entry.verdict,
            "verdict_words": VERDICT_WORDS.get(entry.verdict, (entry.verdict, "")),
        }
        for entry, name in rows
    ]


def inspection_report(
    session: Session,
    user: User,
    inspection_id: uuid.UUID,
    storage: PhotoStorage,
    now: datetime | None = None,
) -> str:
    """Return the printable HTML report of an inspection the user may see (404 otherwise)."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or not may_see_inspection(user, inspection):
        raise NotFound("No such inspection.", code="inspection.not_found")
    hospital = session.get(Hospital, inspection.hospital_id)
    tz = hospital.timezone
    version = get_version(session, inspection.checklist_id, inspection.checklist_version)
    findings = list(
        session.scalars(
            select(Finding)
            .where(Finding.inspection_id == inspection.id)
            .order_by(Finding.recorded_at, Finding.received_at)
        )
    )
    photos = _thumbnails(session, storage, [f.id for f in findings])
    location = session.get(Location, inspection.location_id)
    sections, unknown = _items(version.definition, findings, photos, tz, location.use)
    records = _records(session, storage, inspection, tz)
    summary = _summary(sections)
    inspector = session.get(User, inspection.inspector_id)
    return render(
        "inspection_report.html",
        hospital=hospital,
        inspection=inspection,
        kind=KIND_WORDS.get(inspection.kind, (inspection.kind, inspection.kind)),
        checklist={
            "title": {"zh-CN": version.title_zh, "en": version.title_en},
            "version": version.version,
        },
        location=location,
        place_path=_place_path(session, location),
        department=session.get(Department, location.department_id)
        if location.department_id
        else None,
        inspector=inspector,
        started=_local(inspection.started_at, tz),
        finished=_local(inspection.finished_at, tz),
        timezone=tz,
        use=LOCATION_USES.get(location.use),
        sections=sections,
        failures=[
            {"section": section["title"], **item}
            for section in sections
            for item in section["failures"]
        ],
        unknown=unknown,
        summary=summary,
        # Nothing judged and no record form: the weekly coverage does not count it.
        counted=bool(summary["pass"] or summary["fail"] or records),
        records=records,
        kept_logs=_kept_logs(session, inspection, tz),
        signatures=_signatures(session, storage, inspection, tz),
        tasks=_tasks(session, inspection, tz),
        printed=_local(now or utcnow(), tz),
    )
