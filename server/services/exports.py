"""Reports as files: the problem list (问题清单) as XLSX and CSV, the weekly and monthly pages.

The problem list is the ``problems`` of the rollups ``rollup_for`` returns (or of a period's
``period_problems``), so a download says exactly what the JSON says. Its eight contract columns
come first and in order, so scripts that read them by position keep working; then the problem's
source (a walk, a record rule, an outside notice with its reference), what hospitals keep beside
them (严重程度, 发现日期, 检查人, 备注) and the photo before and after the fix —
thumbnails in the XLSX, links in the CSV. The printable weekly page draws its bar
charts as inline SVG on the server: no script, no CDN, prints as it shows.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.domain.photos import marked_first
from server.models import Finding, Photo, PhotoSlot, TaskSubmission, task_findings
from server.services.problem_list import problem_details
from server.storage import PhotoStorage

# The contract's eight columns, then where the problem came from (issue #12: a city notice and
# its reference number must be traceable in the list handed to the 创文办).
COLUMNS = ("序号", "问题描述", "位置", "责任科室", "责任人", "整改时限", "状态", "复查结果", "来源")
DETAIL_COLUMNS = ("严重程度", "发现日期", "检查人", "备注")
PHOTO_COLUMNS = ("整改前", "整改后")
HOSPITAL_COLUMN = "医院"

STATUS_WORDS = {
    "open": ("待分派", "Awaiting assignment"),
    "assigned": ("整改中", "Being fixed"),
    "submitted": ("待复查", "Awaiting re-check"),
    "closed": ("已销号", "Closed"),
    "cancelled": ("已取消", "Cancelled"),
}
RECHECK_WORDS = {"pass": ("通过", "Passed"), "fail": ("未通过", "Failed")}
# As the app names them (client/i18n: tasks.source.*).
SOURCE_WORDS = {
    "finding": ("检查发现", "Inspection finding"),
    "record": ("记录规则", "Record rule"),
    "external": ("外部反馈", "Reported from outside"),
}
COPY_WORDS = ("举一反三", "Applied alike")
SEVERITY_WORDS = {
    "minor": ("一般", "Minor"),
    "major": ("较重", "Major"),
    "critical": ("严重", "Critical"),
}

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(
        enabled_extensions=("html", "svg"),
        disabled_extensions=("css",),
        default=True,
        default_for_string=True,
    ),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _number(value: Any) -> Any:
    """Show 5.0 as 5 and 2.50 as 2.5 (points, scores)."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return value


_environment.filters["num"] = _number


def _local_minute(iso: str, timezone: str) -> str:
    """Show a stored UTC timestamp as the hospital's wall-clock minute: 2026-11-24 07:21."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


_environment.filters["local_minute"] = _local_minute


def render(template: str, **context: Any) -> str:
    """Render one of ``server/templates`` with autoescaping on (every value is escaped)."""
    return _environment.get_template(template).render(**context)


# --- the problem list ------------------------------------------------------------------------


def location_text(location: dict) -> str:
    """Return "名称（编码）" for a problem's location."""
    return f"{location['name']['zh-CN']}（{location['code']}）"


def source_text(problem: dict, language: int = 0) -> str:
    """Return where a problem came from: "外部反馈（举一反三）：市创文办通报〔2026〕12号".

    ``language``: 0 Chinese, 1 English. Snapshots stored before sources existed hold failures
    found on a walk or in records; they read as inspections.
    """
    source = problem.get("source", "finding")
    words = SOURCE_WORDS.get(source, (source, source))[language]
    if problem.get("origin_id"):
        words += f"（{COPY_WORDS[0]}）" if language == 0 else f" ({COPY_WORDS[1]})"
    if problem.get("source_ref"):
        words += ("：" if language == 0 else ": ") + problem["source_ref"]
    return words


def problem_row(problem: dict) -> list[Any]:
    """Return the columns of one problem (the contract's eight and its source); due as a date."""
    department = problem["department"]
    assignee = problem["assignee"]
    return [
        problem["no"],
        problem["title"]["zh-CN"],
        location_text(problem["location"]),
        department["name"]["zh-CN"] if department else "",
        assignee["display_name"] if assignee else "",
        date.fromisoformat(problem["due_date"]),
        STATUS_WORDS.get(problem["status"], (problem["status"],))[0],
        RECHECK_WORDS[problem["recheck"]][0] if problem["recheck"] else "",
        source_text(problem),
    ]


def detail_row(problem: dict, details: dict | None, timezone: str) -> list[Any]:
    """Return 严重程度, 发现日期, 检查人 and 备注; without a finding, the task's own date."""
    severity = SEVERITY_WORDS.get(problem["severity"], (problem["severity"],))[0]
    if details is None:
        opened = datetime.fromisoformat(problem["created_at"].replace("Z", "+00:00"))
        return [severity, opened.astimezone(ZoneInfo(timezone)).date(), "", ""]
    return [severity, details["found"], details["inspector"], details["note"]]


