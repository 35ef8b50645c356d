"""The inspection report where the walk fitted the place: N/A sections, items not asked there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.services.checklists import load_checklists
from tests import factories

SHIPPED = Path(__file__).resolve().parents[2] / "checklists"
TOILET_ITEMS = ("toilets.clean", "toilets.odour", "toilets.anti_slip")


@pytest.fixture
def toilet_visit(session, inspector, place):
    """A civilized-city inspection at a place used as a toilet, with no answers yet."""
    load_checklists(session, SHIPPED)
    place.use = "toilet"
    user, _headers = inspector
    return factories.inspection(session, place, user, checklist_id="civilized-city")


def _report(client, session, inspector, inspection) -> str:
    session.commit()
    _user, headers = inspector
    response = client.get(f"/api/v1/inspections/{inspection.id}/report", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _verdict_of(html: str, item_id: str) -> str | None:
    found = re.search(rf'data-item="{re.escape(item_id)}" data-verdict="([^"]+)"', html)
    return found.group(1) if found else None


def test_a_section_marked_not_applicable_is_one_line_in_the_report(
    client, session, inspector, toilet_visit
):
    for item_id in (
        "toilets.clean",
        "toilets.odour",
        "toilets.anti_slip",
        "toilets.fixtures_intact",
        "toilets.handwashing",
    ):
        factories.finding(session, toilet_visit, item_id, result="na", verdict="na")
    factories.finding(session, toilet_visit, "environment.public_areas_clean")

    html = _report(client, session, inspector, toilet_visit)

    assert html.count('data-testid="section-na"') == 1
    assert "本部分不适用" in html and "（5 项" in html
    assert re.search(r'data-testid="na-sections">[^<]*<span[^>]*>[^<]*</span>：\s*卫生间', html)
    assert not any(f'data-item="{item}"' in html for item in TOILET_ITEMS)


def test_an_item_that_does_not_apply_to_the_place_is_not_asked_there_not_missed(
    client, session, inspector, toilet_visit
):
    factories.finding(session, toilet_visit, "toilets.clean")

    html = _report(client, session, inspector, toilet_visit)

    assert _verdict_of(html, "canteen.serving_utensils") is None
    assert 'data-testid="section-elsewhere"' in html
    assert _verdict_of(html, "toilets.odour") == "unanswered"
    assert "此处不查" in html and "场所用途" in html


def test_an_inspection_with_no_answers_says_it_does_not_count_as_coverage(
    client, session, inspector, toilet_visit
):
    html = _report(client, session, inspector, toilet_visit)

    assert 'data-testid="not-counted"' in html


def test_an_answered_inspection_counts(client, session, inspector, toilet_visit):
    factories.finding(session, toilet_visit, "toilets.clean")

    html = _report(client, session, inspector, toilet_visit)

    assert 'data-testid="not-counted"' not in html
