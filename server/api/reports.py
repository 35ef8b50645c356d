"""Reports: weekly rollup (JSON, XLSX, CSV, HTML), monthly 通报 (JSON, HTML), inspection report."""

from urllib.parse import quote

from flask import Response, current_app, g, request
from flask.views import MethodView

from server.api.base import Blueprint, auth_required, printable_page
from server.extensions import db
from server.schemas.reports import (
    MonthlyQuerySchema,
    MonthlyReportSchema,
    ProblemListQuerySchema,
    WeeklyQuerySchema,
    WeeklyReportSchema,
)
from server.services import exports, inspection_report, monthly, problem_list, rollups

blp = Blueprint("reports", __name__, description="Weekly rollups and printable reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECURITY = [{"bearerAuth": []}]


def _week_and_rollups(query: dict) -> tuple[str, list[dict]]:
    """Return the asked (or running) week and the caller's rollups of it."""
    week = query.get("week") or rollups.default_week(
        db.session, g.user, current_app.config["HOSPITAL_TZ"]
    )
    return week, rollups.rollup_for(db.session, g.user, week, query.get("hospital_id"))


def _problem_lists(query: dict) -> tuple[str, list[dict]]:
    """Return the file's label (the week, or the period) and the problem lists it holds."""
    if query["scope"] == "all":
        first, last = query["first"], query["last"]
        found = problem_list.period_problems(
            db.session, g.user, first, last, query.get("hospital_id")
        )
        return f"{first.isoformat()}_{last.isoformat()}", found
    return _week_and_rollups(query)


def _month_and_reports(query: dict) -> tuple[str, list[dict]]:
    """Return the asked (or running) month and the caller's 通报 of it."""
    month = query.get("month") or monthly.default_month(
        db.session, g.user, current_app.config["HOSPITAL_TZ"]
    )
    return month, monthly.monthly_for(db.session, g.user, month, query.get("hospital_id"))


def _download(data: bytes, mimetype: str, week: str, extension: str) -> Response:
    """Answer ``data`` as an attachment named in ASCII and, for modern clients, in Chinese."""
    response = Response(data, mimetype=mimetype)
    ascii_name = f"wardwalk-problem-list-{week}.{extension}"
    utf8_name = quote(f"问题清单-{week}.{extension}")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
    )
    return response


@blp.route("/reports/weekly")
class WeeklyReport(MethodView):
    """The weekly rollup of the caller's hospitals."""

    decorators = [auth_required]

    @blp.arguments(WeeklyQuerySchema, location="query")
    @blp.response(200, WeeklyReportSchema)
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Return one rollup per hospital: a stored snapshot for a finished week, else live."""
        week, found = _week_and_rollups(query)
        return {"week": week, "hospitals": found}


@blp.route("/reports/weekly.xlsx")
class WeeklyProblemListXlsx(MethodView):
    """The problem list (问题清单) as an Excel workbook."""

    decorators = [auth_required]

    @blp.arguments(ProblemListQuerySchema, location="query")
    @blp.response(200, content_type=XLSX, description="One sheet per hospital, with photos")
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Download the week's open problems, or a period's every problem, as XLSX."""
        week, found = _problem_lists(query)
        storage = current_app.extensions["photo_storage"]
        return _download(
            exports.problem_list_xlsx(db.session, storage, found, week), XLSX, week, "xlsx"
        )


@blp.route("/reports/weekly.csv")
class WeeklyProblemListCsv(MethodView):
    """The problem list (问题清单) as CSV."""

    decorators = [auth_required]

    @blp.arguments(ProblemListQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="UTF-8 with a byte-order mark")
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Download the week's open problems, or a period's every problem, as CSV."""
        week, found = _problem_lists(query)
        photo_url = f"{request.host_url}api/v1/photos/"
        return _download(
            exports.problem_list_csv(db.session, found, photo_url), "text/csv", week, "csv"
        )


@blp.route("/reports/weekly.html")
class WeeklyReportPage(MethodView):
    """The weekly report as a printable page with bar charts."""

    decorators = [auth_required]

    @blp.arguments(WeeklyQuerySchema, location="query")
    @blp.response(200, content_type="text/html", description="Printable A4 page")
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Render the weekly report for print: figures, SVG charts and the problem list."""
        week, found = _week_and_rollups(query)
        return printable_page(exports.weekly_html(found, week))


@blp.route("/reports/monthly")
class MonthlyReport(MethodView):
    """The monthly 通报 of the caller's hospitals: the department ranking and worst problems."""

    decorators = [auth_required]

    @blp.arguments(MonthlyQuerySchema, location="query")
    @blp.response(200, MonthlyReportSchema)
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Return one 通报 per hospital, computed from the stored rows."""
        month, found = _month_and_reports(query)
        return {"month": month, "hospitals": found}


@blp.route("/reports/monthly.html")
class MonthlyReportPage(MethodView):
    """The monthly 通报 as a printable page."""

    decorators = [auth_required]

    @blp.arguments(MonthlyQuerySchema, location="query")
    @blp.response(200, content_type="text/html", description="Printable A4 page")
    @blp.doc(security=SECURITY)
    def get(self, query):
        """Render the month's ranking table and its worst problems for print."""
        month, found = _month_and_reports(query)
        return printable_page(exports.monthly_html(found, month))


@blp.route("/inspections/<uuid:inspection_id>/report")
class InspectionReport(MethodView):
    """The printable report of one inspection (same-day written feedback)."""

    decorators = [auth_required]

    @blp.response(200, content_type="text/html", description="Printable A4 page")
    @blp.doc(security=SECURITY)
    def get(self, inspection_id):
        """Render every item with its answer and photos, the record forms and created tasks."""
        storage = current_app.extensions["photo_storage"]
        return printable_page(
            inspection_report.inspection_report(db.session, g.user, inspection_id, storage)
        )
