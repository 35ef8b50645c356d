"""The department ranking (通报): points lost per 100 checks, ranked, against the previous period.

A *check* is one live answer that could cost points: a finding answered pass or fail (not N/A,
not superseded by a correction) or a record entry, recorded in the period. It concerns the
department that answers for a failure of it — the routing tasks use (``tasks.route``); a failure
that opened or joined a task concerns that task's department, so a task a supervisor moved takes
its check along with its points. Deductions come from ``rollups.department_deductions``, the one
place they are computed. Coverage is the share of the department's own areas and points where an
inspection checked something in the period. See docs/reports.md, "The department ranking".

Per period: one query over findings grouped by place, item and task department; one over the
record entries (a row each, with their tasks); the place tree and the checklist versions met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from server.models import (
    ChecklistVersion,
    Department,
    Finding,
    Hospital,
    Location,
    RecordEntry,
    RectificationTask,
    task_findings,
    task_records,
)
from server.schemas.checklist_definition import (
    RESPONSIBLE_LOCATION,
    responsible_of,
    routed_items,
)
from server.services.deductions import corrected_findings, department_deductions
from server.services.tasks import department_codes, owner_in_tree, place_tree, route

PER_CHECKS = 100  # the rate is points lost per this many checks
COVERED_KINDS = ("area", "point")  # the places coverage counts, as in the weekly rollup
T = RectificationTask


@dataclass(frozen=True)
class Period:
    """A labelled span of time: an ISO week ("2026-W47") or a month ("2026-11"), [start, end)."""

    label: str
    start: datetime
    end: datetime


@dataclass
class _Figures:
    """What one department did in one period."""

    checks: int = 0
    deductions: float = 0.0
    inspected: set[int] = field(default_factory=set)


class _Routing:
    """The hospital's departments and places, and the routing of the checklist versions met."""

    def __init__(self, session: Session, hospital_id: int) -> None:
        self.session = session
        self.codes = department_codes(session, hospital_id)
        self.places = place_tree(session, hospital_id)
        self._owners: dict[int, int | None] = {}
        self._items: dict[tuple[str, int], dict[str, str]] = {}
        self._records: dict[tuple[str, int], dict[str, str]] = {}

    def owner(self, place_id: int) -> int | None:
        """Return the department that owns the place (through the places around it)."""
        if place_id not in self._owners:
            self._owners[place_id] = owner_in_tree(self.places, place_id)
        return self._owners[place_id]

    def load_versions(self, versions: Iterable[tuple[str, int]]) -> None:
        """Read the ``responsible`` of every item and record type of these checklist versions."""
        wanted = set(versions) - set(self._items)
        if not wanted:
            return
        rows = self.session.scalars(
            select(ChecklistVersion).where(
                or_(
                    *(
                        and_(ChecklistVersion.checklist_id == cid, ChecklistVersion.version == n)
                        for cid, n in wanted
                    )
                )
            )
        )
        for row in rows:
            key = (row.checklist_id, row.version)
            definition = row.definition
            self._items[key] = {i["id"]: i["responsible"] for i in routed_items(definition)}
            self._records[key] = {
                spec["id"]: responsible_of(spec) for spec in definition.get("record_types", [])
            }

    def department(self, place_id: int, version: tuple[str, int], item: str, *, record=False):
        """Return the department a check of ``item`` at the place concerns, as tasks are routed."""
        table = self._records if record else self._items
        responsible = table.get(version, {}).get(item, RESPONSIBLE_LOCATION)
        code = None if responsible == RESPONSIBLE_LOCATION else responsible
        return route(code, self.codes, lambda: self.owner(place_id))


def _findings(session, routing: _Routing, hospital_id: int, period: Period, superseded, figures):
    """Count the period's live pass/fail answers per department; note the places inspected."""
    live = [
        Finding.hospital_id == hospital_id,
        Finding.recorded_at >= period.start,
        Finding.recorded_at < period.end,
        Finding.verdict.in_(("pass", "fail")),
    ]
    if superseded:
        live.append(Finding.id.not_in(superseded))
    # A failure's task (one per finding, as for deductions) says whose it is; any other answer
    # is routed. Grouped in SQL: one row per place, item and task department, not per finding.
    has_task = T.id.is_not(None).label("has_task")
    rows = session.execute(
        select(
            Finding.location_id,
            Finding.checklist_id,
            Finding.checklist_version,
            Finding.item_id,
            has_task,
            T.department_id,
            func.count().label("checks"),
        )
        .outerjoin(
            task_findings,
            and_(task_findings.c.finding_id == Finding.id, Finding.verdict == "fail"),
        )
        .outerjoin(T, T.id == task_findings.c.task_id)
        .where(*live)
        .group_by(
            Finding.location_id,
            Finding.checklist_id,
            Finding.checklist_version,
            Finding.item_id,
            has_task,
            T.department_id,
        )
    ).all()
    routing.load_versions((row.checklist_id, row.checklist_version) for row in rows)
    for row in rows:
        department_id = (
            row.department_id
            if row.has_task
            else routing.department(
                row.location_id, (row.checklist_id, row.checklist_version), row.item_id
            )
        )
        figures.setdefault(department_id, _Figures()).checks += int(row.checks)
        owner = routing.owner(row.location_id)
        figures.setdefault(owner, _Figures()).inspected.add(row.location_id)


