"""Pushes racing each other on a real threaded server end with exactly one row each."""

from __future__ import annotations

import json
import threading
import urllib.request

from sqlalchemy import func, select

from server.models import Finding, Inspection, RectificationTask
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
