"""Exactly once, whatever the network does: a property of the set-based ingest.

A device records a story (inspections, answers with photos, corrections, record forms) and
delivers it the way a corridor's Wi-Fi lets it: cut into pushes at any points, each push sent
again when its answer was lost (also late, after later pushes), records repeated inside a push,
and edits of stored records from a second device. Whatever the delivery, the database must end as
if each unique record had been pushed once, alone, in the order it was recorded.

Each run uses its own hospital; ids are derived from the story's template ids per run, so the
reference and the delivery can be compared by template id.
"""

from __future__ import annotations

import copy
import hashlib
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.models import (
    Finding,
    Inspection,
    Location,
    PhotoSlot,
    RecordEntry,
    RectificationTask,
    TaskEvent,
    TaskSubmission,
    task_findings,
    task_records,
)
from server.services import sync
from tests import factories as f

PHOTO = {"sha256": hashlib.sha256(b"photo").hexdigest(), "bytes": 5}
DAY = "2026-11-2{}T{:02d}:{:02d}:00+08:00"

# --- the story a device records ---------------------------------------------------------------

answers = st.sampled_from(
    [
        ("floor.clean", "pass", None),
        ("floor.clean", "fail", None),  # needs a photo
        ("queue.minutes", "pass", 5),
        ("queue.minutes", "pass", 40),  # the server fails it
        ("toilet.odour", "pass", "none"),
        ("toilet.odour", "fail", "strong"),
        ("bed.cards", "fail", None),
    ]
)


@st.composite
def stories(draw) -> list[tuple[str, dict]]:
    """Return ``[(kind, template)]`` in the order a device recorded them."""
    story: list[tuple[str, dict]] = []
    for visit in range(draw(st.integers(1, 3))):
        day, place = draw(st.integers(3, 6)), draw(st.integers(0, 1))
        inspection = {
            "id": f"i{visit}",
            "place": place,
            "started_at": DAY.format(day, 9, 0),
        }
        story.append(("inspection", inspection))
        live: dict[str, str] = {}  # item → its current answer in this inspection
        for n, (item, result, value) in enumerate(draw(st.lists(answers, max_size=6))):
            finding = {
                "id": f"f{visit}.{n}",
                "inspection": inspection["id"],
                "item": item,
                "result": result,
                "value": value,
                "at": DAY.format(day, 9, 10 + n),
                "supersedes": live.get(item),
                "photo": f"p{visit}.{n}" if item == "floor.clean" and result == "fail" else None,
            }
            live[item] = finding["id"]
            story.append(("finding", finding))
        if draw(st.booleans()):
            signed = draw(st.booleans())
            story.append(
                (
                    "record",
                    {
                        "id": f"r{visit}",
                        "place": place,
                        "signed": signed,
                        "at": DAY.format(day, 10, 0),
                    },
                )
            )
    return story


# --- how the network delivers it ----------------------------------------------------------------


@st.composite
def deliveries(draw, story) -> list[list[tuple[str, dict]]]:
    """Cut the story into pushes and disturb them as a flaky network and a second device would."""
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(story) - 1)), max_size=len(story))))
    chunks = [story[a:b] for a, b in zip([0, *cuts], [*cuts, len(story)], strict=True) if a < b]
    schedule: list[tuple[int, list[tuple[str, dict]]]] = []
    for n, chunk in enumerate(chunks):
        chunk = list(chunk)
        if draw(st.booleans()):  # a record repeated inside the push
            chunk.append(draw(st.sampled_from(chunk)))
        schedule.append((10 * n, chunk))
        for _ in range(draw(st.integers(0, 2))):  # the answer was lost: sent again, now or later
            schedule.append((10 * n + draw(st.integers(1, 25)), list(chunk)))
    pushes = [chunk for _, chunk in sorted(schedule, key=lambda entry: entry[0])]
    for _ in range(draw(st.integers(0, 2))):  # a second device edits a stored record
        kind, template = draw(st.sampled_from(story))
        pushes.append([(kind, {**template, "edited": True})])
    return pushes


# --- turning templates into payloads of one run -------------------------------------------------


