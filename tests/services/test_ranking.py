"""The department ranking against a small world pushed as phones push it, figures worked by hand.

Hospital in Asia/Shanghai. Departments: general affairs G (owns place G1, the factory's), wards
A (A1, A2, A3 — A3 never inspected), B (B1), C (C1, never inspected). Checklist ``rank``: items
``w.tidy`` (1 point), ``w.hygiene`` (2), ``w.signs`` (1) route to the place; ``w.lights`` (2) to
general affairs; record ``fridge_log`` (rule ``signed``, 3 points) to the place.

November 2026 (the month under test)::

    A1  w.tidy fail → corrected to pass   A: 1 check (the correction), no points
        w.hygiene fail                     A: 1 check, 2 points
        w.lights fail                      G: 1 check, 2 points
        w.signs N/A                        not a check
    A2  w.tidy pass, w.hygiene pass        A: 2 checks
        w.lights pass                      G: 1 check
    A1  fridge_log signed, no inspection   A: 1 check (a staff log: no coverage)
    B1  w.tidy fail, w.hygiene pass        B: 2 checks, 1 point
        fridge_log unsigned (inspection)   B: 1 check, 3 points
        w.lights pass                      G: 1 check
    G1  w.tidy pass, w.lights pass         G: 2 checks

    A: 5 checks, 2 points → 2 × 100 / 5 = 40.00; places 2 of 3
    G: 5 checks, 2 points → 40.00; places 1 of 1
    B: 3 checks, 4 points → 4 × 100 / 3 = 133.33; places 1 of 1
    C: no checks → unranked (未检查)

Ranks: A and G tie at 40.00 and share rank 1 (G listed first: wider coverage); B is 3rd.

October 2026 (the previous month): B1 w.tidy pass, w.hygiene pass (B: 2 checks, 0 → 0.00,
rank 1); A2 w.tidy pass, w.hygiene fail (A: 2 checks, 2 points → 100.00, rank 2).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from sqlalchemy import select

from server.models import Location, RectificationTask, User
from server.services import sync
from server.services.checklists import load_checklists
from server.services.monthly import compute_monthly, month_period, parse_month
from server.services.ranking import department_ranking
from server.services.rollups import compute_rollup
from tests import factories as f

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _item(item_id: str, points: int, **routing) -> dict:
    return f.checklist_item(item_id, points=points, **routing)


RANK = {
    "id": "rank",
    "kind": "other",
    "title": {"zh-CN": "排名测试", "en": "Ranking test"},
    "source": "tests",
    "sections": [
        {
            "id": "ward",
            "title": {"zh-CN": "病区", "en": "Ward"},
            "responsible": "location",
            "items": [
                _item("w.tidy", 1),
                _item("w.hygiene", 2),
                _item("w.signs", 1),
                _item("w.lights", 2, responsible="general_affairs"),
            ],
        }
    ],
    "record_types": [
        {
            "id": "fridge_log",
            "title": {"zh-CN": "冰箱温度", "en": "Fridge log"},
            "responsible": "location",
            "source": "tests",
            "fields": [
                {"id": "signed_by", "type": "signature", "label": {"zh-CN": "签名", "en": "By"}}
            ],
            "rules": [
                {
                    "id": "signed",
                    "check": "present",
                    "fields": ["signed_by"],
                    "severity": "minor",
                    "points": 3,
                    "text": {"zh-CN": "已签名", "en": "Signed"},
                    "source": "tests",
                }
            ],
        }
    ],
}


class Phone:
    """Pushes inspections as the app does, through the sync service."""

    def __init__(self, session, user: User) -> None:
        self.session, self.user = session, user

    def push(self, inspections=(), findings=(), records=()) -> dict:
        answer = sync.push(self.session, self.user, f.push_body(inspections, findings, records))
        assert {r["status"] for r in answer["results"]} == {"created"}, answer["results"]
        self.session.commit()
        return answer

    def walk(self, place: Location, day: str, answers: dict[str, str], records=()) -> dict:
        """Inspect ``place`` on local ``day`` ("2026-11-10") with {item: pass|fail|na}."""
        inspection = f.inspection_payload(
            place.id,
            checklist_id="rank",
            started_at=f"{day}T09:00:00+08:00",
            finished_at=f"{day}T09:30:00+08:00",
        )
        findings = [
            f.finding_payload(inspection["id"], item, result, recorded_at=f"{day}T09:1{n}:00+08:00")
            for n, (item, result) in enumerate(answers.items())
        ]
        records = [
            f.record_payload(
                place.id,
                fields,
                record_type="fridge_log",
                inspection_id=inspection["id"],
                recorded_at=f"{day}T09:20:00+08:00",
            )
            for fields in records
        ]
        self.push([inspection], findings, records)
        return {finding["item_id"]: finding for finding in findings} | {"_": inspection}


@pytest.fixture
def world(app, session, checklist_dir):
    (checklist_dir / "rank.yaml").write_text(yaml.safe_dump(RANK, allow_unicode=True), "utf-8")
    load_checklists(session, checklist_dir)
    hospital = f.hospital(session)
    g = next(d for d in hospital.departments if d.code == "general_affairs")
    g1 = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    a = f.department(session, hospital, code="ward_a", name_zh="内科", name_en="Medicine")
    b = f.department(session, hospital, code="ward_b", name_zh="外科", name_en="Surgery")
    c = f.department(session, hospital, code="ward_c", name_zh="儿科", name_en="Paediatrics")
    floor = f.location(session, hospital, kind="floor", department=a)
    places = {
        "A1": f.location(session, hospital, parent_id=floor.id),  # A's through its floor
        "A2": f.location(session, hospital, kind="point", department=a),
        "A3": f.location(session, hospital, department=a),
        "B1": f.location(session, hospital, department=b),
        "C1": f.location(session, hospital, department=c),
        "G1": g1,
    }
    inspector = f.user(session, hospital, roles=("inspector",))
    session.commit()
    phone = Phone(session, inspector)

    # October
    phone.walk(places["B1"], "2026-10-20", {"w.tidy": "pass", "w.hygiene": "pass"})
    phone.walk(places["A2"], "2026-10-21", {"w.tidy": "pass", "w.hygiene": "fail"})
    # November
    first = phone.walk(
        places["A1"],
        "2026-11-10",
        {"w.tidy": "fail", "w.hygiene": "fail", "w.lights": "fail", "w.signs": "na"},
    )
    correction = f.finding_payload(
        first["_"]["id"],
        "w.tidy",
        "pass",
        supersedes_id=first["w.tidy"]["id"],
        recorded_at="2026-11-10T09:40:00+08:00",
    )
    phone.push(findings=[correction])
    phone.walk(
        places["A2"], "2026-11-11", {"w.tidy": "pass", "w.hygiene": "pass", "w.lights": "pass"}
    )
    log = f.record_payload(
        places["A1"].id,
        {"signed_by": "王护士"},
        record_type="fridge_log",
        recorded_at="2026-11-12T08:00:00+08:00",
    )
    phone.push(records=[log])
    phone.walk(
        places["B1"],
        "2026-11-12",
        {"w.tidy": "fail", "w.hygiene": "pass", "w.lights": "pass"},
        records=[{}],
    )
    phone.walk(places["G1"], "2026-11-13", {"w.tidy": "pass", "w.lights": "pass"})
    return {"hospital": hospital, "a": a, "b": b, "c": c, "g": g, "places": places}


def _rank(session, world, month="2026-11", previous="2026-10") -> dict:
    tz = world["hospital"].timezone
    ranking = department_ranking(
        session, world["hospital"], month_period(month, tz), month_period(previous, tz)
    )
    return {row["code"]: row for row in ranking["departments"]}


def test_checks_points_and_rates_per_department(session, world):
    rows = _rank(session, world)

    figures = {code: (r["checks"], r["deductions"], r["rate"]) for code, r in rows.items()}
    assert figures == {
        "ward_a": (5, 2.0, 40.0),
        "general_affairs": (5, 2.0, 40.0),
        "ward_b": (3, 4.0, 133.33),
        "ward_c": (0, 0.0, None),
    }


def test_a_broken_record_rule_deducts_its_points_from_the_place_department(session, world):
    assert _rank(session, world)["ward_b"]["deductions"] == 1.0 + 3.0


def test_coverage_is_the_share_of_the_departments_places_inspected(session, world):
    rows = _rank(session, world)

    coverage = {
        code: (r["places_inspected"], r["places"], r["coverage"]) for code, r in rows.items()
    }
    assert coverage == {
        "ward_a": (2, 3, 0.6667),
        "general_affairs": (1, 1, 1.0),
        "ward_b": (1, 1, 1.0),
        "ward_c": (0, 1, 0.0),
    }


def test_equal_rates_share_a_rank_listed_by_coverage_and_the_unchecked_come_last(session, world):
    tz = world["hospital"].timezone
    ranking = department_ranking(
        session,
        world["hospital"],
        month_period("2026-11", tz),
        month_period("2026-10", tz),
    )

    order = [(r["code"], r["rank"], r["status"]) for r in ranking["departments"]]
    assert order == [
        ("general_affairs", 1, "ranked"),
        ("ward_a", 1, "ranked"),
        ("ward_b", 3, "ranked"),
        ("ward_c", None, "unchecked"),
    ]
    assert (ranking["period"], ranking["previous_period"], ranking["per_checks"]) == (
        "2026-11",
        "2026-10",
        100,
    )


def test_change_against_the_previous_month(session, world):
    rows = _rank(session, world)

    change = {
        code: (
            r["previous_rank"],
            r["previous_rate"],
            r["rank_change"],
            r["rate_change"],
            r["movement"],
        )
        for code, r in rows.items()
    }
    assert change == {
        "ward_a": (2, 100.0, 1, -60.0, "up"),
        "general_affairs": (None, None, None, None, "new"),
        "ward_b": (1, 0.0, -2, 133.33, "down"),
        "ward_c": (None, None, None, None, None),
    }


def test_a_task_moved_to_another_department_takes_its_check_and_points(session, world):
    task = session.scalars(
        select(RectificationTask).where(
            RectificationTask.item_id == "w.lights",
            RectificationTask.location_id == world["places"]["A1"].id,
        )
    ).one()
    task.department_id = world["c"].id
    session.commit()

    rows = _rank(session, world)

    assert (rows["ward_c"]["checks"], rows["ward_c"]["deductions"], rows["ward_c"]["rate"]) == (
        1,
        2.0,
        200.0,
    )
    assert (rows["general_affairs"]["checks"], rows["general_affairs"]["rate"]) == (4, 0.0)


def test_another_hospitals_checks_do_not_count(session, world):
    other = f.hospital(session)
    place = session.scalars(select(Location).where(Location.hospital_id == other.id)).one()
    session.commit()
    Phone(session, f.user(session, other, roles=("inspector",))).walk(
        place, "2026-11-14", {"w.tidy": "fail", "w.lights": "fail"}
    )

    assert _rank(session, world)["general_affairs"]["checks"] == 5


def test_the_weekly_rollup_ranks_the_week_against_the_week_before(session, world):
    # W46 is 9–15 November: everything of November above; W45 had nothing.
    ranking = compute_rollup(session, world["hospital"], "2026-W46", NOW)["ranking"]

    rows = {r["code"]: (r["rank"], r["rate"], r["movement"]) for r in ranking["departments"]}
    assert (ranking["period"], ranking["previous_period"]) == ("2026-W46", "2026-W45")
    assert rows == {
        "general_affairs": (1, 40.0, "new"),
        "ward_a": (1, 40.0, "new"),
        "ward_b": (3, 133.33, "new"),
        "ward_c": (None, None, None),
    }


def test_the_monthly_report_lists_the_worst_new_problems_first(session, world):
    report = compute_monthly(session, world["hospital"], "2026-11", NOW)

    # All minor and found once: by deadline, A1's (due 16 November) before B1's (18 November).
    # The corrected w.tidy at A1 is no problem; A2's October failure is not November's.
    worst = [(p["location"]["id"], p["title"]["en"]) for p in report["worst_problems"]]
    a1, b1 = world["places"]["A1"].id, world["places"]["B1"].id
    assert [place for place, _ in worst] == [a1, a1, b1, b1]
    assert {title.split(": ", 1)[1] for _, title in worst} == {
        "Check w.hygiene",
        "Check w.lights",
        "Check w.tidy",
        "Fridge log: Signed",
    }
    assert all(p["late"] for p in report["worst_problems"])  # open past their deadline
    assert (report["first_day"], report["last_day"]) == ("2026-11-01", "2026-11-30")


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-00", "２０２６-11", ""])
def test_a_malformed_month_is_refused_on_the_month_field(month):
    from server.errors import Invalid

    with pytest.raises(Invalid) as caught:
        parse_month(month)
    assert list(caught.value.errors) == ["month"]
