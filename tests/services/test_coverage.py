"""Coverage counts places somebody checked: an inspection with no answers covers nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.jobs.coverage import uncovered_locations
from server.models import Location, RecordEntry
from server.services.rollups import compute_rollup
from tests import factories as f

WEEK = "2026-W48"  # 23–29 November, local
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=14)


@pytest.fixture
def visit(session, hospital, walk_checklist):
    """An inspection of the hospital's one place, inside the coverage window, with no answers."""
    place = session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()
    inspector = f.user(session, hospital)
    return f.inspection(session, place, inspector)


def _inspected(session, hospital) -> int:
    return compute_rollup(session, hospital, WEEK, NOW)["coverage"]["inspected"]


def _record(session, inspection) -> RecordEntry:
    row = RecordEntry(
        id=uuid.uuid4(),
        inspection_id=inspection.id,
        hospital_id=inspection.hospital_id,
        location_id=inspection.location_id,
        record_type="fridge_log",
        checklist_id="walk",
        checklist_version=1,
        fields={"temperature": 4},
        verdict="pass",
        recorded_at=inspection.started_at,
        recorded_by_id=inspection.inspector_id,
        device_id="device-1",
        content_sha256="0" * 64,
    )
    session.add(row)
    session.flush()
    return row


def test_an_inspection_with_no_answers_does_not_raise_coverage(session, hospital, visit):
    assert _inspected(session, hospital) == 0


def test_an_inspection_answered_only_not_applicable_does_not_raise_coverage(
    session, hospital, visit
):
    f.finding(session, visit, result="na", verdict="na")

    assert _inspected(session, hospital) == 0


@pytest.mark.parametrize("verdict", ["pass", "fail"])
def test_one_judged_answer_makes_an_inspection_count(session, hospital, visit, verdict):
    f.finding(session, visit, result=verdict, verdict=verdict)

    assert _inspected(session, hospital) == 1


def test_a_record_form_filled_in_makes_an_inspection_count(session, hospital, visit):
    _record(session, visit)

    assert _inspected(session, hospital) == 1


def test_the_coverage_job_still_names_a_place_whose_only_inspection_is_empty(
    session, hospital, visit
):
    assert [place.id for place in uncovered_locations(session, hospital.id, SINCE)] == [
        visit.location_id
    ]


def test_the_coverage_job_leaves_out_a_place_with_an_answered_inspection(session, hospital, visit):
    f.finding(session, visit)

    assert uncovered_locations(session, hospital.id, SINCE) == []