class Run:
    """One hospital, one inspector, and the story's ids made unique for this run."""

    def __init__(self, session) -> None:
        self.session = session
        self.hospital = f.hospital(session)
        self.places = [
            session.scalars(select(Location).where(Location.hospital_id == self.hospital.id)).one()
        ]
        self.places.append(f.location(session, self.hospital))
        self.user = f.user(session, self.hospital)
        session.commit()
        self.namespace = uuid.uuid4()
        self.templates: dict[uuid.UUID, str] = {}

    def id(self, template: str | None) -> str | None:
        if template is None:
            return None
        value = uuid.uuid5(self.namespace, template)
        self.templates[value] = template
        return str(value)

    def payload(self, kind: str, t: dict) -> dict:
        note = "edited" if t.get("edited") else ""
        if kind == "inspection":
            return f.inspection_payload(
                self.places[t["place"]].id,
                id=self.id(t["id"]),
                started_at=t["started_at"],
                finished_at=None,
                note=note,
            )
        if kind == "finding":
            photos = [{"id": self.id(t["photo"]), **PHOTO}] if t["photo"] else []
            return f.finding_payload(
                self.id(t["inspection"]),
                t["item"],
                t["result"],
                id=self.id(t["id"]),
                value=t["value"],
                note=note,
                photos=photos,
                recorded_at=t["at"],
                supersedes_id=self.id(t["supersedes"]),
            )
        fields = {"weight_kg": 4 if note else 3, "stored_at": t["at"], "handed_over_by": "王"}
        if t["signed"]:
            fields["received_by"] = "李"
        return f.record_payload(
            self.places[t["place"]].id, fields, id=self.id(t["id"]), recorded_at=t["at"]
        )

    def push(self, entries: list[tuple[str, dict]]) -> None:
        body = f.push_body(
            [self.payload(k, t) for k, t in entries if k == "inspection"],
            [self.payload(k, t) for k, t in entries if k == "finding"],
            [self.payload(k, t) for k, t in entries if k == "record"],
        )
        sync.push(self.session, self.user, copy.deepcopy(body))
        self.session.commit()

    def snapshot(self) -> dict:
        """What the hospital holds, by template id, without times or database ids."""
        s, h, name = self.session, self.hospital.id, self.templates.get
        place_index = {place.id: n for n, place in enumerate(self.places)}
        tasks = {}
        for task in s.scalars(select(RectificationTask).where(RectificationTask.hospital_id == h)):
            findings = s.scalars(
                select(task_findings.c.finding_id).where(task_findings.c.task_id == task.id)
            )
            records = s.scalars(
                select(task_records.c.record_id).where(task_records.c.task_id == task.id)
            )
            events = s.scalars(select(TaskEvent.action).where(TaskEvent.task_id == task.id))
            key = (place_index[task.location_id], task.item_id)
            tasks.setdefault(key, []).append(
                (
                    task.status,
                    task.occurrences,
                    task.due_at,
                    sorted(name(i) for i in findings),
                    sorted(name(i) for i in records),
                    sorted(events),
                )
            )
        return {
            "inspections": sorted(
                (name(i.id), i.note)
                for i in s.scalars(select(Inspection).where(Inspection.hospital_id == h))
            ),
            "findings": sorted(
                (name(x.id), x.verdict, x.note, name(x.supersedes_id))
                for x in s.scalars(select(Finding).where(Finding.hospital_id == h))
            ),
            "slots": sorted(
                (name(x.photo_id), name(x.finding_id))
                for x in s.scalars(select(PhotoSlot).where(PhotoSlot.hospital_id == h))
            ),
            "records": sorted(
                (name(x.id), x.verdict, sorted(rule["id"] for rule in x.failed_rules))
                for x in s.scalars(select(RecordEntry).where(RecordEntry.hospital_id == h))
            ),
            "tasks": {key: sorted(rows) for key, rows in tasks.items()},
            "rechecks": sorted(
                name(x.finding_id)
                for x in s.scalars(
                    select(TaskSubmission)
                    .join(RectificationTask)
                    .where(RectificationTask.hospital_id == h, TaskSubmission.kind == "recheck")
                )
            ),
        }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), story=stories())
def test_any_delivery_stores_each_record_once(session, walk_checklist, data, story):
    reference = Run(session)
    for entry in story:
        reference.push([entry])
    delivered = Run(session)
    for entries in data.draw(deliveries(story)):
        delivered.push(entries)
    assert delivered.snapshot() == reference.snapshot()
