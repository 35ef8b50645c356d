"""Sync ingest over real HTTP, against pouchdb-server and against the raw insert rate (the ceiling).

For each database kind (SQLite always; PostgreSQL with ``--postgres URL`` or
``--start-postgres``):

1. Two fresh databases are made and set up exactly as a deployment is (``wardwalk init`` with
   the project's checklists, ``wardwalk demo`` with a known password).
2. gunicorn as ``scripts/docker-web`` runs it (``--workers 3 --threads 4``, gthread, access log;
   loopback only) serves the first one. The benchmark logs in as the demo ``inspector``, reads
   the checklists and locations like the PWA does, and pushes ``--findings`` findings (default
   10,000) in batches of ``--batch`` (default 200) over one keep-alive connection, each batch
   with the inspections its findings belong to (up to 50 pass/fail answers of the civilized-city
   checklist per inspection, ~10% failing; failures of photo-required-on-fail items name one
   photo, and every failure opens or joins a rectification task). Request bodies are encoded
   before the clock starts.
3. The first batch is pushed again: an idempotent replay (every result ``duplicate``).
4. gunicorn is stopped (always, also on error).
5. pouchdb-server 4.2.0 (installed once with ``npm install`` from the npm registry into
   ``~/.cache/wardwalk-bench``) runs on loopback with its default on-disk LevelDB in a
   temporary folder. The same records, as documents with ``_id`` = the record's id, go to
   ``POST /<db>/_bulk_docs`` in the same batches over one keep-alive connection.
6. The same inspection and finding rows (same columns, same batches, one transaction per batch)
   are inserted into the second database with SQLAlchemy Core ``executemany``: the ceiling.
7. The floor of the stack: a third database served the same way by ``bench/floor_app.py`` — the
   same bodies, over HTTP, through Flask, loaded and hashed with Wardwalk's own loaders,
   inserted with its bulk path and committed as deployed, and nothing else (no token, rules,
   tasks, notices or change log). What Wardwalk spends above it is its rules'; what the floor
   spends is the stack's, whatever the design of the ingest.

It prints records/s (inspections + findings), the ratios Wardwalk / pouchdb-server, Wardwalk /
floor, floor / pouchdb-server and Wardwalk / Core ceiling. Nothing here asserts a time.

    .venv/bin/python bench/sync_ingest.py [--findings 10000] [--batch 200]
    .venv/bin/python bench/sync_ingest.py --start-postgres        # throwaway cluster, stopped after
    .venv/bin/python bench/sync_ingest.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _common import PROJECT_ROOT, NpmUnavailable, machine, npm_install, summary_ms

from tests.support.deployment import (
    DEMO_PASSWORD,
    SECRET_KEY,
    Instance,
    fresh_instance,
    set_up,
)
from tests.support.gunicorn import Gunicorn
from tests.support.servers import free_port
from tests.support.terminate import unwind_on_sigterm

CHECKLIST = "civilized-city"
FINDINGS_PER_INSPECTION = 50
SHANGHAI = timezone(timedelta(hours=8))
POUCHDB_VERSION = "4.2.0"


class Api:
    """A keep-alive JSON client of one server."""

    def __init__(self, port: int, prefix: str = "/api/v1") -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.prefix = prefix
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, object]:
        self.connection.request(method, self.prefix + path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def ok(self, method: str, path: str, payload: object = None) -> object:
        body = None if payload is None else json.dumps(payload).encode()
        status, answer = self.call(method, path, body)
        if status not in (200, 201):
            raise RuntimeError(f"{method} {path} → {status}: {answer}")
        return answer

    def close(self) -> None:
        self.connection.close()


# --- what is pushed --------------------------------------------------------------------------


@dataclass
class Plan:
    """The pushes of the run, and the rows they stand for (for the Core ceiling)."""

    bodies: list[dict] = field(default_factory=list)
    inspections: int = 0
    findings: int = 0
    failures: int = 0
    photo_refs: int = 0


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def make_plan(definition: dict, version: int, locations: list[dict], args) -> Plan:
    """Split ``args.findings`` answers into pushes of ``args.batch`` findings plus inspections."""
    rng = random.Random(args.seed)
    items = [
        item
        for section in definition["sections"]
        for item in section["items"]
        if item["type"] == "pass_fail"
    ]
    plan = Plan()
    started = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    remaining = args.findings
    while remaining:
        in_batch = min(args.batch, remaining)
        remaining -= in_batch
        body = {"device_id": f"bench-{args.seed}", "inspections": [], "findings": [], "records": []}
        while in_batch:
            answers = min(FINDINGS_PER_INSPECTION, in_batch, len(items))
            in_batch -= answers
            started += timedelta(minutes=37)
            inspection = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "checklist_id": CHECKLIST,
                "checklist_version": version,
                "location_id": rng.choice(locations)["id"],
                "kind": rng.choice(["self", "supervision", "unannounced"]),
                "started_at": _iso(started),
                "finished_at": _iso(started + timedelta(minutes=30)),
                "note": "",
            }
            body["inspections"].append(inspection)
            for n, item in enumerate(rng.sample(items, answers)):
                fails = rng.random() < args.fail_share
                photos = []
                if fails and item["photo"] == "required_on_fail":
                    photos = [
                        {
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "sha256": f"{rng.getrandbits(256):064x}",
                            "bytes": rng.randrange(150_000, 900_000),
                        }
                    ]
                body["findings"].append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "inspection_id": inspection["id"],
                        "item_id": item["id"],
                        "result": "fail" if fails else "pass",
                        "value": None,
                        "note": "地面有积水" if fails else "",
                        "photos": photos,
                        "recorded_at": _iso(started + timedelta(seconds=20 * n)),
                    }
                )
                plan.failures += fails
                plan.photo_refs += len(photos)
            plan.inspections += 1
            plan.findings += answers
        plan.bodies.append(body)
    return plan


# --- phases ----------------------------------------------------------------------------------


@dataclass
class HttpResult:
    seconds: float
    per_push: list[float]
    replay_seconds: float
    tasks: int
    missing_photos: int


def _push_all(api: Api, path: str, plan: Plan) -> tuple[float, list[float], list[dict]]:
    """Push every batch in order, bodies encoded before the clock starts; check every answer.

    Return the seconds in all, each push's, and the answers.
    """
    encoded = [json.dumps(body).encode() for body in plan.bodies]
    per_push, answers = [], []
    start = time.perf_counter()
    for body, data in zip(plan.bodies, encoded, strict=True):
        began = time.perf_counter()
        status, answer = api.call("POST", path, data)
        per_push.append(time.perf_counter() - began)
        _check(status, answer, body, "created")
        answers.append(answer)
    return time.perf_counter() - start, per_push, answers


def push_over_http(api: Api, plan: Plan) -> HttpResult:
    """Push every batch in order, then replay the first; check every answer."""
    seconds, per_push, answers = _push_all(api, "/sync/push", plan)
    tasks = {task["id"] for answer in answers for task in answer["tasks"]}
    missing = sum(len(answer["missing_photos"]) for answer in answers)

    first = json.dumps(plan.bodies[0]).encode()
    began = time.perf_counter()
    status, answer = api.call("POST", "/sync/push", first)
    replay_seconds = time.perf_counter() - began
    _check(status, answer, plan.bodies[0], "duplicate")
    return HttpResult(seconds, per_push, replay_seconds, len(tasks), missing)


@dataclass
class FloorResult:
    seconds: float
    per_push: list[float]


def push_to_floor(instance: Instance, plan: Plan, workdir: Path, args) -> FloorResult:
    """Push every batch to ``bench/floor_app.py`` served like Wardwalk; check every answer."""
    server = Gunicorn(
        instance.env(),
        workdir / "floor.log",
        workers=args.workers,
        threads=args.threads,
        app="floor_app:create()",
        pythonpath=str(Path(__file__).resolve().parent),
    )
    with server:
        api = Api(server.port, prefix="")
        try:
            seconds, per_push, _ = _push_all(api, "/floor/push", plan)
            return FloorResult(seconds, per_push)
        finally:
            api.close()


def _check(status: int, answer: dict, body: dict, expected: str) -> None:
    if status != 200:
        raise RuntimeError(f"push answered {status}: {answer}")
    count = len(body["inspections"]) + len(body["findings"])
    wrong = [r for r in answer["results"] if r["status"] != expected]
    if wrong or len(answer["results"]) != count:
        raise RuntimeError(f"expected {count} × {expected}, got e.g. {wrong[:2]}")


def core_ceiling(instance: Instance, plan: Plan, definition: dict) -> float:
    """Insert the plan's rows with Core executemany, one transaction per batch; return seconds."""
    from sqlalchemy import insert, select

    from server.app import create_app
    from server.extensions import db
    from server.models import Finding, Inspection, Location, User
    from server.timeutil import utcnow
    from server.write_intent import sqlite_write_intent

    items = {item["id"]: item for s in definition["sections"] for item in s["items"]}
    app = create_app(
        {
            "DATABASE_URL": instance.database_url,
            "INSTANCE_DIR": str(instance.directory),
            "SECRET_KEY": SECRET_KEY,
            "CHECKLIST_DIR": str(PROJECT_ROOT / "checklists"),
        }
    )
    with app.app_context():
        inspector_id = db.session.scalar(select(User.id).where(User.username == "inspector"))
        hospital_of = dict(db.session.execute(select(Location.id, Location.hospital_id)).all())
        db.session.remove()

        def digest(record: dict) -> str:
            return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()

        batches = []  # built before the clock starts: only the inserts are timed
        now = utcnow()
        for body in plan.bodies:
            parents = {i["id"]: i for i in body["inspections"]}
            inspections = [
                {
                    "id": uuid.UUID(i["id"]),
                    "hospital_id": hospital_of[i["location_id"]],
                    "location_id": i["location_id"],
                    "inspector_id": inspector_id,
                    "checklist_id": i["checklist_id"],
                    "checklist_version": i["checklist_version"],
                    "kind": i["kind"],
                    "started_at": datetime.fromisoformat(i["started_at"]),
                    "finished_at": datetime.fromisoformat(i["finished_at"]),
                    "note": i["note"],
                    "device_id": body["device_id"],
                    "content_sha256": digest(i),
                    "received_at": now,
                }
                for i in body["inspections"]
            ]
            findings = []
            for f in body["findings"]:
                parent = parents[f["inspection_id"]]
                item = items[f["item_id"]]
                findings.append(
                    {
                        "id": uuid.UUID(f["id"]),
                        "inspection_id": uuid.UUID(f["inspection_id"]),
                        "hospital_id": hospital_of[parent["location_id"]],
                        "location_id": parent["location_id"],
                        "checklist_id": parent["checklist_id"],
                        "checklist_version": parent["checklist_version"],
                        "item_id": f["item_id"],
                        "result": f["result"],
                        "verdict": f["result"],
                        "value": None,
                        "severity": item["severity"],
                        "points": item["points"],
                        "note": f["note"],
                        "supersedes_id": None,
                        "recorded_at": datetime.fromisoformat(f["recorded_at"]),
                        "recorded_by_id": inspector_id,
                        "content_sha256": digest(f),
                        "received_at": now,
                    }
                )
            batches.append((inspections, findings))

        engine = db.engine
        with engine.connect():
            pass  # open the pool's first connection outside the timing
        start = time.perf_counter()
        with sqlite_write_intent():
            for inspections, findings in batches:
                with engine.begin() as connection:
                    connection.execute(insert(Inspection.__table__), inspections)
                    connection.execute(insert(Finding.__table__), findings)
        seconds = time.perf_counter() - start
        engine.dispose()
    return seconds


