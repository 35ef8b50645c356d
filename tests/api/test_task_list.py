"""GET /tasks: search, filters and orders for the problem list, and what each row names.

Contract: "Rectification tasks" (the list); docs/tasks.md, "The list". Tasks are arranged with the
factory (a title, a severity, a source, a place, a department) so each test shows one filter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.timeutil import utcnow
from tests import factories as f

TASKS = "/api/v1/tasks"


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")[1]


@pytest.fixture
def ward(session, hospital):
    """A clinical department with its own place (内科一病区)."""
    department = f.department(session, hospital, code="ward", name_zh="内科", name_en="Medicine")
    f.location(session, hospital, department=department, name_zh="一病区", name_en="Ward One")
    session.commit()
    return department


@pytest.fixture
def task(session, hospital):
    """Make a task of ``hospital`` (the factory's, committed) and return its id."""

    def make(**overrides) -> int:
        row = f.task(session, hospital, **overrides)
        session.commit()
        return row.id

    return make


def _ids(client, headers, query: str = "") -> list[int]:
    response = client.get(f"{TASKS}?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["id"] for row in response.json]


def _place_of(session, department):
    from sqlalchemy import select

    from server.models import Location

    return session.scalars(select(Location).where(Location.department_id == department.id)).one()


# --- what a row names ------------------------------------------------------------------------


def test_a_task_names_its_responsible_department_and_place_in_both_languages(
    client, session, supervisor, ward, task
):
    task_id = task(location=_place_of(session, ward), department_id=ward.id)

    row = client.get(TASKS, headers=supervisor).json[0]
    whole = client.get(f"{TASKS}/{task_id}", headers=supervisor).json

    assert row["department_name"] == whole["department_name"] == {"zh-CN": "内科", "en": "Medicine"}
    assert row["location_name"] == whole["location_name"] == {"zh-CN": "一病区", "en": "Ward One"}


def test_a_task_without_a_department_names_none(client, supervisor, task):
    task(department_id=None)

    assert client.get(TASKS, headers=supervisor).json[0]["department_name"] is None


def test_a_task_names_its_source(client, supervisor, task):
    task(source="record")

    assert client.get(TASKS, headers=supervisor).json[0]["source"] == "record"


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["地面", "FLOOR", "dirty"])
def test_search_finds_words_of_the_title_in_either_language(client, supervisor, task, words):
    wanted = task(title_zh="门诊：地面不洁", title_en="Outpatients: dirty floor")
    task(title_zh="门诊：禁烟标识缺失", title_en="Outpatients: no sign")

    assert _ids(client, supervisor, f"q={words}") == [wanted]


@pytest.mark.parametrize("words", ["一病区", "ward one", "内科", "medicine"])
def test_search_finds_the_place_and_the_department_by_name(
    client, session, supervisor, ward, task, words
):
    wanted = task(location=_place_of(session, ward), department_id=ward.id)
    task()

    assert _ids(client, supervisor, f"q={words}") == [wanted]


def test_search_finds_a_task_by_its_hash_id_alone(client, supervisor, task):
    task()
    wanted = task()

    assert _ids(client, supervisor, f"q=%23{wanted}") == [wanted]


def test_search_for_a_plain_number_finds_the_task_of_that_id_and_words_holding_it(
    client, session, supervisor, ward, task
):
    there = {"location": _place_of(session, ward), "department_id": ward.id}  # no digits
    wanted = task(title_zh="门诊", title_en="Outpatients", **there)
    building = task(title_zh=f"{wanted}号楼", title_en=f"Building {wanted}", **there)
    task(title_zh="门诊", title_en="Outpatients", **there)

    assert set(_ids(client, supervisor, f"q={wanted}")) == {wanted, building}


def test_search_takes_percent_and_underscore_literally(client, supervisor, task):
    wanted = task(title_en="Sharps box 100% full")
    task(title_en="Sharps box full")

    assert _ids(client, supervisor, "q=100%25") == [wanted]
    assert _ids(client, supervisor, "q=_") == []


def test_a_blank_search_lists_everything(client, supervisor, task):
    ids = {task(), task()}

    assert set(_ids(client, supervisor, "q=%20")) == ids


def test_search_stays_within_a_department_heads_scope(
    client, session, make_user, general_affairs, ward, task
):
    _, head = make_user("department_head", department_id=general_affairs.id)
    mine = task(title_en="Leaking tap")
    task(title_en="Leaking tap", location=_place_of(session, ward), department_id=ward.id)

    assert _ids(client, head, "q=leaking") == [mine]


# --- filters -----------------------------------------------------------------------------------


def test_the_status_filter_takes_several_values_including_finished_ones(client, supervisor, task):
    task(status="open")
    closed = task(status="closed", closed_at=utcnow())
    cancelled = task(status="cancelled", closed_at=utcnow())

    assert set(_ids(client, supervisor, "status=closed,cancelled")) == {closed, cancelled}
    assert _ids(client, supervisor, "status=closed") == [closed]


def test_the_severity_filter(client, supervisor, task):
    critical = task(severity="critical")
    major = task(severity="major")
    task(severity="minor")

    assert set(_ids(client, supervisor, "severity=critical,major")) == {critical, major}


def test_the_source_filter(client, supervisor, task):
    task(source="finding")
    record = task(source="record")

    assert _ids(client, supervisor, "source=record") == [record]
    assert _ids(client, supervisor, "source=external") == []


def test_filters_combine(client, session, supervisor, ward, task):
    ward_place = _place_of(session, ward)
    wanted = task(severity="critical", location=ward_place, department_id=ward.id)
    task(severity="minor", location=ward_place, department_id=ward.id)
    task(severity="critical")

    query = f"severity=critical&department_id={ward.id}&location_id={ward_place.id}&q=Problem"
    assert _ids(client, supervisor, query) == [wanted]


def test_a_pushed_record_that_breaks_a_rule_opens_a_task_of_source_record(
    client, inspector, place, supervisor
):
    record = f.record_payload(place.id, {"weight_kg": 3, "stored_at": "2026-11-20T08:00:00+08:00"})
    response = client.post(
        "/api/v1/sync/push", json=f.push_body(records=[record]), headers=inspector[1]
    )
    assert response.status_code == 200, response.get_data(as_text=True)

    assert [row["source"] for row in client.get(TASKS, headers=supervisor).json] == ["record"]
    assert _ids(client, supervisor, "source=finding") == []


# --- orders ------------------------------------------------------------------------------------


@pytest.fixture
def three(task):
    """Three tasks: (deadline in days, created days ago, severity) differ in each."""
    return [
        task(due_at=utcnow() + timedelta(days=3), created_at=_ago(1), severity="minor"),
        task(due_at=utcnow() + timedelta(days=1), created_at=_ago(3), severity="critical"),
        task(due_at=utcnow() + timedelta(days=2), created_at=_ago(2), severity="major"),
    ]


def _ago(days: int) -> datetime:
    return datetime(2026, 11, 30, tzinfo=UTC) - timedelta(days=days)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", [1, 2, 0]),
        ("sort=due_at", [1, 2, 0]),
        ("sort=-due_at", [0, 2, 1]),
        ("sort=created_at", [1, 2, 0]),
        ("sort=-created_at", [0, 2, 1]),
        ("sort=severity", [1, 2, 0]),
    ],
)
def test_the_list_is_sorted_as_asked(client, supervisor, three, sort, order):
    assert _ids(client, supervisor, sort) == [three[i] for i in order]


def test_sorting_by_severity_puts_the_sooner_deadline_first_within_a_severity(
    client, supervisor, task
):
    later = task(severity="major", due_at=utcnow() + timedelta(days=2))
    sooner = task(severity="major", due_at=utcnow() + timedelta(days=1))
    critical = task(severity="critical", due_at=utcnow() + timedelta(days=5))

    assert _ids(client, supervisor, "sort=severity") == [critical, sooner, later]


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=open,done", "status"),
        ("severity=grave", "severity"),
        ("source=phone", "source"),
        ("sort=title", "sort"),
        ("sort=-severity", "sort"),
        ("q=" + "x" * 101, "q"),
        ("q=%00", "q"),
        ("overdue=perhaps", "overdue"),
        ("department_id=0", "department_id"),
        ("per_page=201", "per_page"),
        ("kind=walk", "kind"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(client, supervisor, query, field, assert_error):
    body = assert_error(client.get(f"{TASKS}?{query}", headers=supervisor), 422, "request.invalid")

    assert list(body["errors"]) == [field]
