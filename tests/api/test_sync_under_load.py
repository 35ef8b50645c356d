"""Sixteen phones pushing overlapping batches to a multi-worker gunicorn, on the run's database.

One fleet runs once for the module (``tests/support/fleet.py``): 16 devices, each 4 pushes of an
inspection with 8 findings of the project's civilized-city checklist at three areas of the demo
hospital, about a third failing with a photo (so failures of one problem race to open or join
its task), half the pushes carrying another device's records, a fifth losing their first answer
and sent again, every missing photo uploaded. The server is a real gunicorn (2 workers × 4
threads) on a database set up by ``wardwalk init`` + ``wardwalk demo``. The tests then check what
the devices were told and what the database holds (``tests/support/audit.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.audit import Audit, audit, count_deadlocks, deadlocks_in_log
from tests.support.deployment import clone, issue_tokens
from tests.support.fleet import Fleet, Ledger, make_fleet, read_reference, run_fleet
from tests.support.gunicorn import Gunicorn, exceptions

DEVICES = 16


@dataclass(repr=False)
class Run:
    fleet: Fleet
    ledger: Ledger
    audit: Audit
    server_log: str = ""
    deadlocks: int | None = None
    deadlock_lines: list[str] | None = None

    def __repr__(self) -> str:  # what a failing assertion shows
        return f"Run(answers={dict(self.ledger.statuses)}, problems={self.audit.problems})"


@pytest.fixture(scope="module")
def run(demo_template, backend, tmp_path_factory, request) -> Run:
    directory = tmp_path_factory.mktemp("fleet")
    instance = clone(demo_template, directory, "wardwalk_fleet")
    tokens = issue_tokens(instance, "inspector", [f"phone-{n:03d}" for n in range(DEVICES)])
    cluster = request.getfixturevalue("pg_cluster") if backend == "postgresql" else None
    pg_log = cluster.log if cluster else None  # None: a cluster elsewhere; its counter still counts
    log_offset = pg_log.stat().st_size if pg_log else 0
    try:
        with Gunicorn(instance.env(), directory / "gunicorn.log", workers=2, threads=4) as server:
            definition, version, areas = read_reference(server.port, tokens[0], "civilized-city")
            fleet = make_fleet(
                definition,
                version,
                areas[:3],
                devices=DEVICES,
                pushes=4,
                findings=8,
                fail_share=0.35,
                overlap=0.5,
                lost=0.2,
                seed=9,
            )
            ledger = run_fleet(server.port, fleet, tokens, seconds=45)
        result = Run(fleet, ledger, audit(instance.database_url, instance.photo_dir, fleet, ledger))
        result.server_log = server.log_tail(10**7)
        if backend == "postgresql":
            result.deadlocks = count_deadlocks(instance.database_url)
            result.deadlock_lines = deadlocks_in_log(pg_log, log_offset) if pg_log else []
        yield result
    finally:
        instance.drop()


def test_the_fleet_raced_shared_and_replayed_pushes(run):
    steps = [step for device in run.fleet.devices for step in device]
    assert sum(step.shared for step in steps) >= DEVICES
    assert sum(step.lose_first_answer for step in steps) >= 4
    assert run.ledger.lost_answers == sum(step.lose_first_answer for step in steps)
    assert len(run.fleet.expected_photos()) >= 20


def test_no_push_or_upload_is_answered_5xx(run):
    server_errors = run.ledger.server_errors()
    assert server_errors == 0, f"{dict(run.ledger.statuses)}; {dict(exceptions(run.server_log))}"


def test_no_record_is_answered_rejected_while_stored(run):
    assert run.audit.figures["rejected but stored"] == 0, run.audit.found["answers"]


def test_every_device_is_answered_as_a_correct_server_answers(run):
    assert run.audit.found["answers"] == []


def test_every_distinct_record_and_photo_is_stored_once(run):
    assert run.audit.found["records"] == []
    assert run.audit.figures["findings sent"] == sum(
        len(push.body["findings"]) for push in run.fleet.unique
    )


def test_every_failure_counts_once_in_its_problems_one_task(run):
    assert run.audit.found["tasks"] == []
    assert run.audit.figures["tasks"] < run.audit.figures["failing findings"]  # problems repeat


@pytest.mark.postgres_only
def test_postgresql_detects_no_deadlock(run):
    deadlocks, logged = run.deadlocks, run.deadlock_lines
    assert (deadlocks, logged) == (0, [])
