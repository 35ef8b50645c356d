"""The monthly 通报 endpoints and the ranking in the weekly rollup, over the ranking test's world.

The clock of the report services is fixed at Wednesday 2026-12-02 10:00 Asia/Shanghai, so
November 2026 is finished and December the running month, whatever the real date is.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.services import monthly, rollups
from tests import factories as f
from tests.services.test_ranking import Phone, world  # noqa: F401  (the fixture)

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
URL = "/api/v1/reports/monthly"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(monthly, "utcnow", lambda: NOW)
    monkeypatch.setattr(rollups, "utcnow", lambda: NOW)


@pytest.fixture
def reader(session, world):  # noqa: F811
    """Return auth headers of a new user of the world's hospital with the given role."""

    def make(role: str) -> dict:
        user = f.user(session, world["hospital"], roles=(role,))
        headers = f.auth_headers(session, user)
        session.commit()
        return headers

    return make


def test_a_leader_reads_the_months_ranking(client, reader):
    response = client.get(f"{URL}?month=2026-11", headers=reader("leader"))

    assert response.status_code == 200, response.get_data(as_text=True)
    [report] = response.json["hospitals"]
    ranks = [(d["code"], d["rank"], d["rate"]) for d in report["ranking"]["departments"]]
    assert response.json["month"] == report["month"] == "2026-11"
    assert ranks == [
        ("general_affairs", 1, 40.0),
        ("ward_a", 1, 40.0),
        ("ward_b", 3, 133.33),
        ("ward_c", None, None),
    ]
    assert len(report["worst_problems"]) == 4


def test_the_month_defaults_to_the_running_month(client, reader):
    response = client.get(URL, headers=reader("supervisor"))

    assert response.json["month"] == "2026-12"


def test_another_hospitals_data_never_appears(client, session, reader, world):  # noqa: F811
    other = f.hospital(session)
    secret = f.department(session, other, code="secretb", name_zh="secretb科", name_en="secretb")
    place = f.location(session, other, department=secret, name_zh="secretb", name_en="secretb")
    session.commit()
    Phone(session, f.user(session, other, roles=("inspector",))).walk(
        place, "2026-11-14", {"w.tidy": "fail"}
    )

    response = client.get(f"{URL}?month=2026-11", headers=reader("supervisor"))

    assert [h["hospital"]["id"] for h in response.json["hospitals"]] == [world["hospital"].id]
    assert "secretb" not in response.get_data(as_text=True)
    refused = client.get(f"{URL}?month=2026-11&hospital_id={other.id}", headers=reader("leader"))
    assert refused.status_code == 403


def test_inspectors_may_not_read_the_monthly_report(client, reader, assert_error):
    assert_error(client.get(URL, headers=reader("inspector")), 403, "auth.forbidden")


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "2026/11", "2026-W47", "１２３４-11"])
@pytest.mark.parametrize("suffix", ["", ".html"])
def test_a_bad_month_is_422_on_the_month_field(client, reader, assert_error, month, suffix):
    response = client.get(f"{URL}{suffix}", query_string={"month": month}, headers=reader("leader"))

    assert list(assert_error(response, 422, "request.invalid")["errors"]) == ["month"]


def test_a_month_that_has_not_begun_is_422(client, reader, assert_error):
    body = assert_error(
        client.get(f"{URL}?month=2027-01", headers=reader("leader")), 422, "report.month_in_future"
    )
    assert list(body["errors"]) == ["month"]


def test_the_monthly_page_prints_the_ranking_and_the_worst_problems(client, reader):
    response = client.get(f"{URL}.html?month=2026-11", headers=reader("leader"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "科室月度通报 2026-11" in page and "Monthly department report" in page
    assert 'data-testid="ranking-table"' in page and "133.33" in page
    assert "未检查" in page and "新上榜" in page  # ward C unchecked, general affairs new
    assert "Fridge log: Signed" in page  # a record breach among the worst problems
    assert "@page { size: A4" in page
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]


def test_the_weekly_rollup_carries_the_ranking_and_keeps_its_fields(client, reader):
    response = client.get("/api/v1/reports/weekly?week=2026-W46", headers=reader("leader"))

    [rollup] = response.json["hospitals"]
    assert rollup["ranking"]["period"] == "2026-W46"
    assert [d["rank"] for d in rollup["ranking"]["departments"]] == [1, 1, 3, None]
    assert {"by_department", "coverage", "problems", "trend"} <= set(rollup)


def test_the_weekly_page_shows_the_ranking(client, reader):
    response = client.get("/api/v1/reports/weekly.html?week=2026-W46", headers=reader("leader"))

    page = response.get_data(as_text=True)
    assert "科室排名" in page and 'data-testid="ranking-table"' in page and "133.33" in page


def test_a_snapshot_stored_before_the_ranking_is_ranked_from_the_rows(
    client,
    session,
    reader,
    world,  # noqa: F811
):
    row = rollups.snapshot_week(session, world["hospital"], "2026-W46", NOW)
    row.data = {key: value for key, value in row.data.items() if key != "ranking"}
    session.commit()

    response = client.get("/api/v1/reports/weekly?week=2026-W46", headers=reader("leader"))

    [rollup] = response.json["hospitals"]
    assert rollup["snapshot"] is True
    assert [d["rank"] for d in rollup["ranking"]["departments"]] == [1, 1, 3, None]
