"""GET /locations/labels.html: a printable sheet of QR labels, one per place, for a subtree."""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser

import pytest

from tests import factories as f

LABELS = "/api/v1/locations/labels.html"


class Labels(HTMLParser):
    """Collect each label's code and the QR image it carries."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, str] = {}
        self._code = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section" and "data-code" in attributes:
            self._code = attributes["data-code"]
        elif tag == "img" and self._code:
            self.found[self._code] = attributes["src"]


def _labels(response) -> dict[str, str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    parser = Labels()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def _modules(data_uri: str) -> int:
    """How many modules wide the QR code in an SVG data URI is (4 px each, 2 of border a side)."""
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    return int(re.search(r"width='(\d+)'", svg).group(1)) // 4 - 4


@pytest.fixture
def tree(session, hospital):
    """A building with a floor holding two rooms, and a second building."""
    building = f.location(session, hospital, code="B1", kind="building")
    floor = f.location(session, hospital, code="B1-2F", kind="floor", parent_id=building.id)
    session.flush()
    rooms = [
        f.location(session, hospital, code=code, kind="area", parent_id=floor.id)
        for code in ("B1-2F-A", "B1-2F-B")
    ]
    other = f.location(session, hospital, code="B2", kind="building")
    session.commit()
    return {"building": building, "floor": floor, "rooms": rooms, "other": other}


@pytest.fixture
def headers(make_user):
    return make_user("supervisor")[1]


def test_a_subtree_gets_one_label_per_place_parents_first(client, headers, tree):
    found = _labels(client.get(f"{LABELS}?root={tree['floor'].id}", headers=headers))

    assert list(found) == ["B1-2F", "B1-2F-A", "B1-2F-B"]


def test_each_label_carries_a_full_size_qr_code(client, headers, tree):
    found = _labels(client.get(f"{LABELS}?root={tree['floor'].id}", headers=headers))

    # A QR code is at least 21 modules wide; a Micro QR (which phone scanners skip) is at most 17.
    assert all(_modules(uri) >= 21 for uri in found.values())
    assert len(set(found.values())) == 3


def test_without_a_root_every_active_place_is_labelled(client, session, headers, tree):
    tree["other"].active = False
    session.commit()

    found = _labels(client.get(LABELS, headers=headers))

    assert {"B1", "B1-2F", "B1-2F-A", "B1-2F-B"} <= set(found)
    assert "B2" not in found


def test_the_page_loads_nothing_and_runs_nothing(client, headers, tree):
    response = client.get(LABELS, headers=headers)

    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in response.get_data(as_text=True)


def test_a_place_of_another_hospital_is_not_found(
    client, session, headers, other_hospital, assert_error
):
    foreign = f.location(session, other_hospital)
    session.commit()

    response = client.get(f"{LABELS}?root={foreign.id}", headers=headers)

    assert_error(response, 404, "location.not_found")


def test_a_root_that_is_not_a_number_is_named(client, headers, assert_error):
    body = assert_error(client.get(f"{LABELS}?root=hall", headers=headers), 422, "request.invalid")

    assert "root" in str(body["errors"])


def test_labels_need_a_login(client, assert_error):
    assert_error(client.get(LABELS), 401, "auth.required")
