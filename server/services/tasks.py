"""Rectification tasks born from failures: deadlines, one open task per problem, history.

A failed finding or a record that breaks a rule reports a *problem*: an item (or record rule)
at a location. The first report opens a task with a responsible department and a deadline; a
repeat while the task is open adds an occurrence instead of a second task.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, false, func, select, text, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from server.models import (
    OPEN_STATUSES,
    Department,
    Finding,
    Location,
    RecordEntry,
    RectificationTask,
    TaskEvent,
    TaskSubmission,
    User,
    task_findings,
    task_records,
)
from server.schemas.checklist_definition import (
    RESPONSIBLE_LOCATION,
    deadline_days,
    responsible_of,
)
from server.services import bulk
from server.services.changes import record_changes
from server.services.permissions import (
    allowed,
    sees_all_tasks_of_hospital,
    visible_hospital_ids,
)
from server.services.users import users_with_role
from server.timeutil import end_of_local_day, local_date

# "End of the Nth local day", the day of the finding being day 1.
SEVERITY_DAYS = {"critical": 1, "major": 3, "minor": 7}


def due_at_for(found_at: datetime, severity: str, rectification_days: int | None, tz: str):
    """Return the deadline: the end of the Nth local day in ``tz`` (0 and 1: the same day)."""
    days = SEVERITY_DAYS[severity] if rectification_days is None else rectification_days
    last_day = local_date(found_at, tz) + timedelta(days=max(days, 1) - 1)
    return end_of_local_day(last_day, tz)


# --- who answers for a problem (docs/checklists.md, "Who answers for a failure") -------------

PlaceTree = dict[int, tuple[int | None, int | None]]  # place id → (parent id, department id)


def department_codes(session: Session, hospital_id: int) -> dict[str, int]:
    """Return {department code: id} of a hospital."""
    return dict(
        session.execute(
            select(Department.code, Department.id).where(Department.hospital_id == hospital_id)
        ).all()
    )


def place_tree(session: Session, hospital_id: int) -> PlaceTree:
    """Return the hospital's places as {id: (parent id, department id)}."""
    rows = session.execute(
        select(Location.id, Location.parent_id, Location.department_id).where(
            Location.hospital_id == hospital_id
        )
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def owner_in_tree(places: PlaceTree, place_id: int | None) -> int | None:
    """Return the department of the place, or of the nearest enclosing place that names one."""
    seen: set[int] = set()
    while place_id is not None and place_id not in seen:
        seen.add(place_id)
        place_id, department_id = places.get(place_id, (None, None))
        if department_id is not None:
            return department_id
    return None


def route(department_code: str | None, codes: dict[str, int], owner) -> int | None:
    """Return the department a problem goes to: its code's, else ``owner()`` (the place's).

    ``department_code`` is None for ``responsible: location``; a code the hospital lacks falls
    back to the place too. ``owner`` is called only when needed (it may read the place tree).
    """
    if department_code and department_code in codes:
        return codes[department_code]
    return owner()


@dataclass(frozen=True)
class Problem:
    """What failed, where, and what the checklist says about it."""

    hospital_id: int
    location: Location
    checklist_id: str
    item_id: str
    text_zh: str
    text_en: str
    department_code: str | None
    severity: str
    points: float
    rectification_days: int | None
    found_at: datetime


def record_rule_problem(
    location: Location, checklist_id: str, record_spec: dict, rule: dict, found_at: datetime
) -> Problem:
    """Describe a broken rule of a record form: titled by form and rule, routed like the form."""
    responsible = responsible_of(record_spec)
    return Problem(
        hospital_id=location.hospital_id,
        location=location,
        checklist_id=checklist_id,
        item_id=f"{record_spec['id']}.{rule['id']}",
        text_zh=f"{record_spec['title']['zh-CN']}：{rule['text']['zh-CN']}",
        text_en=f"{record_spec['title']['en']}: {rule['text']['en']}",
        department_code=None if responsible == RESPONSIBLE_LOCATION else responsible,
        severity=rule["severity"],
        points=rule["points"],
        rectification_days=deadline_days(rule),
        found_at=found_at,
    )


def task_event(
    session: Session,
    task: RectificationTask,
    actor: User | None,
    action: str,
    before: dict,
    after: dict,
    note: str = "",
) -> None:
    """Append one event (who, what, before → after) to the task's history."""
    session.add(
        TaskEvent(
            task_id=task.id,
            actor_id=actor.id if actor else None,
            action=action,
            before=before,
            after=after,
            note=note,
        )
    )


ProblemKey = tuple[int, int, str]  # (hospital, location, item): one open task each


def recheck_id(finding_id: uuid.UUID) -> uuid.UUID:
    """Return the id of the re-check a finding records: derived, so a replay records none."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"wardwalk:recheck:{finding_id}")


@dataclass(eq=False, slots=True)
class LedgerTask:
    """A task as the ledger reads and changes it: the columns it needs, as plain attributes.

    Read with one Core query and written with one statement per table: loading and flushing
    ORM objects was about a third of the ledger's time (docs/performance.md). ``id`` is None
    until ``TaskLedger.write`` stores a new task; ``version`` is the stored one after it.
    Compared by identity, as ORM objects are.
    """

    id: int | None
    version: int
    hospital_id: int
    location_id: int
    department_id: int | None
    assignee_id: int | None
    checklist_id: str
    item_id: str
    title_zh: str
    title_en: str
    severity: str
    points: float
    source: str
    status: str
    due_at: datetime
    occurrences: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


_LEDGER_COLUMNS = tuple(RectificationTask.__table__.c[name] for name in LedgerTask.__slots__)
# When a task's newest failure was recorded (re-checks compare with it), read with the task.
# Correlated to the task only: a query that also joins a link table must not correlate that.
_LATEST_FAILURES = (
    select(func.max(Finding.recorded_at))
    .join(task_findings, task_findings.c.finding_id == Finding.id)
    .where(task_findings.c.task_id == RectificationTask.id, Finding.verdict == "fail")
    .correlate(RectificationTask)
    .scalar_subquery(),
    select(func.max(RecordEntry.recorded_at))
    .join(task_records, task_records.c.record_id == RecordEntry.id)
    .where(task_records.c.task_id == RectificationTask.id)
    .correlate(RectificationTask)
    .scalar_subquery(),
)


@functools.cache
def _open_tasks_statement() -> Select:
    """Return the open tasks among hospitals × places × items, built once (every push asks)."""
    return select(*_LEDGER_COLUMNS, *_LATEST_FAILURES).where(
        bulk.among_parameter(RectificationTask.hospital_id, "hospitals"),
        bulk.among_parameter(RectificationTask.location_id, "locations"),
        bulk.among_parameter(RectificationTask.item_id, "items"),
        RectificationTask.status.in_(OPEN_STATUSES),
    )


def _new_task_ids(session: Session, count: int) -> list[int]:
    """Return ids for ``count`` new tasks, so they go in as one statement with their events.

    PostgreSQL hands them out from the table's sequence. On SQLite the writer holds the only
    write lock (a push or job began with it), and SQLite itself would number them max(id) + 1.
    """
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('rectification_tasks', 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        )
    last = session.scalar(select(func.max(RectificationTask.id))) or 0
    return list(range(last + 1, last + 1 + count))


class TaskLedger:
    """What a batch of failures, corrections and passes does to tasks, written in bulk.

    A push reports its effects one by one, in push order, exactly as if each record were applied
    alone: the first failure of a problem opens its task, each further one adds an occurrence, a
    correction withdraws or replaces one, a later pass re-checks. The ledger keeps the tasks in
    memory meanwhile (as ``LedgerTask``s, one per task) and ``write`` stores them with one
    statement per table (new tasks, changed tasks, events, links, re-checks, change log) instead
    of a round trip per record.

    The caller holds the locks of the places whose tasks it reads (``locks.lock_places``, or the
    hospital's with ``locks.lock_hospitals``): every writer of a task's problem takes one first,
    so the open tasks read here stay as read until commit. The scheduled jobs that mark tasks
    overdue or escalate them lock rows only, and change none of the columns written here.
    """

    def __init__(self, session: Session, actor: User | None, now: datetime) -> None:
        """``actor`` is who reported the batch; None for a scheduled job (no one re-checks)."""
        self.session, self.actor, self.now = session, actor, now
        self._open: dict[ProblemKey, LedgerTask | None] = {}
        self._by_id: dict[int, LedgerTask] = {}  # one LedgerTask per stored task
        self._task_of_finding: dict[uuid.UUID, LedgerTask] = {}
        self._latest_failure: dict[int, datetime] = {}
        self._departments: dict[int, dict[str, int]] = {}
        self._places: dict[int, dict[int, tuple[int | None, int | None]]] = {}
        self._events: list[tuple[LedgerTask, str, dict, dict, str]] = []
        self._finding_links: list[tuple[LedgerTask, uuid.UUID]] = []
        self._record_links: list[tuple[LedgerTask, uuid.UUID]] = []
        self._rechecks: list[tuple[LedgerTask, dict]] = []
        self._touched: dict[int, LedgerTask] = {}
        # After ``write``: the departments hear of the tasks opened, verifiers of the re-checks
        # (``notifications.notify_ledger``); each with the inspection whose failing answer opened
        # it or whose passing answer re-checked it (None for a problem found outside a visit).
        self.opened: list[tuple[LedgerTask, uuid.UUID | None]] = []
        self.rechecked: list[tuple[LedgerTask, uuid.UUID | None]] = []

    # --- what is known before the batch ------------------------------------------------------

    def load_open(self, keys: set[ProblemKey]) -> None:
        """Read the open tasks of these problems, in one query."""
        keys = keys - self._open.keys()
        if not keys:
            return
        rows = self.session.execute(
            _open_tasks_statement(),
            {
                "hospitals": {key[0] for key in keys},
                "locations": {key[1] for key in keys},
                "items": {key[2] for key in keys},
            },
        )
        found = {(t.hospital_id, t.location_id, t.item_id): t for t in map(self._held, rows)}
        for key in keys:
            self._open[key] = found.get(key)

    def load_tasks_of_findings(self, finding_ids: set[uuid.UUID]) -> None:
        """Read the open tasks that these (corrected) findings reported, in one query."""
        finding_ids = finding_ids - self._task_of_finding.keys()
        if not finding_ids:
            return
        rows = self.session.execute(
            select(task_findings.c.finding_id, *_LEDGER_COLUMNS, *_LATEST_FAILURES)
            .join(RectificationTask, RectificationTask.id == task_findings.c.task_id)
            .where(
                bulk.among(task_findings.c.finding_id, finding_ids),
                RectificationTask.status.in_(OPEN_STATUSES),
            )
        )
        for row in rows:
            task = self._held(row[1:])
            self._task_of_finding[row[0]] = task
            self._open[(task.hospital_id, task.location_id, task.item_id)] = task

    def _held(self, row) -> LedgerTask:
        """Return the ledger's task for a row read (the one already held, with its changes).

        ``row`` is the task's columns, then when its newest failed finding and record were
        recorded.
        """
        task = self._by_id.get(row[0])
        if task is None:
            *columns, finding_at, record_at = row
            task = self._by_id[row[0]] = LedgerTask(*columns)
            moments = [moment for moment in (finding_at, record_at) if moment is not None]
            self._latest_failure[id(task)] = max(moments, default=task.created_at)
        return task

    def open_task(self, key: ProblemKey) -> LedgerTask | None:
        """Return the open task of a problem as it stands in this batch."""
        if key not in self._open:
            self.load_open({key})
        return self._open[key]

    # --- effects, in the order the records came ---------------------------------------------

    def report_failure(
        self,
        problem: Problem,
        tz: str,
        *,
        finding_id: uuid.UUID | None = None,
        record_id: uuid.UUID | None = None,
        inspection_id: uuid.UUID | None = None,
        source: str | None = None,
    ) -> LedgerTask:
        """Open a task for the problem, or add an occurrence to its open task.

        ``inspection_id`` is the visit the failure was found on: a new task's notice links its
        written feedback. ``source`` says where a new task came from when no finding or record
        shows it (a log that was never kept is a ``record`` problem with no record to link).
        """
        key = (problem.hospital_id, problem.location.id, problem.item_id)
        task = self.open_task(key)
        if task is None:
            task = LedgerTask(
                id=None,
                version=1,
                hospital_id=problem.hospital_id,
                location_id=problem.location.id,
                department_id=self._department_id(problem),
                assignee_id=None,
                checklist_id=problem.checklist_id,
                item_id=problem.item_id,
                title_zh=f"{problem.location.name_zh}：{problem.text_zh}"[:300],
                title_en=f"{problem.location.name_en}: {problem.text_en}"[:300],
                severity=problem.severity,
                points=problem.points,
                source=source or ("record" if record_id is not None else "finding"),
                status="open",
                due_at=due_at_for(
                    problem.found_at, problem.severity, problem.rectification_days, tz
                ),
                occurrences=1,
                created_at=self.now,
                updated_at=self.now,
                closed_at=None,
            )
            self.opened.append((task, inspection_id))
            self._open[key] = task
            self._latest_failure[id(task)] = problem.found_at
            self._event(task, "created", {}, {"status": "open", "due_at": task.due_at.isoformat()})
        else:
            before = {"occurrences": task.occurrences, "status": task.status}
            task.occurrences += 1
            if task.status == "submitted":  # reported fixed, but it failed again: back to work
                task.status = "assigned" if task.assignee_id else "open"
            self._event(
                task,
                "occurrence_added",
                before,
                {"occurrences": task.occurrences, "status": task.status},
            )
        self._latest_failure[id(task)] = max(self._latest_failure_of(task), problem.found_at)
        if finding_id is not None:
            self._finding_links.append((task, finding_id))
            self._task_of_finding[finding_id] = task
        if record_id is not None:
            self._record_links.append((task, record_id))
        self._touch(task)
        return task

    def correct_finding(
        self,
        old_id: uuid.UUID,
        new_id: uuid.UUID,
        problem: Problem | None,
        tz: str,
        inspection_id: uuid.UUID | None = None,
    ) -> LedgerTask | None:
        """Apply a correction (``new`` supersedes ``old``) to the task ``old`` reported.

        A correction is not a new occurrence. If the corrected answer still fails, it joins the
        same task; if it no longer fails, the occurrence is withdrawn, and a task left with none
        is cancelled. ``inspection_id`` is the visit of the new answer, should it open a task.
        """
        if old_id not in self._task_of_finding:
            self.load_tasks_of_findings({old_id})
        task = self._task_of_finding.get(old_id)
        if task is not None and task.status not in OPEN_STATUSES:
            task = None
        if task is None:
            if problem is None:
                return None
            return self.report_failure(problem, tz, finding_id=new_id, inspection_id=inspection_id)
        if problem is not None:
            self._finding_links.append((task, new_id))
            self._task_of_finding[new_id] = task
            self._event(task, "corrected", {"finding": str(old_id)}, {"finding": str(new_id)})
        else:
            before = {"occurrences": task.occurrences, "status": task.status}
            task.occurrences -= 1
            if task.occurrences <= 0:
                task.status = "cancelled"
                task.closed_at = self.now
                key = (task.hospital_id, task.location_id, task.item_id)
                self._open[key] = None
            self._event(
                task,
                "corrected",
                before,
                {"occurrences": task.occurrences, "status": task.status},
                note="The inspector corrected the failed answer.",
            )
        self._touch(task)
        return task

    def record_recheck(self, finding: dict, auto_close: bool) -> LedgerTask | None:
        """Record a passing answer on the next visit as a re-check of the problem's open task.

        ``finding`` has the stored finding's ``id``, ``inspection_id``, ``hospital_id``,
        ``location_id``, ``item_id``, ``recorded_at``, ``note`` and ``content_sha256``. The
        re-check is evidence: the task waits for a verifier, unless the hospital closes tasks on
        a passing re-check.
        """
        key = (finding["hospital_id"], finding["location_id"], finding["item_id"])
        task = self.open_task(key)
        if task is None or finding["recorded_at"] <= self._latest_failure_of(task):
            # A pass recorded before the failure (a device syncing late) re-checks nothing.
            return None
        self._rechecks.append(
            (
                task,
                {
                    "id": recheck_id(finding["id"]),
                    "kind": "recheck",
                    "result": "pass",
                    "note": finding["note"],
                    "photo_ids": [],
                    "finding_id": finding["id"],
                    "actor_id": self.actor.id,
                    "content_sha256": finding["content_sha256"],
                    "created_at": self.now,
                },
            )
        )
        before = {"status": task.status}
        task.status = "closed" if auto_close else "submitted"
        task.closed_at = self.now if auto_close else None
        if auto_close:
            self._open[key] = None
        else:
            self.rechecked.append((task, finding["inspection_id"]))
        self._event(
            task,
            "rechecked",
            before,
            {"status": task.status, "result": "pass"},
            "auto-closed on re-check" if auto_close else "",
        )
        self._touch(task)
        return task

    # --- writing ------------------------------------------------------------------------------

    def write(self) -> None:
        """Store every change: new tasks in one INSERT, changed ones in one executemany UPDATE.

        Then events, links and re-checks go in with one bulk insert each (the change log at
        commit). A changed task's version goes up by one, here and in the database. No other
        writer can have changed these columns meanwhile: every writer of them holds the task's
        place lock.
        """
        if not self._touched:
            return
        session = self.session
        session.flush()  # what the caller added (a finding, a record) goes in before its links
        touched = list(self._touched.values())
        changed = sorted((task for task in touched if task.id is not None), key=lambda t: t.id)
        new = [task for task in touched if task.id is None]
        table = RectificationTask.__table__
        if changed:  # first: a task cancelled here frees its problem for a new one
            session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("task_id"))
                .values(
                    occurrences=bindparam("new_occurrences"),
                    status=bindparam("new_status"),
                    closed_at=bindparam("new_closed_at"),
                    updated_at=bindparam("new_updated_at"),
                    version=table.c.version + 1,
                ),
                [
                    {
                        "task_id": task.id,
                        "new_occurrences": task.occurrences,
                        "new_status": task.status,
                        "new_closed_at": task.closed_at,
                        "new_updated_at": self.now,
                    }
                    for task in changed
                ],
            )
            for task in changed:
                task.version += 1
            self._forget_orm_copies([task.id for task in changed])
        if new:
            for task, task_id in zip(new, _new_task_ids(session, len(new)), strict=True):
                task.id = task_id
                self._by_id[task_id] = task
            bulk.insert_all(
                session,
                table,
                [{name: getattr(task, name) for name in LedgerTask.__slots__} for task in new],
            )
        actor_id = self.actor.id if self.actor else None
        if self._events:
            bulk.insert_all(
                session,
                TaskEvent.__table__,
                [
                    {
                        "task_id": task.id,
                        "actor_id": actor_id,
                        "action": action,
                        "before": before,
                        "after": after,
                        "note": note,
                        "created_at": self.now,
                    }
                    for task, action, before, after, note in self._events
                ],
            )
        for link_table, column, links in (
            (task_findings, "finding_id", self._finding_links),
            (task_records, "record_id", self._record_links),
        ):
            if links:
                bulk.insert_all(
                    session,
                    link_table,
                    [{"task_id": task.id, column: row_id} for task, row_id in links],
                )
        if self._rechecks:
            bulk.insert_all(
                session,
                TaskSubmission.__table__,
                [{**row, "task_id": task.id} for task, row in self._rechecks],
            )
        record_changes(session, "task", [(task.id, task.hospital_id) for task in changed + new])
        self._events, self._finding_links, self._record_links, self._rechecks = [], [], [], []
        self._touched = {}

    def _forget_orm_copies(self, task_ids: list[int]) -> None:
        """Expire the session's ORM copies of tasks written here beside the ORM, if it has any."""
        for task_id in task_ids:
            held = self.session.identity_map.get(identity_key(RectificationTask, (task_id,)))
            if held is not None:
                self.session.expire(held)

    # --- helpers ------------------------------------------------------------------------------

    def _event(
        self, task: LedgerTask, action: str, before: dict, after: dict, note: str = ""
    ) -> None:
        self._events.append((task, action, before, after, note))

    def _touch(self, task: LedgerTask) -> None:
        task.updated_at = self.now
        self._touched[id(task)] = task

    def _department_id(self, problem: Problem) -> int | None:
        """Return who answers for the problem: its department code, else the place's owner.

        See docs/checklists.md, "Who answers for a failure".
        """
        codes: dict[str, int] = {}
        if problem.department_code:
            if problem.hospital_id not in self._departments:
                self._departments[problem.hospital_id] = department_codes(
                    self.session, problem.hospital_id
                )
            codes = self._departments[problem.hospital_id]
        return route(problem.department_code, codes, lambda: self._owner_of(problem.location))

    def _owner_of(self, location: Location) -> int | None:
        """Return the place's department, or that of the nearest enclosing place that has one.

        A floor or a corridor often names none and belongs to its building's or ward's owner;
        the hospital's place tree is read (once per batch) only when a place names none.
        """
        if location.department_id is not None:
            return location.department_id
        if location.hospital_id not in self._places:
            self._places[location.hospital_id] = place_tree(self.session, location.hospital_id)
        return owner_in_tree(self._places[location.hospital_id], location.id)

    def _latest_failure_of(self, task: LedgerTask) -> datetime:
        """Return when the newest failure linked to the task was recorded (this batch's too)."""
        return self._latest_failure[id(task)]


def visible_task_query(user: User):
    """Tasks a user may see: department heads their department's, other roles their hospitals'.

    A role that reads no tasks (a recorder) sees none, in lists and in the pull alike.
    """
    query = select(RectificationTask).where(
        RectificationTask.hospital_id.in_(visible_hospital_ids(user))
    )
    if not allowed(user, "tasks.read"):
        return query.where(false())
    if sees_all_tasks_of_hospital(user):
        return query
    return query.where(RectificationTask.department_id == user.department_id)


def tasks_of_finding(session: Session, finding_id: uuid.UUID) -> list[int]:
    """Return the ids of the tasks a finding is linked to."""
    return list(
        session.scalars(
            select(task_findings.c.task_id).where(task_findings.c.finding_id == finding_id)
        )
    )


def copies_of(session: Session, task_ids: list[int]) -> list[int]:
    """Return the ids of the 举一反三 copies of these tasks (problems from outside the walk)."""
    return list(
        session.scalars(
            select(RectificationTask.id).where(RectificationTask.origin_id.in_(task_ids))
        )
    )


def visible_tasks(session: Session, user: User, task_ids: list) -> list[RectificationTask]:
    """Return those of ``task_ids`` that ``user`` may see."""
    ids = [int(task_id) for task_id in task_ids]
    return list(
        session.scalars(
            visible_task_query(user)
            .where(RectificationTask.id.in_(ids))
            .options(
                selectinload(RectificationTask.department),
                selectinload(RectificationTask.location),
            )
        )
    )


def lost_sight(session: Session, user: User, task_ids: Iterable[str]) -> set[str]:
    """Return those of ``task_ids`` (tasks ``user`` may not see) that ``user`` once saw.

    A department head sees their department's tasks: one moved to another department was theirs
    before, and their device must drop it (a ``delete`` on the next pull). The history says so:
    a ``moved`` event that took it from the user's department. Users who see every task of their
    hospitals lose none this way.
    """
    ids = [int(task_id) for task_id in task_ids]
    if not ids or user.department_id is None or sees_all_tasks_of_hospital(user):
        return set()
    moves = session.execute(
        select(TaskEvent.task_id, TaskEvent.before)
        .join(RectificationTask, RectificationTask.id == TaskEvent.task_id)
        .where(
            TaskEvent.task_id.in_(ids),
            TaskEvent.action == "moved",
            RectificationTask.hospital_id.in_(visible_hospital_ids(user)),
        )
    )
    return {
        str(task_id)
        for task_id, before in moves
        if before.get("department_id") == user.department_id
    }


def responsible_people(session: Session, task: RectificationTask) -> list[User]:
    """Return whom a task's deadline concerns: its assignee, else its department's heads."""
    if task.assignee_id is not None:
        return [session.get(User, task.assignee_id)]
    if task.department_id is None:
        return []
    return users_with_role(
        session, task.hospital_id, "department_head", department_id=task.department_id
    )