# A cell that starts with one of these is a formula to Excel; quote it (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def problem_list_csv(session: Session, rollups: list[dict], photo_url: str) -> bytes:
    """Return the problem list as CSV in UTF-8 with a BOM (so Excel reads it as UTF-8).

    Photos are links: ``photo_url`` followed by the photo's id (the photo API, which asks for a
    login as every photo does). With more than one hospital a 医院 column comes last.
    """
    several = len(rollups) > 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS]
    writer.writerow([*header, HOSPITAL_COLUMN] if several else header)
    photos = task_photos(session, [p["task_id"] for rollup in rollups for p in rollup["problems"]])
    for rollup in rollups:
        details, timezone = _details(session, rollup), rollup["hospital"]["timezone"]
        for problem in rollup["problems"]:
            found = details.get(problem["task_id"])
            row = [*problem_row(problem), *detail_row(problem, found, timezone)]
            found_on = len(COLUMNS) + 1  # 发现日期, after 严重程度
            row[5], row[found_on] = row[5].isoformat(), row[found_on].isoformat()
            pair = photos.get(problem["task_id"], TaskPhotos())
            row += [f"{photo_url}{photo_id}" if photo_id else "" for photo_id in pair.ids()]
            if several:
                row.append(rollup["hospital"]["name"]["zh-CN"])
            writer.writerow([_safe_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _details(session: Session, rollup: dict) -> dict[int, dict]:
    task_ids = [problem["task_id"] for problem in rollup["problems"]]
    return problem_details(session, task_ids, rollup["hospital"]["timezone"])


@dataclass(frozen=True)
class TaskPhotos:
    """A task's photo before and after the fix, as (photo id, thumbnail key); None: no photo."""

    before: tuple[uuid.UUID, str] | None = None
    after: tuple[uuid.UUID, str] | None = None

    def ids(self) -> list[uuid.UUID | None]:
        """Return the photo ids, before then after."""
        return [pair[0] if pair else None for pair in (self.before, self.after)]

    def keys(self) -> list[str | None]:
        """Return the thumbnail keys, before then after."""
        return [pair[1] if pair else None for pair in (self.before, self.after)]


def _chunks(values: list, size: int = 500):
    for index in range(0, len(values), size):
        yield values[index : index + size]


def task_photos(session: Session, task_ids: list[int]) -> dict[int, TaskPhotos]:
    """Find the before and after photo of each task, for the photos that have arrived.

    Before: the first photo of the earliest finding of the task that has one (its marked-up copy
    if the inspector drew on it), or of the report of a problem from outside the walk. After: the
    first photo of the newest evidence, verification or re-check that has one.
    """
    before: dict[int, tuple[uuid.UUID, str]] = {}
    after: dict[int, tuple[uuid.UUID, str]] = {}
    for chunk in _chunks(task_ids):
        rows = session.execute(
            select(
                task_findings.c.task_id,
                PhotoSlot.finding_id,
                PhotoSlot.photo_id,
                PhotoSlot.original_id,
                Photo.thumb_key,
            )
            .join(Finding, Finding.id == task_findings.c.finding_id)
            .join(PhotoSlot, PhotoSlot.finding_id == Finding.id)
            .join(Photo, Photo.id == PhotoSlot.photo_id)
            .where(task_findings.c.task_id.in_(chunk))
            .order_by(task_findings.c.task_id, Finding.recorded_at, Finding.id, PhotoSlot.position)
        ).all()
        for task_id, group in groupby(rows, key=lambda row: row.task_id):
            of_task = list(group)
            earliest = [row for row in of_task if row.finding_id == of_task[0].finding_id]
            shown = marked_first(earliest)[0]
            before[task_id] = (shown.photo_id, shown.thumb_key)
        submissions = session.execute(
            select(
                TaskSubmission.id,
                TaskSubmission.task_id,
                TaskSubmission.kind,
                TaskSubmission.photo_ids,
                TaskSubmission.finding_id,
            )
            .where(TaskSubmission.task_id.in_(chunk))
            .order_by(TaskSubmission.created_at.desc(), TaskSubmission.id.desc())
        ).all()
        if not submissions:
            continue
        candidates = _submission_photo_ids(session, submissions)
        wanted = {photo_id for ids in candidates.values() for photo_id in ids}
        keys = dict(
            session.execute(select(Photo.id, Photo.thumb_key).where(Photo.id.in_(wanted))).all()
        )
        for submission in submissions:  # newest first
            stored = [(p, keys[p]) for p in candidates.get(submission.id, []) if p in keys]
            if not stored:
                continue
            if submission.kind == "report":  # a problem from outside: how it was found
                before.setdefault(submission.task_id, stored[0])
            else:
                after.setdefault(submission.task_id, stored[0])
    return {
        task_id: TaskPhotos(before.get(task_id), after.get(task_id))
        for task_id in set(before) | set(after)
    }


def _submission_photo_ids(session: Session, submissions) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Photo ids of each submission, in order: its slots, its ``photo_ids``, its finding's slots."""
    by_submission: dict[uuid.UUID, list[uuid.UUID]] = {s.id: [] for s in submissions}
    for submission_id, photo_id in session.execute(
        select(PhotoSlot.submission_id, PhotoSlot.photo_id)
        .where(PhotoSlot.submission_id.in_(list(by_submission)))
        .order_by(PhotoSlot.position)
    ):
        by_submission[submission_id].append(photo_id)
    finding_of = {s.finding_id: s.id for s in submissions if s.finding_id is not None}
    for finding_id, photo_id in session.execute(
        select(PhotoSlot.finding_id, PhotoSlot.photo_id)
        .where(PhotoSlot.finding_id.in_(list(finding_of)))
        .order_by(PhotoSlot.position)
    ):
        by_submission[finding_of[finding_id]].append(photo_id)
    for submission in submissions:
        for raw in submission.photo_ids or []:
            try:
                by_submission[submission.id].append(uuid.UUID(str(raw)))
            except ValueError:
                continue
    return by_submission


def _thumbnail(storage: PhotoStorage, key: str | None) -> bytes | None:
    """Return the thumbnail bytes, or None when the stored file is missing."""
    if key is None:
        return None
    try:
        return storage.get(key)
    except (OSError, ValueError):
        return None


def _sheet_title(name: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:28] or "Sheet"
    candidate, number = title, 2
    while candidate in taken:
        candidate, number = f"{title[:25]}({number})", number + 1
    taken.add(candidate)
    return candidate


def _cell_text(value: Any) -> Any:
    """Drop the control characters an XLSX cell cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


_WIDTHS = (6, 40, 24, 16, 10, 12, 10, 10, 24, 8, 12, 10, 30, 15, 15)
_THUMB_PX = 96  # thumbnails are scaled into a box of this size in the sheet
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_OVERDUE_FONT = Font(color="C00000", bold=True)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _problem_sheet(workbook: Workbook, title: str):
    """Add a sheet with the styled, frozen header row, column widths and A4 print setup."""
    sheet = workbook.create_sheet(title)
    sheet.append([*COLUMNS, *DETAIL_COLUMNS, *PHOTO_COLUMNS])
    for index, cell in enumerate(sheet[1], start=1):
        cell.font, cell.fill, cell.alignment, cell.border = (
            _HEADER_FONT,
            _HEADER_FILL,
            _CENTRE,
            _BORDER,
        )
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[index - 1]
    sheet.row_dimensions[1].height = 24
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return sheet


def _add_problem(
    sheet, problem: dict, details: list[Any], photos: TaskPhotos, storage: PhotoStorage
) -> None:
    """Append one problem row, with its before and after thumbnails in the last two columns."""
    row_values = [*problem_row(problem), *details]
    sheet.append([_cell_text(value) for value in row_values])
    row = sheet.max_row
    for cell in sheet[row]:
        cell.border = _BORDER
        cell.alignment = _WRAP
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # text, never a formula
    sheet.cell(row, 1).alignment = _CENTRE
    due = sheet.cell(row, 6)
    due.number_format = "yyyy-mm-dd"
    sheet.cell(row, len(COLUMNS) + 2).number_format = "yyyy-mm-dd"  # 发现日期
    if problem["overdue"]:
        due.font = _OVERDUE_FONT
    embedded = False
    first = len(COLUMNS) + len(DETAIL_COLUMNS) + 1
    for column, key in zip((first, first + 1), photos.keys(), strict=True):
        sheet.cell(row, column).border = _BORDER
        data = _thumbnail(storage, key)
        if data is None:
            continue
        image = Image(io.BytesIO(data))
        scale = _THUMB_PX / max(image.width, image.height, 1)
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        sheet.add_image(image, f"{get_column_letter(column)}{row}")
        embedded = True
    # Pixels to points (3/4) plus a margin, so the thumbnail fits its row.
    sheet.row_dimensions[row].height = _THUMB_PX * 0.75 + 6 if embedded else 30


def problem_list_xlsx(
    session: Session, storage: PhotoStorage, rollups: list[dict], title: str
) -> bytes:
    """Return the problem list as an XLSX workbook: one sheet per hospital, with thumbnails."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"问题清单 {title}"
    photos = task_photos(session, [p["task_id"] for rollup in rollups for p in rollup["problems"]])
    taken: set[str] = set()
    for rollup in rollups:
        sheet = _problem_sheet(workbook, _sheet_title(rollup["hospital"]["name"]["zh-CN"], taken))
        details, timezone = _details(session, rollup), rollup["hospital"]["timezone"]
        for problem in rollup["problems"]:
            pair = photos.get(problem["task_id"], TaskPhotos())
            found = detail_row(problem, details.get(problem["task_id"]), timezone)
            _add_problem(sheet, problem, found, pair, storage)
        if sheet.max_row > 1:
            last = get_column_letter(len(COLUMNS) + len(DETAIL_COLUMNS))
            sheet.auto_filter.ref = f"A1:{last}{sheet.max_row}"
    if not rollups:  # a workbook needs a sheet: the empty list, with its header
        _problem_sheet(workbook, "问题清单")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the printable weekly page ---------------------------------------------------------------


def _scale(values: list[float]) -> float:
    top = max(values, default=0)
    return top if top > 0 else 1


# Charts are laid out 360 units wide and drawn with 12-unit text: on a 360 px phone that is about
# 12 px, and on A4 (at most 120 mm) still larger than the body text's 10.5 pt would allow.
CHART_WIDTH = 360


def hbar_chart(labels: list[str], values: list[int], width: int = CHART_WIDTH) -> dict:
    """Lay out a horizontal bar chart: one row per label, bars scaled to the largest value."""
    label_width, row_height, value_room = 130, 22, 30
    plot = width - label_width - value_room
    top = _scale(values)
    bars = [
        {
            "label": label if len(label) <= 10 else label[:9] + "…",
            "value": value,
            "y": index * row_height,
            "width": round(plot * value / top, 1),
        }
        for index, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    return {
        "width": width,
        "height": max(len(bars), 1) * row_height + 4,
        "label_width": label_width,
        "row_height": row_height,
        "bars": bars,
    }


def column_chart(
    labels: list[str], series: list[tuple[str, str, list[int]]], width: int = CHART_WIDTH
) -> dict:
    """Lay out a grouped column chart; ``series`` is [(name, css class, values)]."""
    height, top_room, bottom_room = 220, 16, 36
    plot_height = height - top_room - bottom_room
    group_width = width / max(len(labels), 1)
    bar_width = group_width * 0.8 / max(len(series), 1)
    top = _scale([value for _name, _css, values in series for value in values])
    bars = []
    for group, _label in enumerate(labels):
        for index, (name, css, values) in enumerate(series):
            value = values[group]
            bar_height = plot_height * value / top
            bars.append(
                {
                    "series": name,
                    "css": css,
                    "value": value,
                    "x": round(group * group_width + group_width * 0.1 + index * bar_width, 1),
                    "y": round(top_room + plot_height - bar_height, 1),
                    "width": round(bar_width - 2, 1),
                    "height": round(bar_height, 1),
                }
            )
    return {
        "width": width,
        "height": height,
        "baseline": top_room + plot_height,
        "labels": [
            {"text": label, "x": round(group * group_width + group_width / 2, 1)}
            for group, label in enumerate(labels)
        ],
        "legend": [{"name": name, "css": css} for name, css, _values in series],
        "bars": bars,
    }


def _charts(rollup: dict) -> dict:
    departments = sorted(
        (d for d in rollup["by_department"] if d["open"]),
        key=lambda d: (-d["open"], d["code"] or ""),
    )[:15]
    trend = rollup["trend"]
    return {
        "departments": hbar_chart(
            [d["name"]["zh-CN"] for d in departments], [d["open"] for d in departments]
        ),
        "ages": column_chart(
            list(rollup["age_buckets"]),
            [("未关闭 Open", "open", list(rollup["age_buckets"].values()))],
        ),
        "trend": column_chart(
            [week["week"][-3:] for week in trend],  # "W47": eight labels fit 360 units
            [
                ("新增 New", "new", [week["new"] for week in trend]),
                ("销号 Closed", "closed", [week["closed"] for week in trend]),
                ("未关闭 Open", "open", [week["open"] for week in trend]),
            ],
        ),
    }


def weekly_html(rollups: list[dict], week: str) -> str:
    """Render the printable weekly report (A4) with its SVG charts."""
    return render(
        "weekly_report.html",
        week=week,
        hospitals=[{"rollup": rollup, "charts": _charts(rollup)} for rollup in rollups],
        source_text=source_text,
        status_words=STATUS_WORDS,
        recheck_words=RECHECK_WORDS,
        severity_words=SEVERITY_WORDS,
    )


def monthly_html(reports: list[dict], month: str) -> str:
    """Render the printable monthly 通报 (A4): the ranking table and the worst problems."""
    return render(
        "monthly_report.html",
        month=month,
        hospitals=reports,
        status_words=STATUS_WORDS,
        severity_words=SEVERITY_WORDS,
    )
