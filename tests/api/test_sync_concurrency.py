"""Pushes racing each other on a real threaded server end with exactly one row each.

On PostgreSQL a push holds the locks of its places only: pushes at other places go on meanwhile,
and a push at the same place waits for the first one and then finds its rows.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from server.jobs import run_job
from server.models import Finding, Inspection, RectificationTask
from server.services import sync, tasks
from tests import factories as f
from tests.support.pausing import pause_calls


def _push(base: str, headers: dict, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/sync/push",
        data=json.dumps(body).encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _race(base: str, headers: dict, bodies: list[dict]) -> list[dict]:
    """Send every body at the same moment from its own thread; return the answers."""
    barrier = threading.Barrier(len(bodies))
    answers: list[dict | Exception] = [None] * len(bodies)

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = _push(base, headers, bodies[index])
        except Exception as exc:  # reported below, in the test's thread
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    failures = [answer for answer in answers if isinstance(answer, Exception)]
    assert not failures, failures
    return answers


def _count(session, model) -> int:
    session.commit()  # end the test's read snapshot (SQLite WAL), so the servers' commits show
    return session.scalar(select(func.count()).select_from(model))


def test_the_same_batch_pushed_concurrently_is_stored_once(live_server, session, inspector, place):
    _, headers = inspector
    for round_number in range(1, 6):
        inspection = f.inspection_payload(place.id)
        findings = [
            f.finding_payload(inspection["id"], item, "pass", value=value)
            for item, value in (("queue.minutes", 3), ("toilet.odour", "none"))
        ]
        body = f.push_body([inspection], findings)
        answers = _race(live_server, headers, [body, body, body])
        for position in range(3):
            statuses = sorted(answer["results"][position]["status"] for answer in answers)
            assert statuses == ["created", "duplicate", "duplicate"]
        assert _count(session, Inspection) == round_number
        assert _count(session, Finding) == 2 * round_number


def test_concurrent_failures_of_one_problem_share_one_task(live_server, session, inspector, place):
    _, headers = inspector
    for round_number in range(1, 4):
        bodies = []
        for _ in range(3):
            inspection = f.inspection_payload(place.id)
            failing = f.finding_payload(
                inspection["id"], "log.missing_days", "fail", value=round_number
            )
            bodies.append(f.push_body([inspection], [failing]))
        answers = _race(live_server, headers, bodies)
        assert all(a["results"][1]["status"] == "created" for a in answers)
        task_ids = {answer["tasks"][0]["id"] for answer in answers}
        assert len(task_ids) == 1
        session.commit()
        task = session.get(RectificationTask, task_ids.pop())
        assert task.occurrences == 3
        task.status = "closed"  # the next round must open a new task
        session.commit()
    assert _count(session, RectificationTask) == 3


def _push_paused_at(monkeypatch, location_id: int):
    """Pause every push at ``location_id`` after its rows are written, before tasks and commit."""
    return pause_calls(
        monkeypatch, sync, "_apply_effects", lambda batch: location_id in batch.known.locations
    )


def _ledger_paused_at(monkeypatch, location_id: int):
    """Pause every push at ``location_id`` between reading its open tasks and writing them."""
    return pause_calls(
        monkeypatch,
        tasks.TaskLedger,
        "write",
        lambda ledger: any(key[1] == location_id for key in ledger._open),
    )


class _Pushing(threading.Thread):
    """One push sent from its own thread; ``answer`` once it is back."""

    def __init__(self, base: str, headers: dict, body: dict) -> None:
        super().__init__()
        self.base, self.headers, self.body = base, headers, body
        self.answer: dict | Exception | None = None
        self.start()

    def run(self) -> None:
        try:
            self.answer = _push(self.base, self.headers, self.body)
        except Exception as exc:  # checked in the test's thread
            self.answer = exc


def _one_failing_answer(location_id: int) -> dict:
    inspection = f.inspection_payload(location_id)
    waited = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=40)  # fails
    return f.push_body([inspection], [waited])


@pytest.mark.postgres_only
def test_a_push_at_another_place_is_stored_while_a_push_holds_its_place(
    live_server, session, hospital, inspector, place, monkeypatch
):
    _, headers = inspector
    elsewhere = f.location(session, hospital)
    session.commit()
    with _push_paused_at(monkeypatch, place.id) as arrived:
        first = _Pushing(live_server, headers, _one_failing_answer(place.id))
        assert arrived.wait(timeout=30)
        answer = _push(live_server, headers, _one_failing_answer(elsewhere.id))
        assert first.is_alive()  # the first push still holds its place
    first.join(timeout=30)
    assert [r["status"] for r in answer["results"]] == ["created", "created"]
    assert [r["status"] for r in first.answer["results"]] == ["created", "created"]
    assert len({task["id"] for task in answer["tasks"] + first.answer["tasks"]}) == 2


def _lock_waits(session) -> int:
    """Count the advisory locks that some connection is waiting for."""
    session.commit()  # a fresh snapshot of pg_locks
    return session.scalar(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    )


@pytest.mark.postgres_only
def test_a_push_at_a_held_place_waits_for_it_and_then_joins_its_task(
    live_server, session, inspector, place, monkeypatch
):
    _, headers = inspector
    with _push_paused_at(monkeypatch, place.id) as arrived:
        first = _Pushing(live_server, headers, _one_failing_answer(place.id))
        assert arrived.wait(timeout=30)
        second = _Pushing(live_server, headers, _one_failing_answer(place.id))
        for _ in range(600):  # until the second push queues for the place (or 30 s)
            if _lock_waits(session):
                break
            time.sleep(0.05)
        assert _lock_waits(session) == 1
        assert second.is_alive()
    first.join(timeout=30)
    second.join(timeout=30)
    assert [r["status"] for r in second.answer["results"]] == ["created", "created"]
    (opened,) = first.answer["tasks"]
    (joined,) = second.answer["tasks"]
    assert (joined["id"], joined["occurrences"]) == (opened["id"], 2)


@contextmanager
def _joining_a_task(base: str, headers: dict, location_id: int, monkeypatch):
    """Open a task at a place, then hold a second failing push there between reading the task
    and writing it; yield the task (as the first answer named it) and the pushing thread."""
    (opened,) = _push(base, headers, _one_failing_answer(location_id))["tasks"]
    with _ledger_paused_at(monkeypatch, location_id) as arrived:
        pushing = _Pushing(base, headers, _one_failing_answer(location_id))
        assert arrived.wait(timeout=30)
        yield opened, pushing
    pushing.join(timeout=30)


def _patch(base: str, headers: dict, task_id: int, version: int, changes: dict) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/tasks/{task_id}",
        data=json.dumps(changes).encode(),
        method="PATCH",
        headers={**headers, "Content-Type": "application/json", "If-Match": f'"{version}"'},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _waiting_until_queued(session, *threads: threading.Thread) -> None:
    """Return once some connection waits for an advisory lock (at most 30 s); the threads wait."""
    for _ in range(600):
        if _lock_waits(session):
            break
        time.sleep(0.05)
    assert _lock_waits(session) == 1
    assert all(thread.is_alive() for thread in threads)


@pytest.mark.postgres_only
def test_a_task_changed_while_a_push_joins_it_waits_and_then_meets_the_new_version(
    live_server, session, make_user, inspector, place, monkeypatch
):
    _, headers = inspector
    _, supervisor = make_user("supervisor")
    cancel = {"status": "cancelled", "reason": "误报"}
    with _joining_a_task(live_server, headers, place.id, monkeypatch) as (opened, pushing):
        version = session.get(RectificationTask, opened["id"]).version
        answers = []
        patching = threading.Thread(
            target=lambda: answers.append(
                _patch(live_server, supervisor, opened["id"], version, cancel)
            )
        )
        patching.start()
        _waiting_until_queued(session, pushing, patching)
    patching.join(timeout=30)
    assert answers == [412]  # the supervisor saw version 1; the push made it 2
    session.commit()
    task = session.get(RectificationTask, opened["id"])
    assert (task.status, task.occurrences) == ("open", 2)
    assert _patch(live_server, supervisor, task.id, task.version, cancel) == 200


LATER = datetime(2099, 1, 1, tzinfo=UTC)  # every task is overdue by then


@pytest.mark.postgres_only
def test_the_overdue_job_marks_a_task_that_a_push_is_joining_and_both_changes_stay(
    app, live_server, session, inspector, place, monkeypatch
):
    _, headers = inspector
    with _joining_a_task(live_server, headers, place.id, monkeypatch) as (opened, _):
        summaries = []
        job = threading.Thread(target=lambda: summaries.append(run_job(app, "overdue", LATER)))
        job.start()
        job.join(timeout=30)  # it waits for no lock the push holds
        assert not job.is_alive()
    assert summaries == [{"marked": 1}]
    session.commit()
    task = session.get(RectificationTask, opened["id"])
    assert task.occurrences == 2
    assert task.overdue_marked_at is not None


@pytest.mark.postgres_only
def test_a_push_that_finds_an_inspection_at_a_place_it_did_not_lock_starts_again(
    client, session, hospital, inspector, place, monkeypatch
):
    # As if another push stored the inspection between this push's look-up of its places and
    # its locks: the look-up misses the place once.
    _, headers = inspector
    body = _one_failing_answer(place.id)
    first = f.push_body(body["inspections"])  # the inspection alone: stored before
    stored = client.post("/api/v1/sync/push", json=first, headers=headers)
    assert stored.json["results"][0]["status"] == "created"
    looked_up = []
    places_of = sync._places_of

    def missing_once(session, by_kind):
        looked_up.append(len(looked_up))
        return set() if len(looked_up) == 1 else places_of(session, by_kind)

    monkeypatch.setattr(sync, "_places_of", missing_once)
    answer = client.post("/api/v1/sync/push", json=body, headers=headers).json

    assert len(looked_up) == 2
    assert [r["status"] for r in answer["results"]] == ["duplicate", "created"]
    assert [task["occurrences"] for task in answer["tasks"]] == [1]
