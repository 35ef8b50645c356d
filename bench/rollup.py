"""The weekly rollup on a year of a 1,500-bed hospital, on SQLite and on PostgreSQL.

For each database (SQLite always; PostgreSQL with ``--postgres URL``, else a throwaway cluster
started from ``tests/support/postgres.py`` and stopped after, unless ``--no-postgres``):

1. A fresh database gets the app's tables (``Base.metadata.create_all``), the project's
   checklists, one hospital (Asia/Shanghai) with 40 departments, 300 locations (areas and
   points, 5 inactive), 30 inspectors, 40 department heads and a supervisor.
2. A year of inspections ending now is generated (seeded, so both databases get the same rows):
   ``--findings`` findings (default 1,000,000), up to 50 items per inspection, ~12% failing.
   Every failure opens a rectification task or adds an occurrence to the open task of the same
   item at the same location; tasks close after a log-normal time (median ~2.5 days), some are
   cancelled, the newest are still open. Closed tasks get evidence and a verification (some a
   failed one first). Rows go in with SQLAlchemy Core ``executemany`` in chunks.
3. ``compute_rollup`` for the last completed week: median of 3 runs (plus the first, cold run);
   the problem-list CSV and XLSX of that week.
4. ``GET /api/v1/tasks?overdue=true&department_id=<id>`` through the app (in-process WSGI, a
   supervisor's token): p50 and p95 over ``--requests`` requests across the departments. If
   that route is missing, ``list_tasks`` of the task service is timed instead, or "not measured".

Nothing here asserts a time.

    .venv/bin/python bench/rollup.py                        # SQLite + a throwaway PostgreSQL
    .venv/bin/python bench/rollup.py --findings 200000 --no-postgres
    .venv/bin/python bench/rollup.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from _common import PROJECT_ROOT, machine, percentile
from sqlalchemy.orm import Session

from server.models import (
    Base,
    Department,
    Finding,
    Hospital,
    Inspection,
    Location,
    RectificationTask,
    TaskSubmission,
    User,
    UserRole,
    task_findings,
    user_hospitals,
)
from server.schemas.checklist_definition import iter_items
from server.timeutil import end_of_local_day, local_date
from tests.support.terminate import unwind_on_sigterm

TZ = "Asia/Shanghai"
PASSWORD = "bench-password-1"
ITEMS_PER_INSPECTION = 50
FAIL_RATE = 0.12
NA_RATE = 0.03
CHUNK = 20_000
SEVERITY_DAYS = {"critical": 1, "major": 3, "minor": 7}


@dataclass
class Plan:
    """What to generate; the same plan and seed give the same rows on every database."""

    findings: int
    locations: int = 300
    departments: int = 40
    inspectors: int = 30
    days: int = 365
    seed: int = 47


# --- databases -------------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'rollup-bench.db'}"


@contextmanager
def postgres_database(url: str | None) -> Iterator[str]:
    from server.config import normalise_database_url
    from tests.support.postgres import create_database, start_cluster

    cluster = None
    if url is None:
        cluster = start_cluster()
        url = cluster.url()
    url = normalise_database_url(url)
    name = "wardwalk_bench_rollup"
    try:
        create_database(url, name)
        yield url.rsplit("/", 1)[0] + f"/{name}"
        drop = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with drop.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        drop.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


# --- generation ------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _due(found_at: datetime, severity: str) -> datetime:
    return end_of_local_day(
        local_date(found_at, TZ) + timedelta(days=SEVERITY_DAYS[severity] - 1), TZ
    )


def _insert(connection, table, rows: list[dict]) -> None:
    for index in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[index : index + CHUNK])


def set_up_organisation(engine: sa.Engine, plan: Plan, rng: random.Random) -> dict:
    """Create the hospital, its departments, locations and people; load the checklists."""
    from server.services.auth import hash_password
    from server.services.checklists import load_checklists

    with Session(engine) as session:
        versions = load_checklists(session, PROJECT_ROOT / "checklists")
        hospital = Hospital(
            code="bench", name_zh="基准医院", name_en="Bench Hospital", timezone=TZ, settings={}
        )
        session.add(hospital)
        session.flush()
        departments = [
            Department(
                hospital_id=hospital.id,
                code=f"d{n:02d}",
                name_zh=f"科室{n:02d}",
                name_en=f"Dept {n:02d}",
            )
            for n in range(1, plan.departments + 1)
        ]
        session.add_all(departments)
        session.flush()
        locations = []
        for n in range(1, plan.locations + 1):
            locations.append(
                Location(
                    hospital_id=hospital.id,
                    department_id=departments[(n - 1) % len(departments)].id,
                    code=f"L{n:03d}",
                    name_zh=f"区域{n:03d}",
                    name_en=f"Area {n:03d}",
                    kind="point" if n % 5 == 0 else "area",
                    active=n > 5,
                )
            )
        session.add_all(locations)
        password_hash = hash_password(PASSWORD)

        def person(username, display, roles, department=None):
            user = User(
                username=username,
                display_name=display,
                password_hash=password_hash,
                department_id=department.id if department else None,
                role_rows=[UserRole(role=role) for role in roles],
            )
            session.add(user)
            return user

        inspectors = [
            person(f"inspector{n}", f"检查员{n}", ["inspector"]) for n in range(plan.inspectors)
        ]
        heads = [
            person(f"head{d.code}", f"主任{d.code}", ["department_head"], d) for d in departments
        ]
        supervisor = person("supervisor", "督导员", ["supervisor"])
        session.flush()
        session.execute(
            user_hospitals.insert(),
            [
                {"user_id": u.id, "hospital_id": hospital.id}
                for u in (*inspectors, *heads, supervisor)
            ],
        )
        checklists = [
            {
                "id": version.checklist_id,
                "version": version.version,
                "items": [
                    (
                        item["id"],
                        item["severity"],
                        float(item["points"]),
                        item["text"]["zh-CN"],
                        item["text"]["en"],
                    )
                    for item in iter_items(version.definition)
                ],
            }
            for version in versions
        ]
        organisation = {
            "hospital_id": hospital.id,
            "departments": [d.id for d in departments],
            "locations": [(p.id, p.department_id, p.name_zh, p.name_en) for p in locations],
            "inspectors": [u.id for u in inspectors],
            "head_of": {h.department_id: h.id for h in heads},
            "supervisor": supervisor.username,
            "checklists": checklists,
        }
        session.commit()
    return organisation


def generate(engine: sa.Engine, plan: Plan, now: datetime) -> dict:
    """Insert a year of inspections, findings, tasks and submissions; return the counts."""
    rng = random.Random(plan.seed)
    org = set_up_organisation(engine, plan, rng)
    hospital_id = org["hospital_id"]
    start = now - timedelta(days=plan.days)
    # Draw the checklists first, so the inspection times can spread evenly over the whole year
    # and the last one ends exactly at the number of findings asked for.
    chosen, planned = [], 0
    while planned < plan.findings:
        checklist = rng.choice(org["checklists"])
        chosen.append(checklist)
        planned += min(ITEMS_PER_INSPECTION, len(checklist["items"]))
    starts = sorted(
        start + timedelta(seconds=rng.uniform(0, plan.days * 86400 - 7200)) for _ in chosen
    )
    inspections: list[dict] = []
    findings: list[dict] = []
    tasks: list[dict] = []
    links: list[dict] = []
    open_task: dict[tuple[int, str], dict] = {}
    counts = {"inspections": 0, "findings": 0}
    digest = "0" * 64

    def flush() -> None:
        with engine.begin() as connection:
            _insert(connection, Inspection.__table__, inspections)
            _insert(connection, Finding.__table__, findings)
        counts["inspections"] += len(inspections)
        counts["findings"] += len(findings)
        inspections.clear()
        findings.clear()

    def fail(checklist, location, item, found_at: datetime, finding_id: uuid.UUID) -> None:
        key = (location[0], item[0])
        task = open_task.get(key)
        if task is not None and (task["closed_at"] is None or task["closed_at"] > found_at):
            task["occurrences"] += 1
            links.append({"task_id": task["id"], "finding_id": finding_id})
            return
        created = found_at + timedelta(minutes=2)
        department_id = location[1]
        task = {
            "id": len(tasks) + 1,
            "version": 1,
            "hospital_id": hospital_id,
            "location_id": location[0],
            "department_id": department_id,
            "assignee_id": None,
            "checklist_id": checklist["id"],
            "item_id": item[0],
            "title_zh": f"{location[2]}：{item[3]}"[:300],
            "title_en": f"{location[3]}: {item[4]}"[:300],
            "severity": item[1],
            "points": item[2],
            "status": "closed",
            "due_at": _due(found_at, item[1]),
            "occurrences": 1,
            "created_at": created,
            "updated_at": created,
            "closed_at": None,
        }
        if rng.random() < 0.03:
            task["status"], task["closed_at"] = (
                "cancelled",
                created + timedelta(days=rng.uniform(0.05, 2)),
            )
        else:
            task["closed_at"] = created + timedelta(days=rng.lognormvariate(math.log(2.5), 0.9))
            task["assignee_id"] = org["head_of"][department_id]
        if task["closed_at"] >= now:
            task["status"], task["closed_at"] = rng.choice(("open", "assigned", "submitted")), None
            if task["status"] == "open":
                task["assignee_id"] = None
        task["updated_at"] = task["closed_at"] or created
        tasks.append(task)
        open_task[key] = task
        links.append({"task_id": task["id"], "finding_id": finding_id})

    for started, checklist in zip(starts, chosen, strict=True):
        location = rng.choice(org["locations"])
        inspector = rng.choice(org["inspectors"])
        inspection_id = _uuid(rng)
        items = rng.sample(checklist["items"], min(ITEMS_PER_INSPECTION, len(checklist["items"])))
        items = items[: plan.findings - counts["findings"] - len(findings)]
        inspections.append(
            {
                "id": inspection_id,
                "hospital_id": hospital_id,
                "location_id": location[0],
                "inspector_id": inspector,
                "checklist_id": checklist["id"],
                "checklist_version": checklist["version"],
                "kind": "supervision",
                "started_at": started,
                "finished_at": started + timedelta(seconds=30 * len(items)),
                "note": "",
                "device_id": "bench",
                "content_sha256": digest,
                "received_at": started + timedelta(seconds=30 * len(items) + 60),
            }
        )
        for index, item in enumerate(items):
            draw = rng.random()
            verdict = "fail" if draw < FAIL_RATE else "na" if draw < FAIL_RATE + NA_RATE else "pass"
            recorded = started + timedelta(seconds=30 * index)
            finding_id = _uuid(rng)
            findings.append(
                {
                    "id": finding_id,
                    "inspection_id": inspection_id,
                    "hospital_id": hospital_id,
                    "location_id": location[0],
                    "checklist_id": checklist["id"],
                    "checklist_version": checklist["version"],
                    "item_id": item[0],
                    "result": verdict,
                    "verdict": verdict,
                    "value": None,
                    "severity": item[1],
                    "points": item[2],
                    "note": "",
                    "supersedes_id": None,
                    "recorded_at": recorded,
                    "recorded_by_id": inspector,
                    "content_sha256": digest,
                    "received_at": recorded + timedelta(minutes=1),
                }
            )
            if verdict == "fail":
                fail(checklist, location, item, recorded, finding_id)
        if len(findings) >= CHUNK:
            flush()
    flush()

    submissions = []
    for task in tasks:
        actor = task["assignee_id"] or org["head_of"][task["department_id"]]
        if task["status"] in ("closed", "submitted"):
            end = task["closed_at"] or min(now, task["created_at"] + timedelta(days=1))
            evidence_at = task["created_at"] + (end - task["created_at"]) * 0.6
            if task["status"] == "closed" and rng.random() < 0.15:
                submissions.append(
                    _submission(
                        rng,
                        task,
                        "evidence",
                        None,
                        task["created_at"] + (end - task["created_at"]) * 0.2,
                        actor,
                    )
                )
                submissions.append(
                    _submission(
                        rng,
                        task,
                        "verification",
                        "fail",
                        task["created_at"] + (end - task["created_at"]) * 0.4,
                        org["inspectors"][0],
                    )
                )
            submissions.append(_submission(rng, task, "evidence", None, evidence_at, actor))
            if task["status"] == "closed":
                submissions.append(
                    _submission(rng, task, "verification", "pass", end, org["inspectors"][0])
                )
    with engine.begin() as connection:
        _insert(connection, RectificationTask.__table__, tasks)
        _insert(connection, task_findings, links)
        _insert(connection, TaskSubmission.__table__, submissions)
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('rectification_tasks', 'id'), "
                    "(SELECT max(id) FROM rectification_tasks))"
                )
            )
    return {
        **counts,
        "tasks": len(tasks),
        "open_tasks": sum(1 for t in tasks if t["closed_at"] is None),
        "task_findings": len(links),
        "submissions": len(submissions),
        "locations": plan.locations,
        "departments": plan.departments,
        "departments_ids": org["departments"],
        "hospital_id": hospital_id,
    }


def _submission(rng, task, kind, result, at, actor) -> dict:
    return {
        "id": _uuid(rng),
        "task_id": task["id"],
        "kind": kind,
        "result": result,
        "note": "",
        "photo_ids": [],
        "finding_id": None,
        "actor_id": actor,
        "content_sha256": hashlib.sha256(f"{task['id']}{kind}{at}".encode()).hexdigest(),
        "created_at": at,
    }


# --- measurements ----------------------------------------------------------------------------


def time_rollup(engine: sa.Engine, hospital_id: int, now: datetime, runs: int = 3) -> dict:
    """Time compute_rollup of the last completed week (a cold run, then ``runs`` timed runs)."""
    from server.services.exports import problem_list_csv, problem_list_xlsx
    from server.services.rollups import compute_rollup, last_completed_week
    from server.storage import LocalPhotoStorage

    with Session(engine) as session:
        hospital = session.get(Hospital, hospital_id)
        week = last_completed_week(hospital, now)
        began = time.perf_counter()
        rollup = compute_rollup(session, hospital, week, now)
        cold = time.perf_counter() - began
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            rollup = compute_rollup(session, hospital, week, now)
            timings.append(time.perf_counter() - began)
        began = time.perf_counter()
        csv_bytes = problem_list_csv([rollup])
        csv_seconds = time.perf_counter() - began
        began = time.perf_counter()
        with tempfile.TemporaryDirectory() as photos:
            xlsx_bytes = problem_list_xlsx(session, LocalPhotoStorage(photos), [rollup], week)
        xlsx_seconds = time.perf_counter() - began
    return {
        "week": week,
        "cold": cold,
        "median": statistics.median(timings),
        "runs": timings,
        "totals": rollup["totals"],
        "problems": len(rollup["problems"]),
        "csv": (csv_seconds, len(csv_bytes)),
        "xlsx": (xlsx_seconds, len(xlsx_bytes)),
    }


def time_task_list(url: str, workdir: Path, departments: list[int], requests: int) -> str:
    """p50/p95 of GET /api/v1/tasks?overdue=true&department_id=… through the app."""
    from server.app import create_app
    from server.extensions import db
    from server.services import auth

    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(workdir / "instance"),
            "PHOTO_DIR": str(workdir / "photos"),
            "SECRET_KEY": "bench-secret",
            "TESTING": True,
        }
    )
    with app.app_context():
        token, _row = auth.login(
            db.session, "supervisor", PASSWORD, device_name="bench", ttl=timedelta(hours=1)
        )
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    probe = client.get(
        f"/api/v1/tasks?overdue=true&department_id={departments[0]}", headers=headers
    )
    if probe.status_code == 404:
        return time_task_service(app, departments, requests)
    if probe.status_code != 200:
        answer = probe.get_data(as_text=True)[:200]
        return f"not measured: the route answered {probe.status_code} {answer}"
    timings, totals = [], []
    for _ in range(requests):
        department = rng.choice(departments)
        began = time.perf_counter()
        response = client.get(
            f"/api/v1/tasks?overdue=true&department_id={department}", headers=headers
        )
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        totals.append(int(response.headers.get("X-Total-Count", "0")))
    ms = [t * 1000 for t in timings]
    return (
        f"HTTP (in-process WSGI), {requests} requests over {len(departments)} departments: "
        f"p50 {percentile(ms, 0.5):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms "
        f"(overdue tasks per department: median {statistics.median(totals):.0f}, page of "
        f"{len(response.json) if isinstance(response.json, list) else '?'})"
    )


def time_task_service(app, departments: list[int], requests: int) -> str:
    """Fallback when the route is missing: the task service's list_tasks, if it exists."""
    from server.extensions import db

    try:
        from server.services.tasks import list_tasks
    except ImportError:
        try:
            from server.services.task_workflow import list_tasks
        except ImportError:
            return "not measured: neither GET /api/v1/tasks nor a list_tasks service exists"
    rng = random.Random(7)
    timings = []
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "supervisor")).one()
        for _ in range(requests):
            began = time.perf_counter()
            list_tasks(db.session, user, overdue=True, department_id=rng.choice(departments))
            timings.append(time.perf_counter() - began)
    ms = [t * 1000 for t in timings]
    return (
        f"service list_tasks (no route): p50 {percentile(ms, 0.5):.1f} ms, "
        f"p95 {percentile(ms, 0.95):.1f} ms"
    )


