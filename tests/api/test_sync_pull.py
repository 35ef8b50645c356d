"""GET /sync/pull: what changed for this user, paged by cursor, with no gaps or repeats."""

from __future__ import annotations

from server.services.changes import record_change
from tests import factories as f

PULL = "/api/v1/sync/pull"


def _fail_somewhere(client, headers, location_id: int, item: str = "queue.minutes") -> dict:
    inspection = f.inspection_payload(location_id)
    finding = f.finding_payload(inspection["id"], item, "pass", value=99)
    return client.post(
        "/api/v1/sync/push", json=f.push_body([inspection], [finding]), headers=headers
    ).json


def _all_pages(client, headers, cursor=0, limit=2):
    seen = []
    while True:
        page = client.get(f"{PULL}?cursor={cursor}&limit={limit}", headers=headers).json
        seen += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return seen, cursor


def _locations(session, hospital, count):
    return [f.location(session, hospital) for _ in range(count)]


def test_pages_cover_every_change_once_in_order(client, session, hospital, inspector):
    _, headers = inspector
    places = _locations(session, hospital, 5)
    session.commit()
    for place in places:
        _fail_somewhere(client, headers, place.id)
    seen, _ = _all_pages(client, headers, limit=2)
    seqs = [change["seq"] for change in seen]
    assert seqs == sorted(set(seqs))
    single = client.get(f"{PULL}?cursor=0&limit=500", headers=headers).json["changes"]
    assert seen == single
    assert [c["kind"] for c in seen] == ["checklist"] + ["task"] * 5


def test_a_resumed_pull_returns_only_what_changed_after_the_cursor(
    client, session, hospital, inspector, place
):
    _, headers = inspector
    _fail_somewhere(client, headers, place.id)
    _, cursor = _all_pages(client, headers)
    other = f.location(session, hospital)
    session.commit()
    answer = _fail_somewhere(client, headers, other.id)
    page = client.get(f"{PULL}?cursor={cursor}", headers=headers).json
    assert [c["data"]["id"] for c in page["changes"]] == [answer["tasks"][0]["id"]]
    assert page["more"] is False


def test_an_entity_changed_again_is_pulled_once_at_its_newest_state(client, inspector, place):
    _, headers = inspector
    first = _fail_somewhere(client, headers, place.id)
    _fail_somewhere(client, headers, place.id)  # same problem: the task's occurrences go to 2
    changes = client.get(f"{PULL}?cursor=0", headers=headers).json["changes"]
    tasks = [c for c in changes if c["kind"] == "task"]
    assert len(tasks) == 1
    assert tasks[0]["data"]["id"] == first["tasks"][0]["id"]
    assert tasks[0]["data"]["occurrences"] == 2


def test_a_pull_at_the_end_is_empty_and_keeps_the_cursor(client, inspector, place):
    _, headers = inspector
    _fail_somewhere(client, headers, place.id)
    _, cursor = _all_pages(client, headers)
    page = client.get(f"{PULL}?cursor={cursor}", headers=headers).json
    assert (page["changes"], page["cursor"], page["more"]) == ([], cursor, False)


def test_another_hospitals_changes_are_not_pulled(client, session, inspector, make_user):
    other = f.hospital(session)
    outsider, outsider_headers = make_user("inspector", hospital=other)
    _, headers = inspector
    place = session.get(type(other.departments[0]), other.departments[0].id)
    assert place is not None
    record_change(session, "department", other.departments[0].id, other.id)
    session.commit()
    mine = client.get(f"{PULL}?cursor=0", headers=headers).json["changes"]
    theirs = client.get(f"{PULL}?cursor=0", headers=outsider_headers).json["changes"]
    assert all(c["kind"] != "department" for c in mine)
    assert [c["kind"] for c in theirs] == ["checklist", "department"]
    assert outsider.id != 0


def test_a_department_head_pulls_only_their_departments_tasks(
    client, session, hospital, inspector, make_user, place
):
    _, headers = inspector
    _fail_somewhere(client, headers, place.id)
    elsewhere = f.department(session, hospital)
    _, head_headers = make_user("department_head", department_id=elsewhere.id)
    changes = client.get(f"{PULL}?cursor=0", headers=head_headers).json["changes"]
    assert [c["kind"] for c in changes] == ["checklist"]
    owner_dept = place.department_id
    _, owner_headers = make_user("department_head", department_id=owner_dept)
    owner_changes = client.get(f"{PULL}?cursor=0", headers=owner_headers).json["changes"]
    assert [c["kind"] for c in owner_changes] == ["checklist", "task"]


def test_a_limit_over_500_is_refused(client, inspector):
    _, headers = inspector
    response = client.get(f"{PULL}?cursor=0&limit=501", headers=headers)
    assert response.status_code == 422
    assert "limit" in response.json["errors"]
