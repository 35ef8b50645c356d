"""The weekly rollup against a small world whose every figure was worked out by hand.

The hospital is in Asia/Shanghai (UTC+8). The week under test is 2026-W47: Monday 16 November
00:00 to Monday 23 November 00:00 local, i.e. [2026-11-15T16:00Z, 2026-11-22T16:00Z). "Now" is
Tuesday 24 November 10:00 local, so W47 is finished and W48 is the running week.

Tasks (A = nursing, B = property; created / closed local):

    t0  A minor     W40 Thu 10-01 09:00, closed 10-07 10:00 (W41), due 10-07
    t1  A major     Tue 11-17 10:00, closed Wed 11-18 15:00, due 11-19          on time
    t2  A minor     Sun 11-22 23:30 (Sun 15:30 UTC: still W47), due 11-28     open
    t3  B critical  Mon 11-23 00:10 (W48), due 11-23                           open
    t4  B major     Tue 11-03 09:00 (W45), due 11-05, assigned, 2 occurrences  open, overdue
    t5  B minor     Wed 11-11 08:00 (W46), closed Fri 11-20 10:00, due 11-17    late
    t6  A major     Thu 11-12 14:00 (W46), cancelled Sat 11-21, due 11-14
    t7  A critical  Fri 11-13 09:00 (W46), submitted, due 11-13                 open, overdue
    t8  B minor     Wed 11-18 11:00, closed Tue 11-24 09:00 (after W47), due 11-24
    t9  -  minor    Mon 11-16 00:00:00 exactly, due 11-22                       open, overdue
    t10 A major     Mon 11-16 09:00, closed Sun 11-22 23:59, due 11-18          late
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server.errors import Invalid
from server.models import (
    Department,
    Finding,
    Hospital,
    Inspection,
    Location,
    RecordEntry,
    RectificationTask,
    TaskSubmission,
    User,
    WeeklyRollup,
    task_findings,
    task_records,
)
from server.services import rollups
from server.services.rollups import (
    compute_rollup,
    last_completed_week,
    parse_week,
    rollup_for,
    snapshot_week,
)
from tests import factories

SH = ZoneInfo("Asia/Shanghai")
WEEK = "2026-W47"


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0):
    """A local (Asia/Shanghai) time in 2026, as aware UTC."""
    return datetime(2026, month, day, hour, minute, second, micro, tzinfo=SH).astimezone(UTC)


def end_of(month: int, day: int) -> datetime:
    """The last microsecond of a local day: how deadlines are stored."""
    return at(month, day, 23, 59, 59, 999999)


NOW = at(11, 24, 10, 0)


# --- row builders, local to the rollup and report tests ----------------------------------------


def make_task(session, hospital, location, *, item, created, due, **kw) -> RectificationTask:
    department = kw.pop("department", None)
    assignee = kw.pop("assignee", None)
    row = RectificationTask(
        hospital_id=hospital.id,
        location_id=location.id,
        department_id=department.id if department else None,
        assignee_id=assignee.id if assignee else None,
        checklist_id="walk",
        item_id=item,
        title_zh=kw.pop("title_zh", f"{location.name_zh}：{item}"),
        title_en=kw.pop("title_en", f"{location.name_en}: {item}"),
        severity=kw.pop("severity", "minor"),
        points=kw.pop("points", 1),
        status=kw.pop("status", "open"),
        due_at=due,
        occurrences=kw.pop("occurrences", 1),
        created_at=created,
        updated_at=created,
        closed_at=kw.pop("closed", None),
    )
    assert not kw, kw
    session.add(row)
    session.flush()
    return row


def make_inspection(session, location, inspector, started, **kw) -> Inspection:
    row = Inspection(
        id=uuid.uuid4(),
        hospital_id=location.hospital_id,
        location_id=location.id,
        inspector_id=inspector.id,
        checklist_id="walk",
        checklist_version=1,
        kind=kw.pop("kind", "supervision"),
        started_at=started,
        finished_at=kw.pop("finished", started + timedelta(minutes=30)),
        note=kw.pop("note", ""),
        device_id="test-device",
        content_sha256="0" * 64,
    )
    assert not kw, kw
    session.add(row)
    session.flush()
    return row


def make_finding(session, inspection, item, verdict, recorded, **kw) -> Finding:
    task = kw.pop("task", None)
    supersedes = kw.pop("supersedes", None)
    row = Finding(
        id=uuid.uuid4(),
        inspection_id=inspection.id,
        hospital_id=inspection.hospital_id,
        location_id=inspection.location_id,
        checklist_id="walk",
        checklist_version=1,
        item_id=item,
        result=kw.pop("result", verdict),
        verdict=verdict,
        value=kw.pop("value", None),
        severity=kw.pop("severity", "minor"),
        points=kw.pop("points", 1),
        note=kw.pop("note", ""),
        supersedes_id=supersedes.id if supersedes else None,
        recorded_at=recorded,
        recorded_by_id=inspection.inspector_id,
        content_sha256="0" * 64,
    )
    assert not kw, kw
    session.add(row)
    session.flush()
    if task is not None:
        session.execute(task_findings.insert().values(task_id=task.id, finding_id=row.id))
    return row


def make_submission(session, task, kind, created, actor, result=None, **kw) -> TaskSubmission:
    row = TaskSubmission(
        id=uuid.uuid4(),
        task_id=task.id,
        kind=kind,
        result=result,
        note="",
        photo_ids=kw.pop("photo_ids", []),
        finding_id=kw.pop("finding_id", None),
        actor_id=actor.id,
        content_sha256="0" * 64,
        created_at=created,
    )
    assert not kw, kw
    session.add(row)
    session.flush()
    return row


@dataclass
class World:
    hospital: Hospital
    general: Department
    a: Department
    b: Department
    places: dict[str, Location]
    inspector: User
    assignee: User
    tasks: dict[str, RectificationTask] = field(default_factory=dict)


def build_world(session) -> World:
    hospital = factories.hospital(session)
    general = session.scalars(select(Department).where(Department.hospital_id == hospital.id)).one()
    l0 = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    a = factories.department(session, hospital, code="nursing", name_zh="护理部", name_en="Nursing")
    b = factories.department(
        session, hospital, code="property", name_zh="物业科", name_en="Property management"
    )
    places = {
        "l0": l0,
        "l1": factories.location(session, hospital, code="A-1", name_zh="门诊大厅", name_en="Hall"),
        "l2": factories.location(
            session, hospital, code="A-2", name_zh="一楼卫生间", name_en="Toilet 1F", kind="point"
        ),
        "l3": factories.location(
            session, hospital, code="A-3", name_zh="旧库房", name_en="Old store", active=False
        ),
        "l4": factories.location(
            session, hospital, code="F-1", name_zh="一层", name_en="Floor 1", kind="floor"
        ),
        "l5": factories.location(session, hospital, code="Z-5", name_zh="后院", name_en="Yard"),
    }
    inspector = factories.user(session, hospital, roles=("inspector",))
    assignee = factories.user(
        session, hospital, roles=("department_head",), display_name="张三", department_id=b.id
    )
    world = World(hospital, general, a, b, places, inspector, assignee)
    p = places

    def task(name, place, **kw):
        world.tasks[name] = make_task(session, hospital, p[place], **kw)
        return world.tasks[name]

    task(
        "t0",
        "l1",
        item="note.general",
        created=at(10, 1, 9),
        due=end_of(10, 7),
        department=a,
        status="closed",
        closed=at(10, 7, 10),
    )
    t1 = task(
        "t1",
        "l1",
        item="floor.clean",
        created=at(11, 17, 10),
        due=end_of(11, 19),
        severity="major",
        department=a,
        status="closed",
        closed=at(11, 18, 15),
    )
    t2 = task(
        "t2",
        "l2",
        item="queue.minutes",
        created=at(11, 22, 23, 30),
        due=end_of(11, 28),
        department=a,
    )
    t3 = task(
        "t3",
        "l0",
        item="sign.present",
        created=at(11, 23, 0, 10),
        due=end_of(11, 23),
        severity="critical",
        department=b,
    )
    t4 = task(
        "t4",
        "l2",
        item="bed.cards",
        created=at(11, 3, 9),
        due=end_of(11, 5),
        severity="major",
        department=b,
        status="assigned",
        assignee=assignee,
        occurrences=2,
    )
    task(
        "t5",
        "l1",
        item="log.missing_days",
        created=at(11, 11, 8),
        due=end_of(11, 17),
        department=b,
        status="closed",
        closed=at(11, 20, 10),
    )
    task(
        "t6",
        "l1",
        item="note.general",
        created=at(11, 12, 14),
        due=end_of(11, 14),
        severity="major",
        department=a,
        status="cancelled",
        closed=at(11, 21, 12),
    )
    t7 = task(
        "t7",
        "l0",
        item="toilet.odour",
        created=at(11, 13, 9),
        due=end_of(11, 13),
        severity="critical",
        department=a,
        status="submitted",
    )
    t8 = task(
        "t8",
        "l2",
        item="floor.clean",
        created=at(11, 18, 11),
        due=end_of(11, 24),
        department=b,
        status="closed",
        closed=at(11, 24, 9),
    )
    t9 = task("t9", "l1", item="floor.clean", created=at(11, 16), due=end_of(11, 22))
    t10 = task(
        "t10",
        "l1",
        item="floor.clean",
        created=at(11, 16, 9),
        due=end_of(11, 18),
        severity="major",
        department=a,
        status="closed",
        closed=at(11, 22, 23, 59),
    )

    # Inspections: l1 and l2 within the 14 days before the week's end; l0 just outside on both
    # sides; l5 never.
    i_a = make_inspection(session, p["l1"], inspector, at(11, 15, 23, 50))
    i_b = make_inspection(session, p["l2"], inspector, at(11, 18, 10, 50))
    i_c = make_inspection(session, p["l0"], inspector, at(11, 8, 23))
    i_d = make_inspection(session, p["l0"], inspector, at(11, 23, 0, 5))

    # Failed findings of W47 and the tasks they belong to. A: f1 2 + f2 1 + f8 2 = 5;
    # B: f4 2 + f5 1 = 3; no department: f6 2. f7 was corrected by f8 and does not count.
    make_finding(session, i_a, "floor.clean", "fail", at(11, 16), points=2, task=t9)  # f6
    f7 = make_finding(session, i_a, "floor.clean", "fail", at(11, 16, 9), points=2, task=t10)
    make_finding(
        session, i_a, "floor.clean", "fail", at(11, 16, 9, 5), points=2, task=t10, supersedes=f7
    )
    make_finding(session, i_a, "floor.clean", "fail", at(11, 17, 10), points=2, task=t1)  # f1
    make_finding(session, i_a, "sign.present", "pass", at(11, 17, 10, 1), points=5)
    make_finding(session, i_a, "bed.cards", "na", at(11, 17, 10, 2), points=1)
    make_finding(session, i_b, "floor.clean", "fail", at(11, 18, 11), points=2, task=t8)  # f4
    make_finding(session, i_b, "bed.cards", "fail", at(11, 19, 9), points=1, task=t4)  # f5
    make_finding(session, i_b, "queue.minutes", "fail", at(11, 22, 23, 30), points=1, task=t2)
    make_finding(session, i_c, "toilet.odour", "fail", at(11, 13, 9), points=1, task=t7)  # W46
    make_finding(session, i_d, "sign.present", "fail", at(11, 23, 0, 10), points=5, task=t3)

    # Re-checks: t4 failed its verification (evidence came after); t8 passed.
    make_submission(session, t4, "evidence", at(11, 6, 9), assignee)
    make_submission(session, t4, "verification", at(11, 7, 9), inspector, result="fail")
    make_submission(session, t4, "evidence", at(11, 19, 15), assignee)
    make_submission(session, t8, "evidence", at(11, 23, 15), assignee)
    make_submission(session, t8, "verification", at(11, 24, 9), inspector, result="pass")
    session.commit()
    return world


@pytest.fixture
def world(session, walk_checklist) -> World:
    return build_world(session)


@pytest.fixture
def rollup(session, world) -> dict:
    return compute_rollup(session, world.hospital, WEEK, NOW)


# --- the figures of 2026-W47 -------------------------------------------------------------------


def test_totals_count_tasks_open_new_closed_cancelled_and_overdue_at_week_end(rollup):
    assert rollup["totals"] == {"open": 5, "new": 5, "closed": 3, "cancelled": 1, "overdue": 3}


def test_week_identity_and_bounds_are_local_monday_to_monday(rollup, world):
    assert rollup["week"] == WEEK
    assert rollup["start"] == "2026-11-15T16:00:00Z"
    assert rollup["end"] == "2026-11-22T16:00:00Z"
    assert rollup["as_of"] == rollup["end"]
    assert (rollup["first_day"], rollup["last_day"]) == ("2026-11-16", "2026-11-22")
    assert rollup["hospital"]["id"] == world.hospital.id
    assert rollup["hospital"]["name"] == {
        "zh-CN": world.hospital.name_zh,
        "en": world.hospital.name_en,
    }
    assert rollup["generated_at"] == "2026-11-24T02:00:00Z"
    assert rollup["snapshot"] is False


def test_by_severity(rollup):
    assert rollup["by_severity"] == {
        "minor": {"open": 3, "new": 3, "closed": 1, "overdue": 1},
        "major": {"open": 1, "new": 2, "closed": 2, "overdue": 1},
        "critical": {"open": 1, "new": 0, "closed": 0, "overdue": 1},
    }


def test_by_department_with_deductions_and_scores_worst_first(rollup, world):
    assert rollup["by_department"] == [
        {
            "department_id": world.a.id,
            "code": "nursing",
            "name": {"zh-CN": "护理部", "en": "Nursing"},
            "open": 2,
            "new": 3,
            "closed": 2,
            "overdue": 1,
            "deductions": 5.0,
            "score": 95.0,
        },
        {
            "department_id": world.b.id,
            "code": "property",
            "name": {"zh-CN": "物业科", "en": "Property management"},
            "open": 2,
            "new": 1,
            "closed": 1,
            "overdue": 1,
            "deductions": 3.0,
            "score": 97.0,
        },
        {
            "department_id": None,
            "code": None,
            "name": {"zh-CN": "未指定科室", "en": "No department"},
            "open": 1,
            "new": 1,
            "closed": 0,
            "overdue": 1,
            "deductions": 2.0,
            "score": 98.0,
        },
        {
            "department_id": world.general.id,
            "code": "general_affairs",
            "name": {"zh-CN": world.general.name_zh, "en": world.general.name_en},
            "open": 0,
            "new": 0,
            "closed": 0,
            "overdue": 0,
            "deductions": 0.0,
            "score": 100.0,
        },
    ]


def test_a_broken_record_rule_costs_its_tasks_department_the_rules_points(session, world):
    """A handover missing a signature (2 points) in W47, its task with B: B loses 3 + 2."""
    place = world.places["l2"]
    task = make_task(
        session,
        world.hospital,
        place,
        item="waste_handover.both_signatures",
        created=at(11, 19, 8),
        due=end_of(11, 21),
        department=world.b,
    )
    record = RecordEntry(
        id=uuid.uuid4(),
        hospital_id=world.hospital.id,
        location_id=place.id,
        record_type="waste_handover",
        checklist_id="walk",
        checklist_version=1,
        fields={},
        verdict="fail",
        failed_rules=[{"id": "both_signatures", "severity": "major", "points": 2}],
        recorded_at=at(11, 19, 8),
        recorded_by_id=world.inspector.id,
        device_id="test-device",
        content_sha256="0" * 64,
    )
    session.add(record)
    session.flush()
    session.execute(task_records.insert().values(task_id=task.id, record_id=record.id))
    session.commit()

    departments = compute_rollup(session, world.hospital, WEEK, NOW)["by_department"]

    b = next(d for d in departments if d["department_id"] == world.b.id)
    assert (b["deductions"], b["score"]) == (5.0, 95.0)


def test_age_buckets_of_open_tasks_in_whole_days(rollup):
    # t2 30 minutes; t8 4 d 13 h; t9 exactly 7 d; t7 9 d 15 h; t4 19 d 15 h.
    assert rollup["age_buckets"] == {"0-3": 1, "4-7": 2, "8-14": 1, ">14": 1}


def test_on_time_rate_and_median_days_to_close(rollup):
    assert rollup["on_time_rate"] == round(1 / 3, 4)
    # 1 d 5 h, 6 d 14 h 59 min, 9 d 2 h.
    assert rollup["median_days_to_close"] == round((6 * 1440 + 14 * 60 + 59) / 1440, 2) == 6.62


def test_top_failing_items_skip_corrected_answers_and_other_weeks(rollup):
    assert rollup["top_failing_items"] == [
        {
            "checklist_id": "walk",
            "item_id": "floor.clean",
            "text": {"zh-CN": "地面清洁", "en": "Floor clean"},
            "failures": 4,
        },
        {
            "checklist_id": "walk",
            "item_id": "bed.cards",
            "text": {"zh-CN": "床头卡无诊断", "en": "No diagnosis on bed cards"},
            "failures": 1,
        },
        {
            "checklist_id": "walk",
            "item_id": "queue.minutes",
            "text": {"zh-CN": "排队时间", "en": "Queue minutes"},
            "failures": 1,
        },
    ]


def test_coverage_of_active_areas_and_points_in_the_last_14_days(rollup, world):
    l0, l5 = world.places["l0"], world.places["l5"]
    coverage = rollup["coverage"]
    assert coverage["since"] == "2026-11-08T16:00:00Z"
    assert (coverage["locations"], coverage["inspected"], coverage["rate"]) == (4, 2, 0.5)
    assert coverage["uncovered"] == [
        {"id": l0.id, "code": l0.code, "name": {"zh-CN": l0.name_zh, "en": l0.name_en}},
        {"id": l5.id, "code": "Z-5", "name": {"zh-CN": "后院", "en": "Yard"}},
    ]


def test_trend_of_eight_weeks_ending_with_the_week(rollup):
    zero = {"new": 0, "closed": 0, "open": 0, "overdue": 0}
    assert rollup["trend"] == [
        {"week": "2026-W40", "new": 1, "closed": 0, "open": 1, "overdue": 0},
        {"week": "2026-W41", **zero, "closed": 1},
        {"week": "2026-W42", **zero},
        {"week": "2026-W43", **zero},
        {"week": "2026-W44", **zero},
        {"week": "2026-W45", "new": 1, "closed": 0, "open": 1, "overdue": 1},
        {"week": "2026-W46", "new": 3, "closed": 0, "open": 4, "overdue": 3},
        {"week": "2026-W47", "new": 5, "closed": 3, "open": 5, "overdue": 3},
    ]


def test_problem_list_is_the_open_tasks_at_week_end_by_deadline(rollup, world):
    t = world.tasks
    problems = rollup["problems"]
    assert [p["task_id"] for p in problems] == [t[n].id for n in ("t4", "t7", "t9", "t8", "t2")]
    assert [p["no"] for p in problems] == [1, 2, 3, 4, 5]
    l2 = world.places["l2"]
    assert problems[0] == {
        "no": 1,
        "task_id": t["t4"].id,
        "title": {"zh-CN": "一楼卫生间：bed.cards", "en": "Toilet 1F: bed.cards"},
        "location": {
            "id": l2.id,
            "code": "A-2",
            "name": {"zh-CN": "一楼卫生间", "en": "Toilet 1F"},
        },
        "department": {"id": world.b.id, "name": {"zh-CN": "物业科", "en": "Property management"}},
        "assignee": {"id": world.assignee.id, "display_name": "张三"},
        "severity": "major",
        "created_at": "2026-11-03T01:00:00Z",
        "due_at": "2026-11-05T15:59:59.999999Z",
        "due_date": "2026-11-05",
        "closed_at": None,
        "status": "assigned",
        "overdue": True,
        "late": True,
        "recheck": "fail",
        "occurrences": 2,
        "source": "finding",
        "source_ref": None,
        "origin_id": None,
    }
    by_id = {p["task_id"]: p for p in problems}
    assert by_id[t["t9"].id]["department"] is None and by_id[t["t9"].id]["assignee"] is None
    assert by_id[t["t9"].id]["overdue"] is True  # due Sunday 23:59:59 local, before the end
    # t8 was still open when the week ended; it was closed (and passed re-check) since.
    assert (by_id[t["t8"].id]["status"], by_id[t["t8"].id]["recheck"]) == ("closed", "pass")
    assert by_id[t["t8"].id]["overdue"] is False
    assert (by_id[t["t7"].id]["status"], by_id[t["t7"].id]["recheck"]) == ("submitted", None)
    assert by_id[t["t2"].id]["due_date"] == "2026-11-28"


def test_sunday_2330_local_is_in_the_week_and_monday_0010_is_in_the_next(session, world):
    t2, t3 = world.tasks["t2"], world.tasks["t3"]
    assert t2.created_at.astimezone(UTC).strftime("%a %H:%M") == "Sun 15:30"
    w47 = compute_rollup(session, world.hospital, WEEK, NOW)
    w48 = compute_rollup(session, world.hospital, "2026-W48", NOW)
    assert t2.id in {p["task_id"] for p in w47["problems"]}
    assert t3.id not in {p["task_id"] for p in w47["problems"]}
    assert t3.id in {p["task_id"] for p in w48["problems"]}


def test_the_running_week_is_taken_at_now_not_at_its_end(session, world):
    w48 = compute_rollup(session, world.hospital, "2026-W48", NOW)
    assert w48["as_of"] == "2026-11-24T02:00:00Z"
    # t2 is due Saturday: not overdue on Tuesday. t3 was due Monday night: overdue.
    assert w48["totals"] == {"open": 5, "new": 1, "closed": 1, "cancelled": 0, "overdue": 4}
    assert w48["trend"][-2] == {"week": WEEK, "new": 5, "closed": 3, "open": 5, "overdue": 3}


def test_an_empty_hospital_has_zeros_and_nulls(session, walk_checklist):
    hospital = factories.hospital(session)
    session.commit()
    rollup = compute_rollup(session, hospital, WEEK, NOW)
    assert rollup["totals"] == {"open": 0, "new": 0, "closed": 0, "cancelled": 0, "overdue": 0}
    assert rollup["on_time_rate"] is None and rollup["median_days_to_close"] is None
    assert rollup["problems"] == [] and rollup["top_failing_items"] == []
    assert rollup["by_severity"]["critical"] == {"open": 0, "new": 0, "closed": 0, "overdue": 0}
    assert rollup["coverage"]["rate"] == 0.0


def test_other_hospitals_rows_do_not_count(session, world):
    other = factories.hospital(session)
    place = session.scalars(select(Location).where(Location.hospital_id == other.id)).one()
    make_task(session, other, place, item="floor.clean", created=at(11, 17), due=end_of(11, 17))
    session.commit()
    assert compute_rollup(session, world.hospital, WEEK, NOW)["totals"]["new"] == 5


# --- weeks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("week", ["2026-W47", "2026-W01", "2026-W53", "2020-W53"])
def test_valid_iso_weeks_parse(week):
    year, number = parse_week(week)
    assert f"{year}-W{number:02d}" == week


@pytest.mark.parametrize(
    "week",
    [
        "",
        "2026-47",
        "2026-W5",
        "2026-W00",
        "2026-W54",
        "2025-W53",
        "2026-w47",
        "2026-W47\n",
        "２０２６-W47",
        "10000-W01",
        "0001-W01",
        "2026-W47 ",
    ],
)
def test_invalid_weeks_are_422_on_the_week_field(week):
    with pytest.raises(Invalid) as caught:
        parse_week(week)
    assert caught.value.status == 422
    assert list(caught.value.errors) == ["week"]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(11, 24, 10), "2026-W47"),
        (at(11, 22, 23, 30), "2026-W46"),  # Sunday night local: W47 still running
        (at(11, 23, 0, 10), "2026-W47"),  # Monday 00:10 local, Sunday 16:10 UTC
        (datetime(2027, 1, 4, 0, 30, tzinfo=SH), "2026-W53"),
    ],
)
def test_last_completed_week_is_in_the_hospitals_zone(session, now, expected):
    hospital = factories.hospital(session)
    assert last_completed_week(hospital, now) == expected


# --- snapshots ---------------------------------------------------------------------------------


def _count_snapshots(session, hospital_id):
    return session.scalar(
        select(func.count())
        .select_from(WeeklyRollup)
        .where(WeeklyRollup.hospital_id == hospital_id)
    )


def test_snapshot_week_twice_stores_one_row(session, world):
    first = snapshot_week(session, world.hospital, WEEK, NOW)
    session.commit()
    second = snapshot_week(session, world.hospital, WEEK, NOW + timedelta(hours=1))
    session.commit()
    assert first.id == second.id
    assert _count_snapshots(session, world.hospital.id) == 1
    assert second.data["totals"]["open"] == 5 and second.data["snapshot"] is True


def test_snapshot_race_loser_rereads_the_winners_row(session, world, monkeypatch):
    winner = WeeklyRollup(
        hospital_id=world.hospital.id, week=WEEK, data={"winner": True}, created_at=NOW
    )
    session.add(winner)
    session.commit()
    real = rollups._stored
    calls = []

    def miss_once(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(rollups, "_stored", miss_once)
    row = snapshot_week(session, world.hospital, WEEK, NOW)
    session.commit()
    assert row.id == winner.id and row.data == {"winner": True}
    assert _count_snapshots(session, world.hospital.id) == 1


def test_a_running_week_is_never_stored(session, world):
    with pytest.raises(Invalid) as caught:
        snapshot_week(session, world.hospital, "2026-W48", NOW)
    assert caught.value.code == "report.week_not_finished"
    assert _count_snapshots(session, world.hospital.id) == 0


def test_rollup_for_serves_the_snapshot_of_a_finished_week_and_live_figures_otherwise(
    session, world
):
    supervisor = factories.user(session, world.hospital, roles=("supervisor",))
    snapshot_week(session, world.hospital, WEEK, NOW)
    session.commit()
    # After the snapshot a device that was offline syncs a failure it recorded on Saturday,
    # and t2 is closed.
    late = make_inspection(session, world.places["l5"], world.inspector, at(11, 21, 9))
    make_finding(session, late, "floor.clean", "fail", at(11, 21, 9, 5), points=2)
    world.tasks["t2"].status, world.tasks["t2"].closed_at = "closed", at(11, 24, 9, 30)
    session.commit()

    [stored] = rollup_for(session, supervisor, WEEK, now=NOW)
    assert stored["snapshot"] is True
    assert stored["top_failing_items"][0]["failures"] == 4
    assert stored["coverage"]["inspected"] == 2
    live_w47 = compute_rollup(session, world.hospital, WEEK, NOW)
    assert live_w47["top_failing_items"][0]["failures"] == 5
    assert live_w47["coverage"]["inspected"] == 3

    [live] = rollup_for(session, supervisor, "2026-W48", now=NOW)
    assert live["snapshot"] is False and live["totals"]["closed"] == 2

    [unstored] = rollup_for(session, supervisor, "2026-W46", now=NOW)
    assert unstored["snapshot"] is False and unstored["totals"]["new"] == 3


def test_rollup_for_covers_every_visible_hospital_and_refuses_the_future(session, world):
    other = factories.hospital(session)
    boss = factories.user(session, world.hospital, roles=("supervisor",))
    boss.hospitals.append(other)
    session.commit()
    found = rollup_for(session, boss, WEEK, now=NOW)
    assert [r["hospital"]["id"] for r in found] == sorted([world.hospital.id, other.id])
    assert [r["hospital"]["id"] for r in rollup_for(session, boss, WEEK, other.id, NOW)] == [
        other.id
    ]
    with pytest.raises(Invalid) as caught:
        rollup_for(session, boss, "2026-W49", now=NOW)
    assert caught.value.code == "report.week_in_future"


def test_rollup_for_needs_the_reports_role_and_scope(session, world):
    from server.errors import Forbidden

    with pytest.raises(Forbidden):
        rollup_for(session, world.inspector, WEEK, now=NOW)
    other = factories.hospital(session)
    head = world.assignee
    with pytest.raises(Forbidden):
        rollup_for(session, head, WEEK, other.id, NOW)
    # A department head sees the whole hospital's rollup.
    [mine] = rollup_for(session, head, WEEK, now=NOW)
    assert mine["totals"]["open"] == 5
