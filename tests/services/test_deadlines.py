"""Deadlines are the end of the Nth local day in the hospital's time zone (Asia/Shanghai)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.services.tasks import due_at_for

SHANGHAI = "Asia/Shanghai"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("found_at", "severity", "expected"),
    [
        # 2026-11-23 10:00 local (02:00 UTC), a Monday
        (utc(2026, 11, 23, 2, 0), "critical", utc(2026, 11, 23, 15, 59, 59, 999999)),
        (utc(2026, 11, 23, 2, 0), "major", utc(2026, 11, 25, 15, 59, 59, 999999)),
        (utc(2026, 11, 23, 2, 0), "minor", utc(2026, 11, 29, 15, 59, 59, 999999)),
    ],
)
def test_severity_sets_the_local_day_of_the_deadline(found_at, severity, expected):
    assert due_at_for(found_at, severity, None, SHANGHAI) == expected


def test_a_finding_after_local_midnight_counts_from_the_next_day_even_if_utc_has_not_turned():
    # 2026-11-23 16:30 UTC is 2026-11-24 00:30 in Shanghai: the critical deadline is the 24th.
    assert due_at_for(utc(2026, 11, 23, 16, 30), "critical", None, SHANGHAI) == utc(
        2026, 11, 24, 15, 59, 59, 999999
    )


def test_a_finding_just_before_local_midnight_is_due_the_same_local_day():
    # 15:59 UTC = 23:59 local: due in one minute.
    assert due_at_for(utc(2026, 11, 23, 15, 59), "critical", None, SHANGHAI) == utc(
        2026, 11, 23, 15, 59, 59, 999999
    )


def test_a_minor_deadline_crosses_the_iso_week_boundary():
    # Found Saturday 28 Nov local; the 7th day is Friday 4 Dec, in the next ISO week.
    due = due_at_for(utc(2026, 11, 28, 4, 0), "minor", None, SHANGHAI)
    assert due == utc(2026, 12, 4, 15, 59, 59, 999999)
    assert due.isocalendar().week == 49


def test_a_major_deadline_found_on_sunday_night_local_lands_on_tuesday():
    # Sunday 29 Nov 23:30 local (15:30 UTC): day 1 Sunday, day 3 Tuesday 1 Dec.
    assert due_at_for(utc(2026, 11, 29, 15, 30), "major", None, SHANGHAI) == utc(
        2026, 12, 1, 15, 59, 59, 999999
    )


@pytest.mark.parametrize(("days", "last_local_day"), [(0, 23), (1, 23), (2, 24), (10, 2)])
def test_rectification_days_override_the_severity(days, last_local_day):
    due = due_at_for(utc(2026, 11, 23, 2, 0), "critical", days, SHANGHAI)
    assert due.astimezone(ZoneInfo(SHANGHAI)).day == last_local_day


def test_another_time_zone_gives_another_instant():
    found = utc(2026, 11, 23, 2, 0)
    assert due_at_for(found, "critical", None, "Europe/Berlin") == utc(
        2026, 11, 23, 22, 59, 59, 999999
    )
