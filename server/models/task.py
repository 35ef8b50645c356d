"""Rectification tasks (整改任务) and their append-only history.

A task is server-owned: devices see it through pull and change it only through the workflow
endpoints, carrying the ``version`` they read (optimistic concurrency).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    Uuid,
    case,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from server.models.base import Base, JSONType
from server.models.inspection import Finding, RecordEntry
from server.models.org import Department, Location
from server.models.user import User
from server.timeutil import utcnow

TASK_STATUSES = ("open", "assigned", "submitted", "closed", "cancelled")
OPEN_STATUSES = ("open", "assigned", "submitted")
# Where a task came from: a failed answer on a walk, a record that broke a rule, or a problem
# reported from outside the walk (a city notice, a third-party visit: issue #12).
TASK_SOURCES = ("finding", "record", "external")
_OPEN_SQL = "status IN ('open', 'assigned', 'submitted')"

task_findings = Table(
    "task_findings",
    Base.metadata,
    Column("task_id", ForeignKey("rectification_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("finding_id", ForeignKey("findings.id"), primary_key=True),
    # The primary key leads with task_id; "which task has this finding?" needs its own index.
    Index("ix_task_findings_finding_id", "finding_id"),
)

task_records = Table(
    "task_records",
    Base.metadata,
    Column("task_id", ForeignKey("rectification_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("record_id", ForeignKey("record_entries.id"), primary_key=True),
    Index("ix_task_records_record_id", "record_id"),
)


class RectificationTask(Base):
    """One problem to fix at one location, with a responsible department and a deadline."""

    __tablename__ = "rectification_tasks"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'assigned', 'submitted', 'closed', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("source IN ('finding', 'record', 'external')", name="source_known"),
        # At most one open task per problem (item at location): repeats add occurrences. The
        # partial unique index also settles two pushes racing to open the same task.
        Index(
            "uq_rectification_tasks_open_problem",
            "hospital_id",
            "location_id",
            "item_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_rectification_tasks_hospital_status", "hospital_id", "status"),
        Index("ix_rectification_tasks_department_due", "department_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checklist_id: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[str] = mapped_column(String(120))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10), default="finding", server_default="finding")
    # A problem from outside the walk: what was reported, under which reference (通报 number),
    # and for a 举一反三 copy the task it was copied from.
    description: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(200))
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_tasks.id"), index=True)
    points: Mapped[float] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")
    due_at: Mapped[datetime]
    occurrences: Mapped[int] = mapped_column(default=1)
    overdue_marked_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]  # the first rung of the ladder: supervisors
    leadership_escalated_at: Mapped[datetime | None]  # the second: leadership
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    findings: Mapped[list[Finding]] = relationship(secondary=task_findings, lazy="selectin")
    records: Mapped[list[RecordEntry]] = relationship(secondary=task_records, lazy="selectin")
    # Loaded only where one task is shown whole (its detail), never for lists.
    assignee: Mapped[User | None] = relationship()
    # Every answer names the responsible department and the place; lists load them in bulk
    # (``selectinload``), the task ledger never touches them.
    department: Mapped[Department | None] = relationship(viewonly=True)
    location: Mapped[Location] = relationship(viewonly=True)
    # The 举一反三 copies of a problem from outside the walk, read only where a task is shown whole.
    copies: Mapped[list[RectificationTask]] = relationship(
        foreign_keys=[origin_id], viewonly=True, order_by="RectificationTask.id"
    )
    submissions: Mapped[list[TaskSubmission]] = relationship(
        order_by="TaskSubmission.created_at", viewonly=True
    )

    @property
    def finding_ids(self) -> list[uuid.UUID]:
        """Return the ids of the findings that reported this problem, oldest first."""
        return [f.id for f in sorted(self.findings, key=lambda f: f.recorded_at)]

    __mapper_args__ = {"version_id_col": version}


class TaskEvent(Base):
    """One change of a task: who did what, when, and the fields before and after."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_tasks.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Joined: a history is always shown with who did each step.
    actor: Mapped[User | None] = relationship(lazy="joined")


class TaskSubmission(Base):
    """Evidence, a verification or a re-check, sent with a client UUID so a replay changes nothing.

    ``kind``: ``report`` (a problem from outside the walk as reported, with its photos),
    ``evidence`` (the department says it is fixed), ``verification`` (a supervisor or
    inspector checks the fix: ``result`` pass/fail), ``recheck`` (a passing finding of the same
    item at the same location, recorded on the next visit).
    """

    __tablename__ = "task_submissions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('evidence', 'verification', 'recheck', 'report')", name="kind_known"
        ),
        CheckConstraint("result IS NULL OR result IN ('pass', 'fail')", name="result_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_tasks.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    finding_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("findings.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined")


# Who sent the evidence or re-check a submitted task waits on (None in other states). Nobody
# verifies their own, so a device can tell from its copy of the task whether the task waits for
# its user. Read with the task (an indexed lookup, for submitted tasks only), never stored: no
# writer has to keep it current.
RectificationTask.submitted_by_id = column_property(
    case(
        (
            RectificationTask.status == "submitted",
            select(TaskSubmission.actor_id)
            .where(
                TaskSubmission.task_id == RectificationTask.id,
                TaskSubmission.kind.in_(("evidence", "recheck")),
            )
            .order_by(TaskSubmission.created_at.desc())
            .limit(1)
            .correlate_except(TaskSubmission)
            .scalar_subquery(),
        ),
        else_=None,
    )
)
