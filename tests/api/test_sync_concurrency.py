"""Pushes racing each other on a real threaded server end with exactly one row each.

On PostgreSQL a push holds the locks of its places only: pushes at other places go on meanwhile,
and a push at the same place waits for the first one and then finds its rows.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from server.models import Finding, Inspection, RectificationTask
from server.services import sync
from tests import factories as f


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


@contextmanager
def _push_paused_at(monkeypatch, location_id: int) -> Iterator[threading.Event]:
    """Pause every push at ``location_id`` after its rows are written, before its tasks and commit.

    Yields the event to set to let it go on; meanwhile that push holds all it holds to commit.
    """
    arrived, release = threading.Event(), threading.Event()
    apply_effects = sync._apply_effects

    def paused(batch):
        if location_id in batch.known.locations:
            arrived.set()
            release.wait(timeout=60)
        apply_effects(batch)

    monkeypatch.setattr(sync, "_apply_effects", paused)
    try:
        yield arrived
    finally:
        release.set()


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
