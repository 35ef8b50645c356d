"""The exactly-once audit: what a fleet of devices sent and saw, against what the database holds.

Run after the server has stopped. Every distinct record the devices sent is valid, so a correct
server ends with each stored once with the content sent; every photo a stored finding names
uploaded (its files in the photo folder); every failing finding linked to exactly one task of its
problem (location and item); each task created once, counting as occurrences exactly the failing
findings linked to it, with no more ``occurrence_added`` events than repeats; at most one open
task per problem; and no device told ``rejected`` about a record that is stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.support.fleet import Fleet, Ledger


@dataclass
class Audit:
    """Figures worth printing, and every violation found, by category (empty: exactly once).

    Categories: ``records`` (records and photos stored once, with what was sent), ``tasks``
    (failures counted once, in their problem's task) and ``answers`` (what the devices were told).
    """

    figures: dict[str, int] = field(default_factory=dict)
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def problems(self) -> list[str]:
        return [problem for problems in self.found.values() for problem in problems]

    def check(self, category: str, name: str, offenders: list, describe: str) -> None:
        """Count ``offenders`` under ``name``; any is a problem, shown with a few examples."""
        self.figures[name] = len(offenders)
        if offenders:
            examples = sorted(map(str, offenders))[:3]
            self.found[category].append(f"{len(offenders)} {describe}, e.g. {examples}")


def audit(database_url: str, photo_dir: Path, fleet: Fleet, ledger: Ledger) -> Audit:
    """Compare the database with the fleet's plan and the answers its devices got."""
    from server.models import Finding, Inspection, Photo, PhotoSlot, RectificationTask, TaskEvent
    from server.models.task import OPEN_STATUSES, task_findings
    from server.storage import LocalPhotoStorage

    result = Audit()
    inspections = fleet.expected_inspections()
    findings = fleet.expected_findings()
    photos = fleet.expected_photos()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            stored_inspections = {
                str(i): loc
                for i, loc in db.execute(sa.select(Inspection.id, Inspection.location_id))
            }
            stored_findings = {
                str(row.id): row
                for row in db.execute(
                    sa.select(
                        Finding.id,
                        Finding.inspection_id,
                        Finding.item_id,
                        Finding.result,
                        Finding.verdict,
                        Finding.location_id,
                        Finding.hospital_id,
                    )
                )
            }
            slots = {
                str(row.photo_id): row
                for row in db.execute(
                    sa.select(PhotoSlot.photo_id, PhotoSlot.finding_id, PhotoSlot.sha256)
                )
            }
            stored_photos = {
                str(row.id): row
                for row in db.execute(
                    sa.select(Photo.id, Photo.sha256, Photo.image_key, Photo.thumb_key)
                )
            }
            tasks = {row.id: row for row in db.execute(sa.select(RectificationTask))}
            links = [(t, str(f)) for t, f in db.execute(sa.select(task_findings))]
            events = Counter(
                (task_id, action)
                for task_id, action in db.execute(sa.select(TaskEvent.task_id, TaskEvent.action))
            )
    finally:
        engine.dispose()

    # Records: each distinct one stored once, with the content sent; nothing else stored.
    result.figures["inspections sent"] = len(inspections)
    result.figures["findings sent"] = len(findings)
    result.check(
        "records",
        "inspections missing",
        sorted(set(inspections) - set(stored_inspections)),
        "inspections lost",
    )
    result.check(
        "records", "findings missing", sorted(set(findings) - set(stored_findings)), "findings lost"
    )
    result.check(
        "records",
        "records stored but never sent",
        sorted((set(stored_inspections) | set(stored_findings)) - set(inspections) - set(findings)),
        "records stored that no device sent",
    )
    result.check(
        "records",
        "findings stored with other content",
        [
            fid
            for fid, sent in findings.items()
            if fid in stored_findings
            and (
                str(stored_findings[fid].inspection_id),
                stored_findings[fid].item_id,
                stored_findings[fid].result,
            )
            != (sent["inspection_id"], sent["item_id"], sent["result"])
        ],
        "findings stored with other content than sent",
    )

    # Photos: every photo of a stored finding has its slot and its uploaded bytes.
    storage = LocalPhotoStorage(photo_dir)
    named = {
        ref["id"]: (fid, ref["sha256"])
        for fid, sent in findings.items()
        if fid in stored_findings
        for ref in sent["photos"]
    }
    result.figures["photos named"] = len(named)
    result.check(
        "records",
        "photo slots missing",
        [
            pid
            for pid, (fid, sha) in named.items()
            if pid not in slots or str(slots[pid].finding_id) != fid or slots[pid].sha256 != sha
        ],
        "photos without their finding's slot",
    )
    result.check(
        "records",
        "photos not uploaded",
        [
            pid
            for pid, (_fid, sha) in named.items()
            if getattr(stored_photos.get(pid), "sha256", None) != sha
        ],
        "photos of stored findings not uploaded (or other bytes)",
    )
    result.check(
        "records",
        "photo files missing",
        [
            pid
            for pid, row in stored_photos.items()
            if not (storage.exists(row.image_key) and storage.exists(row.thumb_key))
        ],
        "photos whose files are missing",
    )
    result.check(
        "records",
        "photos stored but never sent",
        sorted(set(stored_photos) - set(photos)),
        "unknown photos",
    )

    # Tasks: each failing finding in one task of its problem; occurrences = failures linked.
    failing = {fid: row for fid, row in stored_findings.items() if row.verdict == "fail"}
    linked_to = defaultdict(list)
    for task_id, fid in links:
        linked_to[fid].append(task_id)
    result.figures["failing findings"] = len(failing)
    result.figures["tasks"] = len(tasks)
    result.check(
        "tasks",
        "failures without a task",
        [fid for fid in failing if not linked_to[fid]],
        "failures lost",
    )
    result.check(
        "tasks",
        "failures in several tasks",
        [fid for fid in failing if len(linked_to[fid]) > 1],
        "failures counted in more than one task",
    )
    result.check(
        "tasks",
        "failures in another problem's task",
        [
            fid
            for fid in failing
            for task_id in linked_to[fid]
            if (tasks[task_id].location_id, tasks[task_id].item_id)
            != (failing[fid].location_id, failing[fid].item_id)
        ],
        "failures linked to a task of another problem",
    )
    failures_of = Counter(task_id for task_id, fid in links if fid in failing)
    result.check(
        "tasks",
        "tasks counting wrong",
        [
            f"task {t.id}: {t.occurrences} occurrences, {failures_of[t.id]} failures"
            for t in tasks.values()
            if t.occurrences != failures_of[t.id]
        ],
        "tasks whose occurrences differ from the failures linked",
    )
    result.check(
        "tasks",
        "tasks with wrong history",
        [
            f"task {t.id}: {events[(t.id, 'created')]} created, "
            f"{events[(t.id, 'occurrence_added')]} repeats for {t.occurrences} occurrences"
            for t in tasks.values()
            # One event may record several repeats (one per push, say), never one repeat twice.
            if events[(t.id, "created")] != 1
            or events[(t.id, "occurrence_added")] > t.occurrences - 1
        ],
        "tasks created more than once or with more repeat events than repeats",
    )
    open_per_problem = Counter(
        (t.hospital_id, t.location_id, t.item_id)
        for t in tasks.values()
        if t.status in OPEN_STATUSES
    )
    result.check(
        "tasks",
        "problems with several open tasks",
        [problem for problem, n in open_per_problem.items() if n > 1],
        "problems with more than one open task",
    )

    # What the devices were told.
    stored = set(stored_inspections) | set(stored_findings)
    rejected = _codes(ledger, "rejected")
    result.check(
        "answers",
        "rejected but stored",
        [f"{rid} ({', '.join(sorted(codes))})" for rid, codes in rejected.items() if rid in stored],
        "records answered rejected although stored",
    )
    result.check(
        "answers",
        "rejected and lost",
        [
            f"{rid} ({', '.join(sorted(codes))})"
            for rid, codes in rejected.items()
            if rid not in stored
        ],
        "valid records rejected and not stored",
    )
    result.check(
        "answers",
        "conflicts",
        sorted(_codes(ledger, "conflict")),
        "conflicts for identical content",
    )
    created = Counter(
        rid for rid, answers in ledger.results.items() for s, _ in answers if s == "created"
    )
    result.check(
        "answers",
        "created twice",
        [rid for rid, n in created.items() if n > 1],
        "records answered created twice",
    )
    result.check(
        "answers",
        "photos created twice",
        [pid for pid, n in ledger.photo_created.items() if n > 1],
        "photos answered 201 twice",
    )
    result.check(
        "answers", "unanswered", ledger.unanswered, "pushes or uploads given up at the deadline"
    )
    result.check("answers", "unexpected answers", ledger.unexpected, "unexpected answers")
    return result


def _codes(ledger: Ledger, status: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for rid, answers in ledger.results.items():
        for answer_status, code in answers:
            if answer_status == status:
                found[rid].add(code or "")
    return found


def count_deadlocks(database_url: str) -> int:
    """Return PostgreSQL's count of deadlocks detected in this database (``pg_stat_database``).

    A backend reports its statistics when it exits, so read this after the server stopped.
    """
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            return db.scalar(
                sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            )
    finally:
        engine.dispose()


def deadlocks_in_log(log_path: Path, since: int = 0) -> list[str]:
    """Return the ``deadlock detected`` lines of a PostgreSQL log written after byte ``since``."""
    with open(log_path, "rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return [line for line in text.splitlines() if "deadlock detected" in line]
