"""Points lost: the one place deductions are computed, for the weekly scores and the ranking.

A failed finding, and each rule a record entry broke, belongs to one rectification task; the
task's department answers for its points. A finding that a later answer corrected does not count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from server.models import Finding, RecordEntry, RectificationTask, task_findings, task_records

T = RectificationTask


def _failed_in(finding, hospital_id: int, start: datetime, end: datetime):
    return and_(
        finding.hospital_id == hospital_id,
        finding.recorded_at >= start,
        finding.recorded_at < end,
        finding.verdict == "fail",
    )


def corrected_findings(
    session: Session, hospital_id: int, start: datetime, end: datetime, failed: bool = True
) -> list:
    """Return the ids of the period's findings (its failed ones only by default) since corrected.

    A correction belongs to the inspection of the answer it supersedes, so it is looked up by
    the inspection index among the period's inspections (with a failure, by default). Done in
    one query, both databases scan every finding for ``supersedes_id``.
    """
    recorded = and_(
        Finding.hospital_id == hospital_id, Finding.recorded_at >= start, Finding.recorded_at < end
    )
    if failed:
        recorded = _failed_in(Finding, hospital_id, start, end)
    inspections = list(session.scalars(select(Finding.inspection_id).distinct().where(recorded)))
    corrected = []
    for index in range(0, len(inspections), 500):
        corrected += session.scalars(
            select(Finding.supersedes_id).where(
                Finding.inspection_id.in_(inspections[index : index + 500]),
                Finding.supersedes_id.is_not(None),
            )
        )
    return corrected


def live_failures(hospital_id: int, start: datetime, end: datetime, corrected: list):
    """Select failed findings recorded in [start, end) that are not in ``corrected``."""
    condition = _failed_in(Finding, hospital_id, start, end)
    return and_(condition, Finding.id.not_in(corrected)) if corrected else condition


def department_deductions(
    session: Session, hospital_id: int, start: datetime, end: datetime, corrected: list
) -> dict[int | None, float]:
    """Return the points deducted in [start, end) per department: failures and broken rules.

    The one place deductions are computed (weekly scores, the ranking). A failed finding, and
    each rule a record entry broke, belongs to one task; the task's department answers for its
    points (a task moved to another department takes them along). The link tables are filtered
    by the period's failures (IN) so that no lookup by finding or record id is needed.
    """
    totals: dict[int | None, float] = {}
    week_failures = select(Finding.id).where(live_failures(hospital_id, start, end, corrected))
    for department_id, points in session.execute(
        select(T.department_id, func.sum(Finding.points))
        .select_from(task_findings)
        .join(Finding, Finding.id == task_findings.c.finding_id)
        .join(T, T.id == task_findings.c.task_id)
        .where(task_findings.c.finding_id.in_(week_failures))
        .group_by(T.department_id)
    ):
        totals[department_id] = float(points or 0)
    # A record's task is the problem "<record type>.<rule id>"; its points are those the rule
    # carried when the record was judged (stored in ``failed_rules``).
    broken = select(RecordEntry.id).where(
        RecordEntry.hospital_id == hospital_id,
        RecordEntry.verdict == "fail",
        RecordEntry.recorded_at >= start,
        RecordEntry.recorded_at < end,
    )
    for department_id, item_id, record_type, failed_rules in session.execute(
        select(T.department_id, T.item_id, RecordEntry.record_type, RecordEntry.failed_rules)
        .select_from(task_records)
        .join(RecordEntry, RecordEntry.id == task_records.c.record_id)
        .join(T, T.id == task_records.c.task_id)
        .where(task_records.c.record_id.in_(broken))
    ):
        points = sum(
            float(rule.get("points") or 0)
            for rule in failed_rules or []
            if f"{record_type}.{rule['id']}" == item_id
        )
        totals[department_id] = totals.get(department_id, 0.0) + points
    return totals