# --- pouchdb-server ---------------------------------------------------------------------------


class PouchUnavailable(RuntimeError):
    """pouchdb-server could not be installed or started here; the message says why."""


def install_pouchdb() -> Path:
    """Return pouchdb-server's executable, installed with npm once (bench/_common.py)."""
    try:
        return npm_install("pouchdb-server", POUCHDB_VERSION, "pouchdb-server")
    except NpmUnavailable as exc:
        raise PouchUnavailable(str(exc)) from exc


@dataclass
class PouchResult:
    seconds: float
    per_push: list[float]
    docs: int


def pouch_docs(body: dict) -> list[dict]:
    """The push's inspections and findings as CouchDB documents, ``_id`` = the record's id."""
    return [
        {"_id": record["id"], "type": kind, **{k: v for k, v in record.items() if k != "id"}}
        for key, kind in (("inspections", "inspection"), ("findings", "finding"))
        for record in body[key]
    ]


def push_to_pouchdb(executable: Path, plan: Plan, workdir: Path) -> PouchResult:
    """Start pouchdb-server on loopback, post every batch to ``_bulk_docs``, stop it."""
    port = free_port()
    workdir.mkdir()
    command = [
        str(executable),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--dir",
        str(workdir / "db"),  # LevelDB on disk, its default
        "--config",
        str(workdir / "config.json"),
        "--no-stdout-logs",  # it still writes its request log to log.txt, as by default
    ]
    with open(workdir / "output.log", "wb") as output:
        process = subprocess.Popen(
            command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for_pouchdb(process, port, workdir)
        api = Api(port, prefix="")
        try:
            api.ok("PUT", "/wardwalk")
            encoded = [json.dumps({"docs": pouch_docs(body)}).encode() for body in plan.bodies]
            per_push, docs = [], 0
            start = time.perf_counter()
            for data in encoded:
                began = time.perf_counter()
                status, answer = api.call("POST", "/wardwalk/_bulk_docs", data)
                per_push.append(time.perf_counter() - began)
                if status != 201 or not all(doc.get("ok") for doc in answer):
                    raise RuntimeError(f"_bulk_docs answered {status}: {str(answer)[:300]}")
                docs += len(answer)
            seconds = time.perf_counter() - start
        finally:
            api.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return PouchResult(seconds, per_push, docs)


def _wait_for_pouchdb(process: subprocess.Popen, port: int, workdir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (workdir / "output.log").read_text(errors="replace")[-3000:]
            raise PouchUnavailable(f"pouchdb-server exited with {process.returncode}:\n{output}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise PouchUnavailable("pouchdb-server did not answer within 60 s")


def run(kind: str, postgres_url: str | None, pouchdb: Path | None, args) -> None:
    """Every phase on one kind of database; print the figures."""
    with tempfile.TemporaryDirectory(prefix="wardwalk-bench-") as tmp, ExitStack() as cleanup:
        workdir = Path(tmp)
        http_db = fresh_instance(workdir / "http", postgres_url, "wardwalk_bench_http")
        cleanup.callback(http_db.drop)
        core_db = fresh_instance(workdir / "core", postgres_url, "wardwalk_bench_core")
        cleanup.callback(core_db.drop)
        floor_db = fresh_instance(workdir / "floor", postgres_url, "wardwalk_bench_floor")
        cleanup.callback(floor_db.drop)
        start = time.perf_counter()
        set_up(http_db)
        set_up(core_db)
        set_up(floor_db)
        print(f"\n[{kind}] databases migrated and seeded in {time.perf_counter() - start:.1f} s")

        server = Gunicorn(
            http_db.env(), workdir / "gunicorn.log", workers=args.workers, threads=args.threads
        )
        with server:
            api = Api(server.port)
            try:
                login = {"username": "inspector", "password": DEMO_PASSWORD}
                token = api.ok("POST", "/auth/login", login)["token"]
                api.headers["Authorization"] = f"Bearer {token}"
                summaries = {c["id"]: c for c in api.ok("GET", "/checklists")}
                version = summaries[CHECKLIST]["version"]
                definition = api.ok("GET", f"/checklists/{CHECKLIST}")
                areas = [loc for loc in api.ok("GET", "/locations") if loc["kind"] == "area"]
                plan = make_plan(definition, version, areas, args)
                result = push_over_http(api, plan)
            finally:
                api.close()

        floor = push_to_floor(floor_db, plan, workdir, args)

        pouch = None
        if pouchdb is not None:
            try:
                pouch = push_to_pouchdb(pouchdb, plan, workdir / "pouchdb")
            except PouchUnavailable as exc:
                print(f"[{kind}] pouchdb-server did not run, no ratio to it: {exc}")
        core_seconds = core_ceiling(core_db, plan, definition)

    records = plan.inspections + plan.findings
    http_rate = records / result.seconds
    core_rate = records / core_seconds
    print(
        f"[{kind}] pushed {plan.findings} findings + {plan.inspections} inspections "
        f"= {records} records in {len(plan.bodies)} pushes of {args.batch} findings "
        f"(gunicorn --workers {args.workers} --threads {args.threads}, one keep-alive client)"
    )
    print(
        f"[{kind}] {plan.failures} failures ({plan.failures / plan.findings:.1%}) → "
        f"{result.tasks} tasks; {plan.photo_refs} photo slots, {result.missing_photos} reported "
        f"missing"
    )
    print(
        f"[{kind}] HTTP ingest   {result.seconds:8.2f} s  {http_rate:9.0f} records/s  "
        f"{plan.findings / result.seconds:9.0f} findings/s"
    )
    print(f"[{kind}] per push      {summary_ms(result.per_push)}")
    if pouch is not None:
        pouch_rate = pouch.docs / pouch.seconds
        print(
            f"[{kind}] pouchdb-server {POUCHDB_VERSION} _bulk_docs {pouch.seconds:6.2f} s  "
            f"{pouch_rate:9.0f} docs/s  (LevelDB on disk, same batches, one keep-alive client)"
        )
        print(f"[{kind}] per _bulk_docs {summary_ms(pouch.per_push)}")
    print(
        f"[{kind}] Core ceiling  {core_seconds:8.2f} s  {core_rate:9.0f} records/s  "
        f"(executemany, one transaction per batch)"
    )
    floor_rate = records / floor.seconds
    print(
        f"[{kind}] floor         {floor.seconds:8.2f} s  {floor_rate:9.0f} records/s  "
        f"(bench/floor_app.py: Flask, load, hash, insert, commit — no rules)"
    )
    print(f"[{kind}] per floor push {summary_ms(floor.per_push)}")
    if pouch is not None:
        print(f"[{kind}] ratio Wardwalk / pouchdb-server = {http_rate / pouch_rate:.3f}")
        print(f"[{kind}] ratio floor / pouchdb-server = {floor_rate / pouch_rate:.3f}")
    print(f"[{kind}] ratio Wardwalk / floor = {http_rate / floor_rate:.3f}")
    print(f"[{kind}] ratio HTTP ingest / Core ceiling = {http_rate / core_rate:.3f}")
    first = len(plan.bodies[0]["inspections"]) + len(plan.bodies[0]["findings"])
    print(
        f"[{kind}] replay of push 1 ({first} records, all duplicate): "
        f"{result.replay_seconds * 1000:.0f} ms "
        f"(first push took {result.per_push[0] * 1000:.0f} ms)"
    )


def main() -> None:
    unwind_on_sigterm()  # a stopped bench still stops the servers it started
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200, help="findings per push")
    parser.add_argument("--fail-share", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=3, help="scripts/docker-web: WEB_WORKERS")
    parser.add_argument("--threads", type=int, default=4, help="scripts/docker-web: WEB_THREADS")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="maintenance database of a cluster")
    parser.add_argument(
        "--start-postgres",
        action="store_true",
        help="start a throwaway cluster (tests/support/postgres.py) and stop it afterwards",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-pouchdb", action="store_true", help="skip pouchdb-server")
    args = parser.parse_args()
    if args.findings < 1 or not 1 <= args.batch <= 450:
        parser.error("--findings must be ≥ 1 and --batch within 1..450 (push limit 500 records)")

    print(f"sync_ingest · {machine()}")
    pouchdb = None
    if not args.no_pouchdb:
        try:
            pouchdb = install_pouchdb()
        except PouchUnavailable as exc:
            print(f"pouchdb-server {POUCHDB_VERSION} unavailable, no ratio to it: {exc}")
    with ExitStack() as cleanup:
        postgres = args.postgres
        if args.start_postgres:
            from tests.support.postgres import start_cluster

            cluster = start_cluster()
            cleanup.callback(cluster.stop)
            postgres = cluster.url()
            print("PostgreSQL: throwaway cluster (fsync=off, synchronous_commit=off)")
        if not args.no_sqlite:
            run("sqlite", None, pouchdb, args)
        if postgres:
            run("postgresql", postgres, pouchdb, args)


if __name__ == "__main__":
    main()
