"""The weekly rollup and the monthly 通报 as clients see them, and the queries that pick them.

Timestamps in a rollup are already ISO 8601 strings in UTC (a stored snapshot is JSON), so they
are dumped as strings here.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.errors import Invalid
from server.schemas.common import id_field
from server.services.monthly import parse_month
from server.services.problem_list import MAX_PERIOD_DAYS
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


MONTH_PATTERN = r"^(19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])$"


def _month(value: str) -> None:
    try:
        parse_month(value)
    except Invalid as exc:
        raise ValidationError("Not a month like 2026-11.") from exc


class MonthlyQuerySchema(Schema):
    """``month`` ("2026-11", default: the running month) and an optional hospital."""

    month = fields.String(
        validate=_month, metadata={"example": "2026-11", "pattern": MONTH_PATTERN}
    )
    hospital_id = id_field(strict=False)


class WeeklyQuerySchema(Schema):
    """``week`` ("2026-W47", default: the running week) and an optional hospital."""

    week = fields.String(
        validate=_iso_week, metadata={"example": "2026-W47", "pattern": WEEK_PATTERN}
    )
    hospital_id = id_field(strict=False)


class ProblemListQuerySchema(WeeklyQuerySchema):
    """The problem list: the week's open problems, or (``scope=all``) every problem of a period.

    ``from`` and ``to`` are local dates, both included, at most a year apart; they go with
    ``scope=all`` only, and ``week`` with ``scope=open`` only.
    """

    scope = fields.String(
        load_default="open",
        validate=validate.OneOf(("open", "all")),
        metadata={"description": "open: the week's open problems; all: a period's every problem"},
    )
    first = fields.Date(data_key="from", metadata={"example": "2026-11-01"})
    last = fields.Date(data_key="to", metadata={"example": "2026-11-30"})

    @validates_schema
    def _period(self, data: dict, **_kwargs) -> None:
        if data["scope"] == "open":
            for key, name in (("first", "from"), ("last", "to")):
                if key in data:
                    raise ValidationError("Only with scope=all.", field_name=name)
            return
        if "week" in data:
            raise ValidationError("Only with scope=open; give from and to.", field_name="week")
        for key, name in (("first", "from"), ("last", "to")):
            if key not in data:
                raise ValidationError("Required with scope=all.", field_name=name)
        if data["last"] < data["first"]:
            raise ValidationError("Must not be before from.", field_name="to")
        if (data["last"] - data["first"]).days >= MAX_PERIOD_DAYS:
            raise ValidationError(f"At most {MAX_PERIOD_DAYS} days.", field_name="to")


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
    # Where it came from (finding, record, external), a notice's reference number and, for a
    # 举一反三 copy, the task it was copied from. Snapshots stored earlier lack them.
    source = fields.String()
    source_ref = fields.String(allow_none=True)
    origin_id = fields.Integer(allow_none=True)


class RankedDepartmentSchema(Schema):
    """One department's row of the ranking (docs/reports.md, "The department ranking")."""

    department_id = fields.Integer()
    code = fields.String()
    name = _bilingual()
    checks = fields.Integer()
    deductions = fields.Float()
    rate = fields.Float(allow_none=True)
    places = fields.Integer()
    places_inspected = fields.Integer()
    coverage = fields.Float(allow_none=True)
    rank = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["ranked", "unchecked"]})
    previous_rate = fields.Float(allow_none=True)
    previous_rank = fields.Integer(allow_none=True)
    rank_change = fields.Integer(allow_none=True)
    rate_change = fields.Float(allow_none=True)
    movement = fields.String(allow_none=True, metadata={"enum": ["up", "down", "same", "new"]})


class RankingSchema(Schema):
    """The departments ranked by points lost per 100 checks in a period, best first."""

    period = fields.String()
    previous_period = fields.String()
    per_checks = fields.Integer()
    departments = fields.List(fields.Nested(RankedDepartmentSchema))


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
    ranking = fields.Nested(RankingSchema)


class WeeklyReportSchema(Schema):
    """``GET /reports/weekly``: the week and one rollup per hospital."""

    week = fields.String()
    hospitals = fields.List(fields.Nested(RollupSchema))


class WorstProblemSchema(Schema):
    """One of the month's worst new problems."""

    task_id = fields.Integer()
    title = _bilingual()
    location = fields.Nested(PlaceSchema)
    department = fields.Nested(NamedRefSchema, allow_none=True)
    severity = fields.String()
    occurrences = fields.Integer()
    status = fields.String()
    due_date = fields.String()
    late = fields.Boolean()


class MonthlySchema(Schema):
    """The monthly 通报 of one hospital."""

    hospital = fields.Nested(HospitalRefSchema)
    month = fields.String()
    start = fields.String()
    end = fields.String()
    first_day = fields.String()
    last_day = fields.String()
    as_of = fields.String()
    generated_at = fields.String()
    ranking = fields.Nested(RankingSchema)
    top_failing_items = fields.List(fields.Nested(FailingItemSchema))
    worst_problems = fields.List(fields.Nested(WorstProblemSchema))


class MonthlyReportSchema(Schema):
    """``GET /reports/monthly``: the month and one 通报 per hospital."""

    month = fields.String()
    hospitals = fields.List(fields.Nested(MonthlySchema))
