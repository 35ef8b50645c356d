"""The one place that knows about time: aware UTC now, and days and weeks in the hospital's zone.

Everything is stored in UTC; "today", deadlines and ISO weeks are computed in the hospital's
time zone (Asia/Shanghai by default), because a deadline "end of the third day" means the
hospital's day, not the server's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive value is taken to be UTC already (SQLite drops zones).

    A value in UTC already is returned as it is: ``astimezone`` makes a new one each time, and
    every stored or emitted time comes through here (thousands per push).
    """
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def isoformat(value: datetime | None) -> str | None:
    """Format as ISO 8601 in UTC with a ``Z`` suffix, the form the API emits."""
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def zone(name: str) -> ZoneInfo:
    """Return the time zone called ``name``."""
    return ZoneInfo(name)


def local_date(moment: datetime, tz: str) -> date:
    """Return the calendar date of ``moment`` in time zone ``tz``."""
    return as_utc(moment).astimezone(ZoneInfo(tz)).date()


def end_of_local_day(day: date, tz: str) -> datetime:
    """Return the last microsecond of ``day`` in ``tz``, as aware UTC."""
    local_end = datetime.combine(day, time.max, tzinfo=ZoneInfo(tz))
    return local_end.astimezone(UTC)


def start_of_local_day(day: date, tz: str) -> datetime:
    """Return midnight at the start of ``day`` in ``tz``, as aware UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def iso_week_bounds(year: int, week: int, tz: str) -> tuple[datetime, datetime]:
    """Return [Monday 00:00, next Monday 00:00) of an ISO week in ``tz``, as aware UTC."""
    monday = date.fromisocalendar(year, week, 1)
    return start_of_local_day(monday, tz), start_of_local_day(monday + timedelta(days=7), tz)


def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """Return [the 1st 00:00, the next month's 1st 00:00) of a calendar month in ``tz``, as UTC."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return start_of_local_day(first, tz), start_of_local_day(following, tz)