def run(kind: str, url: str, plan: Plan, now: datetime, requests: int, workdir: Path) -> None:
    print(f"\n== {kind} ==", flush=True)
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    began = time.perf_counter()
    counts = generate(engine, plan, now)
    generation = time.perf_counter() - began
    print(
        f"generated in {generation:.0f} s: {counts['findings']:,} findings, "
        f"{counts['inspections']:,} inspections, {counts['tasks']:,} tasks "
        f"({counts['open_tasks']:,} open now), {counts['task_findings']:,} task-finding links, "
        f"{counts['submissions']:,} submissions, {counts['locations']} locations, "
        f"{counts['departments']} departments",
        flush=True,
    )
    if kind == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))  # what autovacuum would have done by now
    result = time_rollup(engine, counts["hospital_id"], now)
    runs = ", ".join(f"{t * 1000:.0f}" for t in result["runs"])
    print(
        f"compute_rollup {result['week']}: median of 3 {result['median'] * 1000:.0f} ms "
        f"(runs {runs} ms; cold {result['cold'] * 1000:.0f} ms)"
    )
    print(f"  week totals {result['totals']}; problem list {result['problems']} rows")
    print(
        f"  problem list CSV {result['csv'][0] * 1000:.0f} ms ({result['csv'][1]:,} bytes), "
        f"XLSX {result['xlsx'][0] * 1000:.0f} ms ({result['xlsx'][1]:,} bytes)"
    )
    engine.dispose()
    print(
        "GET /api/v1/tasks?overdue=true&department_id=<id>: "
        + time_task_list(url, workdir, counts["departments_ids"], requests),
        flush=True,
    )


def main() -> None:
    unwind_on_sigterm()  # a stopped bench still stops the servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL cluster to use (a database is created)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    plan = Plan(findings=args.findings)
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"Wardwalk rollup benchmark · {machine()}")
    print(f"data: one hospital ({TZ}), a year ending {now.isoformat()}, seed {plan.seed}")
    with tempfile.TemporaryDirectory(prefix="wardwalk-rollup-bench-") as tmp:
        workdir = Path(tmp)
        if not args.no_sqlite:
            with sqlite_database(workdir) as url:
                run("sqlite", url, plan, now, args.requests, workdir)
        if not args.no_postgres:
            with postgres_database(args.postgres) as url:
                run("postgresql", url, plan, now, args.requests, workdir)


if __name__ == "__main__":
    sys.exit(main())
