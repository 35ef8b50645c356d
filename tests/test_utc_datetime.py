"""UTCDateTime's one-step SQLite binding writes exactly what SQLAlchemy's chain of two wrote.

Stored times are compared as text on SQLite, so a different format (a missing ``.000000``, a
``T``) would make equal times unequal and break every range query over old rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from server.models.base import UTCDateTime

DIALECT = sqlite.dialect()
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(1001, 1, 2), max_value=datetime(9998, 12, 30), timezones=offsets
)


def _chained(value):
    """What SQLAlchemy's TypeDecorator does: ``process_bind_param``, then SQLite's DATETIME."""
    return TypeDecorator.bind_processor(UTCDateTime().dialect_impl(DIALECT), DIALECT)(value)


def _fused(value):
    return UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)(value)


@given(moments)
def test_the_one_step_text_is_the_chained_text(moment):
    assert _fused(moment) == _chained(moment)


def test_a_whole_second_keeps_its_microseconds():
    assert _fused(datetime(2026, 12, 3, 8, 0, tzinfo=UTC)) == "2026-12-03 08:00:00.000000"


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        _fused(datetime(2026, 12, 3, 8, 0))


def test_none_stays_none():
    assert _fused(None) is None
