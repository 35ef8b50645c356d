"""Faults in the middle of syncing: killed workers, a killed and restarted server, lost answers.

Each test serves a clone of the demo deployment with a real gunicorn (2 workers × 2 threads) on
the run's database and lets six phones sync pushes with failing findings and their photos
(``tests/support/fleet.py``). Something breaks at points chosen by progress — after so many
answers, while a push or a photo upload is in flight — never by the clock. The phones retry as
the PWA's outbox does until everything is answered; then every record and photo must be stored
exactly once and every failure counted once, in its problem's one task (``tests/support/audit.py``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.support.audit import Audit, audit
from tests.support.deployment import Instance, clone, issue_tokens
from tests.support.fleet import Fleet, Ledger, make_fleet, read_reference, run_fleet
from tests.support.gunicorn import Gunicorn, exceptions
from tests.support.proxy import AnswerDroppingProxy

DEVICES = 6
_databases = itertools.count(1)


@dataclass
class Served:
    instance: Instance
    server: Gunicorn
    tokens: list[str]
    reference: tuple[dict, int, list[int]]

    def fleet(self, overlap: float) -> Fleet:
        """Six phones × four pushes of six findings at two areas, ~40% failing with photos."""
        definition, version, areas = self.reference
        return make_fleet(
            definition,
            version,
            areas[:2],
            devices=DEVICES,
            pushes=4,
            findings=6,
            fail_share=0.4,
            overlap=overlap,
            lost=0.0,
            seed=5,
        )

    def sync(self, fleet: Fleet, injure: Callable[[Ledger], None], port: int | None = None):
        """Let the fleet sync while ``injure`` watches its ledger on another thread."""
        ledger = Ledger()
        failures: list[BaseException] = []

        def watch() -> None:
            try:
                injure(ledger)
            except BaseException as exc:  # re-raised in the test's thread
                failures.append(exc)

        injurer = threading.Thread(target=watch, daemon=True)
        injurer.start()
        run_fleet(port or self.server.port, fleet, self.tokens, seconds=90, ledger=ledger)
        injurer.join(timeout=120)
        assert not failures, failures
        return ledger

    def audit(self, fleet: Fleet, ledger: Ledger) -> Audit:
        self.server.stop()
        return audit(self.instance.database_url, self.instance.photo_dir, fleet, ledger)

    def explain(self, result: Audit, ledger: Ledger) -> str:
        """What went wrong, for a failing assertion: the audit, the answers, the server log."""
        return (
            f"{result.problems}\nanswers: {dict(ledger.statuses)}, connection errors: "
            f"{dict(ledger.connection_errors)}\nserver exceptions: "
            f"{dict(exceptions(self.server.log_tail(10**7)))}"
        )


@pytest.fixture
def served(demo_template, tmp_path):
    instance = clone(demo_template, tmp_path / "instance", f"wardwalk_faults_{next(_databases)}")
    tokens = issue_tokens(instance, "inspector", [f"phone-{n:03d}" for n in range(DEVICES)])
    server = Gunicorn(instance.env(), tmp_path / "gunicorn.log", workers=2, threads=2)
    try:
        server.start()
        reference = read_reference(server.port, tokens[0], "civilized-city")
        yield Served(instance, server, tokens, reference)
    finally:
        server.stop()
        instance.drop()


def test_workers_killed_mid_push_and_mid_upload_lose_and_double_nothing(served):
    fleet = served.fleet(overlap=0.3)
    killed = []

    def kill_workers(ledger: Ledger) -> None:
        for answered, what in ((3, "push"), (10, "photo"), (18, "push"), (26, "photo")):
            if ledger.wait_for(answered, what):
                killed.append((what, served.server.kill_workers()))

    ledger = served.sync(fleet, kill_workers)
    result = served.audit(fleet, ledger)

    assert [what for what, workers in killed if workers] == ["push", "photo", "push", "photo"]
    assert result.problems == [], served.explain(result, ledger)


def test_server_killed_and_restarted_mid_sync_loses_and_doubles_nothing(served):
    fleet = served.fleet(overlap=0.3)
    restarts = []

    def kill_and_restart(ledger: Ledger) -> None:
        for answered, what in ((4, "push"), (14, "photo")):
            if ledger.wait_for(answered, what):
                served.server.kill()
                served.server.start()
                restarts.append(what)

    ledger = served.sync(fleet, kill_and_restart)
    result = served.audit(fleet, ledger)

    assert restarts == ["push", "photo"]
    assert ledger.connection_errors["push"] + ledger.connection_errors["photo"] > 0
    assert result.problems == [], served.explain(result, ledger)


def test_answers_lost_after_commit_are_retried_and_applied_once(served):
    fleet = served.fleet(overlap=0.0)  # one sender per record: every retry must be a replay
    with AnswerDroppingProxy(served.server.port, lambda method, _path: method != "GET") as proxy:
        ledger = served.sync(fleet, lambda _ledger: None, port=proxy.port)
    result = served.audit(fleet, ledger)

    pushes = sum(len(device) for device in fleet.devices)
    assert proxy.dropped == pushes + len(fleet.expected_photos())
    # The first answer of everything was lost after its commit, so every answer a phone saw is
    # that of a replay: nothing created twice, nothing created late.
    assert {status for answers in ledger.results.values() for status, _ in answers} == {"duplicate"}
    assert ledger.photo_created == {}
    assert result.problems == [], served.explain(result, ledger)
