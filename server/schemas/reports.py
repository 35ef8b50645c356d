"""The weekly rollup as clients see it, and the query that picks the week and hospital.

Timestamps in a rollup are already ISO 8601 strings in UTC (a stored snapshot is JSON), so they
are dumped as strings here.
"""

from marshmallow import Schema, ValidationError, fields

from server.errors import Invalid
from server.schemas.common import id_field
from server.services.rollups import parse_week

# The weeks ``parse_week`` takes (years 1900–9998), as far as a pattern can say: a week 53
# exists only in the years that have one.
WEEK_PATTERN = (
    r"^(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
    r"-W(0[1-9]|[1-4][0-9]|5[0-3])$"
)


def _iso_week(value: str) -> None:
    try:
        parse_week(value)
    except Invalid as exc:
        raise ValidationError("Not an ISO week like 2026-W47.") from exc


class WeeklyQuerySchema(Schema):
    """``week`` ("2026-W47", default: the running week) and an optional hospital."""

    week = fields.String(
        validate=_iso_week, metadata={"example": "2026-W47", "pattern": WEEK_PATTERN}
    )
    hospital_id = id_field(strict=False)


def _bilingual(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), **kwargs)


class CountsSchema(Schema):
    """Task counts of one slice."""

    open = fields.Integer()
    new = fields.Integer()
    closed = fields.Integer()
    overdue = fields.Integer()


class TotalsSchema(CountsSchema):
    """Task counts of the whole hospital."""

    cancelled = fields.Integer()


class HospitalRefSchema(Schema):
    """The hospital a rollup is about."""

    id = fields.Integer()
    code = fields.String()
    name = _bilingual()
    timezone = fields.String()


class DepartmentFiguresSchema(CountsSchema):
    """One department's tasks, the points deducted from it in the week and its score."""

    department_id = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True)
    name = _bilingual()
    deductions = fields.Float()
    score = fields.Float()


class FailingItemSchema(Schema):
    """A checklist item and how often it failed in the week."""

    checklist_id = fields.String()
    item_id = fields.String()
    text = _bilingual()
    failures = fields.Integer()


class PlaceSchema(Schema):
    """A location reference."""

    id = fields.Integer()
    code = fields.String()
    name = _bilingual()


class CoverageSchema(Schema):
    """Inspection coverage of active areas and points in the 14 days before the week's end."""

    days = fields.Integer()
    since = fields.String()
    locations = fields.Integer()
    inspected = fields.Integer()
    rate = fields.Float(allow_none=True)
    uncovered = fields.List(fields.Nested(PlaceSchema))


class TrendWeekSchema(CountsSchema):
    """One week of the eight-week trend."""

    week = fields.String()


class NamedRefSchema(Schema):
    """A department reference."""

    id = fields.Integer()
    name = _bilingual()


class PersonRefSchema(Schema):
    """A user reference."""

    id = fields.Integer()
    display_name = fields.String()


class ProblemSchema(Schema):
    """One row of the open problem list (问题清单)."""

    no = fields.Integer()
    task_id = fields.Integer()
    title = _bilingual()
    location = fields.Nested(PlaceSchema)
    department = fields.Nested(NamedRefSchema, allow_none=True)
    assignee = fields.Nested(PersonRefSchema, allow_none=True)
    severity = fields.String()
    created_at = fields.String()
    due_at = fields.String()
    due_date = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    recheck = fields.String(allow_none=True)
    occurrences = fields.Integer()


class RollupSchema(Schema):
    """The weekly rollup of one hospital."""

    hospital = fields.Nested(HospitalRefSchema)
    week = fields.String()
    start = fields.String()
    end = fields.String()
    first_day = fields.String()
    last_day = fields.String()
    as_of = fields.String()
    generated_at = fields.String()
    snapshot = fields.Boolean()
    totals = fields.Nested(TotalsSchema)
    by_department = fields.List(fields.Nested(DepartmentFiguresSchema))
    by_severity = fields.Dict(keys=fields.String(), values=fields.Nested(CountsSchema))
    age_buckets = fields.Dict(keys=fields.String(), values=fields.Integer())
    on_time_rate = fields.Float(allow_none=True)
    median_days_to_close = fields.Float(allow_none=True)
    top_failing_items = fields.List(fields.Nested(FailingItemSchema))
    coverage = fields.Nested(CoverageSchema)
    trend = fields.List(fields.Nested(TrendWeekSchema))
    problems = fields.List(fields.Nested(ProblemSchema))


class WeeklyReportSchema(Schema):
    """``GET /reports/weekly``: the week and one rollup per hospital."""

    week = fields.String()
    hospitals = fields.List(fields.Nested(RollupSchema))