def _records(session: Session, routing: _Routing, hospital_id: int, period: Period, figures):
    """Count the period's record entries per department (a breach: its first task's)."""
    rows = session.execute(
        select(
            RecordEntry.id,
            RecordEntry.location_id,
            RecordEntry.checklist_id,
            RecordEntry.checklist_version,
            RecordEntry.record_type,
            RecordEntry.inspection_id,
            T.id.label("task_id"),
            T.department_id,
        )
        .outerjoin(task_records, task_records.c.record_id == RecordEntry.id)
        .outerjoin(T, T.id == task_records.c.task_id)
        .where(
            RecordEntry.hospital_id == hospital_id,
            RecordEntry.recorded_at >= period.start,
            RecordEntry.recorded_at < period.end,
        )
        .order_by(RecordEntry.id, T.id)
    ).all()
    routing.load_versions((row.checklist_id, row.checklist_version) for row in rows)
    counted = set()
    for row in rows:
        if row.id in counted:
            continue
        counted.add(row.id)
        department_id = (
            row.department_id
            if row.task_id is not None
            else routing.department(
                row.location_id,
                (row.checklist_id, row.checklist_version),
                row.record_type,
                record=True,
            )
        )
        figures.setdefault(department_id, _Figures()).checks += 1
        if row.inspection_id is not None:  # a log kept by staff is no inspection of the place
            owner = routing.owner(row.location_id)
            figures.setdefault(owner, _Figures()).inspected.add(row.location_id)


def _figures(session: Session, routing: _Routing, hospital_id: int, period: Period) -> dict:
    """Return {department id: _Figures} of one period (None: what no department answers for)."""
    figures: dict[int | None, _Figures] = {}
    superseded = corrected_findings(session, hospital_id, period.start, period.end, failed=False)
    _findings(session, routing, hospital_id, period, superseded, figures)
    _records(session, routing, hospital_id, period, figures)
    deductions = department_deductions(session, hospital_id, period.start, period.end, superseded)
    for department_id, points in deductions.items():
        figures.setdefault(department_id, _Figures()).deductions = round(points, 2)
    return figures


def _rate(figures: _Figures) -> float | None:
    """Points lost per ``PER_CHECKS`` checks, 2 decimals; None without checks (unranked)."""
    if not figures.checks:
        return None
    return round(figures.deductions * PER_CHECKS / figures.checks, 2)


def _ranks(rates: dict[int, float | None]) -> dict[int, int | None]:
    """Rank the rates, lowest first; equal rates share a rank and the next rank is skipped."""
    ranked = [rate for rate in rates.values() if rate is not None]
    return {
        department_id: None if rate is None else 1 + sum(other < rate for other in ranked)
        for department_id, rate in rates.items()
    }


def _movement(rank: int | None, previous: int | None) -> str | None:
    if rank is None:
        return None
    if previous is None:
        return "new"
    return "up" if rank < previous else "down" if rank > previous else "same"


def department_ranking(
    session: Session, hospital: Hospital, period: Period, previous: Period
) -> dict:
    """Rank every department of ``hospital`` in ``period`` against ``previous`` (JSON-ready)."""
    routing = _Routing(session, hospital.id)
    now = _figures(session, routing, hospital.id, period)
    before = _figures(session, routing, hospital.id, previous)
    departments = session.execute(
        select(Department.id, Department.code, Department.name_zh, Department.name_en).where(
            Department.hospital_id == hospital.id
        )
    ).all()
    places = session.execute(
        select(Location.id).where(
            Location.hospital_id == hospital.id,
            Location.active.is_(True),
            Location.kind.in_(COVERED_KINDS),
        )
    ).scalars()
    owned: dict[int | None, set[int]] = {}
    for place_id in places:
        owned.setdefault(routing.owner(place_id), set()).add(place_id)
    ids = [d.id for d in departments]
    rates = {i: _rate(now.get(i, _Figures())) for i in ids}
    previous_rates = {i: _rate(before.get(i, _Figures())) for i in ids}
    ranks, previous_ranks = _ranks(rates), _ranks(previous_rates)
    rows = []
    for department in departments:
        figures = now.get(department.id, _Figures())
        mine = owned.get(department.id, set())
        inspected = len(mine & figures.inspected)
        rate, rank = rates[department.id], ranks[department.id]
        previous_rate, previous_rank = previous_rates[department.id], previous_ranks[department.id]
        both = rank is not None and previous_rank is not None
        rows.append(
            {
                "department_id": department.id,
                "code": department.code,
                "name": {"zh-CN": department.name_zh, "en": department.name_en},
                "checks": figures.checks,
                "deductions": figures.deductions,
                "rate": rate,
                "places": len(mine),
                "places_inspected": inspected,
                "coverage": round(inspected / len(mine), 4) if mine else None,
                "rank": rank,
                "status": "unchecked" if rank is None else "ranked",
                "previous_rate": previous_rate,
                "previous_rank": previous_rank,
                "rank_change": previous_rank - rank if both else None,
                "rate_change": round(rate - previous_rate, 2) if both else None,
                "movement": _movement(rank, previous_rank),
            }
        )
    # Ranked first by rank; within a tie the wider coverage, then more checks, then the code.
    rows.sort(
        key=lambda r: (
            r["rank"] is None,
            r["rank"] or 0,
            -(r["coverage"] or 0),
            -r["checks"],
            r["code"],
        )
    )
    return {
        "period": period.label,
        "previous_period": previous.label,
        "per_checks": PER_CHECKS,
        "departments": rows,
    }
