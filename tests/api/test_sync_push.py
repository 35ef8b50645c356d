"""POST /sync/push: exactly once, record by record, judged by the server."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import event, func, select

from server.extensions import db
from server.models import (
    Finding,
    Inspection,
    Location,
    PhotoSlot,
    RecordEntry,
    RectificationTask,
)
from tests import factories as f

PUSH = "/api/v1/sync/push"


def _count(session, model) -> int:
    session.commit()  # end the test's read snapshot (SQLite WAL), so the servers' commits show
    return session.scalar(select(func.count()).select_from(model))


def _statuses(response) -> list[str]:
    return [result["status"] for result in response.json["results"]]


@pytest.fixture
def batch(place):
    inspection = f.inspection_payload(place.id)
    image = f.jpeg_bytes()
    findings = [
        f.finding_payload(inspection["id"], "floor.clean", "fail", photos=[f.photo_ref(image)]),
        f.finding_payload(inspection["id"], "queue.minutes", "pass", value=9),
        f.finding_payload(inspection["id"], "toilet.odour", "pass", value="none"),
    ]
    record = f.record_payload(
        place.id,
        {
            "weight_kg": 2.5,
            "stored_at": "2026-11-22T08:00:00+08:00",
            "handed_over_by": "张三",
            "received_by": "李四",
        },
    )
    return f.push_body([inspection], findings, [record])


def test_a_push_creates_every_record_and_reports_each_in_order(client, inspector, batch):
    _, headers = inspector
    response = client.post(PUSH, json=batch, headers=headers)
    assert response.status_code == 200
    ids = [batch["inspections"][0]["id"]] + [x["id"] for x in batch["findings"]]
    ids.append(batch["records"][0]["id"])
    assert [r["id"] for r in response.json["results"]] == ids
    assert _statuses(response) == ["created"] * 5


def test_a_push_replayed_three_times_creates_each_row_once(client, session, inspector, batch):
    _, headers = inspector
    answers = [client.post(PUSH, json=batch, headers=headers) for _ in range(3)]
    assert _statuses(answers[1]) == _statuses(answers[2]) == ["duplicate"] * 5
    assert _count(session, Inspection) == 1
    assert _count(session, Finding) == 3
    assert _count(session, RecordEntry) == 1
    assert _count(session, PhotoSlot) == 1
    assert _count(session, RectificationTask) == 1


def test_a_replay_returns_the_same_tasks_and_missing_photos(client, inspector, batch):
    _, headers = inspector
    first = client.post(PUSH, json=batch, headers=headers).json
    again = client.post(PUSH, json=batch, headers=headers).json
    assert again["tasks"] == first["tasks"]
    assert (
        again["missing_photos"]
        == first["missing_photos"]
        == [batch["findings"][0]["photos"][0]["id"]]
    )


def test_the_same_id_with_changed_content_is_a_conflict_and_changes_nothing(
    client, session, inspector, batch
):
    _, headers = inspector
    client.post(PUSH, json=batch, headers=headers)
    changed = f.push_body(findings=[{**batch["findings"][1], "value": 30}])
    response = client.post(PUSH, json=changed, headers=headers)
    assert response.json["results"][0]["status"] == "conflict"
    assert response.json["results"][0]["code"] == "sync.conflict"
    session.expire_all()
    stored = session.get(Finding, uuid.UUID(batch["findings"][1]["id"]))
    assert stored.value == 9
    assert _count(session, RectificationTask) == 1  # the changed value (30 > 15) opened nothing


def test_times_in_another_offset_are_the_same_content(client, inspector, batch):
    _, headers = inspector
    client.post(PUSH, json=batch, headers=headers)
    inspection = {
        **batch["inspections"][0],
        "started_at": "2026-11-23T01:00:00Z",
        "finished_at": "2026-11-23T01:30:00+00:00",
    }
    response = client.post(PUSH, json=f.push_body([inspection]), headers=headers)
    assert _statuses(response) == ["duplicate"]


def test_one_invalid_record_does_not_stop_the_others(client, session, inspector, batch):
    _, headers = inspector
    batch["findings"].insert(
        1, f.finding_payload(batch["inspections"][0]["id"], "queue.minutes", "pass", value="nine")
    )
    response = client.post(PUSH, json=batch, headers=headers)
    assert _statuses(response) == [
        "created",
        "created",
        "rejected",
        "created",
        "created",
        "created",
    ]
    rejected = response.json["results"][2]
    assert rejected["code"] == "sync.invalid"
    assert "value" in rejected["errors"]
    assert _count(session, Finding) == 3


def test_a_malformed_record_is_rejected_with_field_errors(client, inspector, place):
    _, headers = inspector
    broken = {**f.inspection_payload(place.id), "kind": "party", "started_at": "yesterday"}
    response = client.post(PUSH, json=f.push_body([broken, "not a record"]), headers=headers)
    first, second = response.json["results"]
    assert first["status"] == "rejected" and set(first["errors"]) == {"kind", "started_at"}
    assert second == {
        "id": None,
        "kind": "inspection",
        "status": "rejected",
        "code": "sync.invalid",
        "errors": {"_schema": ["Invalid input type."]},
    }


def test_findings_of_a_rejected_inspection_are_rejected_as_children(client, session, inspector):
    _, headers = inspector
    inspection = f.inspection_payload(location_id=999_999)
    finding = f.finding_payload(inspection["id"])
    response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert [r["code"] for r in response.json["results"]] == [
        "sync.unknown_location",
        "sync.parent_rejected",
    ]
    assert _count(session, Finding) == 0


def test_a_finding_for_an_unpushed_inspection_is_rejected(client, inspector):
    _, headers = inspector
    finding = f.finding_payload(f.new_id())
    response = client.post(PUSH, json=f.push_body(findings=[finding]), headers=headers)
    assert response.json["results"][0]["code"] == "sync.unknown_inspection"


def test_an_unknown_checklist_version_is_rejected(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id, checklist_version=7)
    response = client.post(PUSH, json=f.push_body([inspection]), headers=headers)
    result = response.json["results"][0]
    assert result["code"] == "sync.unknown_checklist"
    assert "checklist_version" in result["errors"]


def test_a_location_of_another_hospital_is_rejected(client, session, inspector):
    _, headers = inspector
    other = f.hospital(session)
    session.commit()
    location = session.scalars(select(Location).where(Location.hospital_id == other.id)).first()
    response = client.post(
        PUSH, json=f.push_body([f.inspection_payload(location.id)]), headers=headers
    )
    assert response.json["results"][0]["code"] == "sync.unknown_location"


def test_the_server_judges_numbers_against_thresholds(client, session, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    too_long = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=22)
    response = client.post(PUSH, json=f.push_body([inspection], [too_long]), headers=headers)
    assert _statuses(response) == ["created", "created"]
    session.expire_all()
    stored = session.scalars(select(Finding)).one()
    assert (stored.result, stored.verdict, stored.value) == ("pass", "fail", 22)
    assert response.json["tasks"][0]["finding_id"] == too_long["id"]


@pytest.mark.parametrize(
    ("item_id", "value", "verdict"),
    [
        ("log.missing_days", 0, "pass"),
        ("log.missing_days", 2, "fail"),
        ("toilet.odour", "strong", "fail"),
        ("note.general", "地面有水渍", "na"),
    ],
)
def test_the_server_judges_every_item_type(
    client, session, inspector, place, item_id, value, verdict
):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], item_id, "pass", value=value)
    client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    session.expire_all()
    assert session.scalars(select(Finding.verdict)).one() == verdict


def test_a_failure_without_its_required_photo_is_rejected(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "floor.clean", "fail")
    response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert response.json["results"][1]["code"] == "sync.photo_required"
    assert "photos" in response.json["results"][1]["errors"]


def test_a_photo_of_a_never_photograph_item_is_rejected(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "bed.cards", "pass", photos=[f.photo_ref(b"x")])
    response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert response.json["results"][1]["code"] == "sync.photo_not_allowed"


def test_a_second_answer_to_the_same_item_needs_supersedes(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    first = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=5)
    second = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=6)
    response = client.post(PUSH, json=f.push_body([inspection], [first, second]), headers=headers)
    assert response.json["results"][2]["code"] == "sync.duplicate_item"


def test_a_correction_keeps_both_findings_and_the_newer_counts(client, session, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    wrong = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=50)
    client.post(PUSH, json=f.push_body([inspection], [wrong]), headers=headers)
    fixed = f.finding_payload(
        inspection["id"], "queue.minutes", "pass", value=5, supersedes_id=wrong["id"]
    )
    client.post(PUSH, json=f.push_body(findings=[fixed]), headers=headers)
    report = client.get(f"/api/v1/inspections/{inspection['id']}", headers=headers).json
    by_id = {finding["id"]: finding for finding in report["findings"]}
    assert by_id[wrong["id"]]["superseded"] is True
    assert by_id[fixed["id"]]["superseded"] is False
    session.expire_all()
    task = session.scalars(select(RectificationTask)).one()
    assert (task.status, task.occurrences) == ("cancelled", 0)


def test_a_correction_of_a_correction_must_name_the_newest(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    a = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=1)
    b = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=2, supersedes_id=a["id"])
    c = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=3, supersedes_id=a["id"])
    response = client.post(PUSH, json=f.push_body([inspection], [a, b, c]), headers=headers)
    assert _statuses(response) == ["created", "created", "created", "rejected"]
    assert response.json["results"][3]["code"] == "sync.invalid_supersedes"


def test_a_repeat_failure_adds_an_occurrence_to_the_open_task(client, session, inspector, place):
    _, headers = inspector
    for _ in range(2):
        inspection = f.inspection_payload(place.id)
        finding = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=40)
        client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    session.expire_all()
    task = session.scalars(select(RectificationTask)).one()
    assert task.occurrences == 2
    assert len(task.finding_ids) == 2


def test_a_record_that_breaks_rules_opens_a_task_per_rule(client, session, inspector, place):
    _, headers = inspector
    record = f.record_payload(
        place.id,
        {
            "weight_kg": 1,
            "stored_at": "2026-11-20T08:00:00+08:00",
            "collected_at": "2026-11-23T08:00:00+08:00",
            "handed_over_by": "张三",
        },
    )
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert _statuses(response) == ["created"]
    session.expire_all()
    stored = session.scalars(select(RecordEntry)).one()
    assert stored.verdict == "fail"
    assert sorted(rule["id"] for rule in stored.failed_rules) == ["both_signatures", "storage_48h"]
    assert len(response.json["tasks"]) == 2
    items = sorted(session.scalars(select(RectificationTask.item_id)))
    assert items == ["waste_handover.both_signatures", "waste_handover.storage_48h"]
    severities = set(session.scalars(select(RectificationTask.severity)))
    assert severities == {"major", "critical"}


def test_a_record_missing_a_required_field_is_rejected_naming_it(client, inspector, place):
    _, headers = inspector
    record = f.record_payload(place.id, {"stored_at": "2026-11-20T08:00:00+08:00"})
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert response.json["results"][0]["status"] == "rejected"
    assert "fields.weight_kg" in response.json["results"][0]["errors"]


def test_a_department_head_may_not_push(client, make_user, walk_checklist, batch):
    _, headers = make_user("department_head")
    assert client.post(PUSH, json=batch, headers=headers).status_code == 403


def test_more_than_the_record_limit_is_refused_whole(client, app, session, inspector, place):
    _, headers = inspector
    app.config["SYNC_MAX_RECORDS"] = 3
    inspections = [f.inspection_payload(place.id) for _ in range(4)]
    response = client.post(PUSH, json=f.push_body(inspections), headers=headers)
    assert response.status_code == 413
    assert response.json["code"] == "sync.batch_too_large"
    assert _count(session, Inspection) == 0


def test_a_body_over_the_byte_limit_is_refused(client, app, inspector, place):
    _, headers = inspector
    app.config["SYNC_MAX_BYTES"] = 1000
    inspection = f.inspection_payload(place.id, note="x" * 2000)
    response = client.post(PUSH, json=f.push_body([inspection]), headers=headers)
    assert response.status_code == 413
    assert response.json["code"] == "sync.batch_too_large"


def test_a_malformed_envelope_is_a_422_naming_the_field(client, inspector):
    _, headers = inspector
    response = client.post(PUSH, json={"inspections": {}}, headers=headers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"device_id", "inspections"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("note", "a\ud800b", "cannot be stored"),  # a lone surrogate
        ("note", "a\x00b", "cannot be stored"),  # NUL: PostgreSQL refuses it in text
        ("value", {"x": "\udfff"}, "cannot be stored"),
        ("value", "x" * 5001, "Longer than 5000"),
    ],
)
def test_text_that_cannot_be_stored_rejects_that_record_only(
    client, session, inspector, batch, field, value, message
):
    _, headers = inspector
    batch["findings"][2] = {**batch["findings"][2], "item_id": "note.general", "value": "ok"}
    batch["findings"][2][field] = value
    body = json.dumps(batch)  # ASCII escapes: \ud800 and \u0000 reach the server as sent
    response = client.post(PUSH, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 200
    assert _statuses(response) == ["created", "created", "created", "rejected", "created"]
    rejected = response.json["results"][3]
    assert rejected["code"] == "sync.invalid"
    assert message in rejected["errors"][field][0]
    assert _count(session, Finding) == 2


def test_a_record_form_with_a_nul_is_rejected_naming_fields(client, inspector, batch):
    _, headers = inspector
    batch["records"][0]["fields"]["handed_over_by"] = "张\x00三"
    body = json.dumps(batch)
    response = client.post(PUSH, data=body, content_type="application/json", headers=headers)
    assert _statuses(response) == ["created"] * 4 + ["rejected"]
    assert "fields" in response.json["results"][4]["errors"]


def test_another_hospitals_stored_record_is_a_conflict_that_reveals_nothing(
    client, session, inspector, batch, make_user
):
    """A user of hospital B pushing A's finding with A's exact content learns nothing of it."""
    _, headers = inspector
    first = client.post(PUSH, json=batch, headers=headers).json
    assert first["tasks"]  # the failure opened a task in hospital A
    other = f.hospital(session)
    session.commit()
    _, outsider = make_user("inspector", hospital=other)
    replay = client.post(PUSH, json=batch, headers=outsider).json
    assert _statuses_of(replay) == ["conflict"] * 5
    assert replay["tasks"] == [] and replay["missing_photos"] == []


def _statuses_of(answer: dict) -> list[str]:
    return [result["status"] for result in answer["results"]]


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("inspections", "location_id", 2**63),
        ("inspections", "checklist_version", 2**31),
        ("records", "location_id", 2**31),
    ],
)
def test_a_number_beyond_what_the_database_holds_is_rejected_naming_it(
    client, inspector, batch, kind, field, value
):
    _, headers = inspector
    batch[kind][0][field] = value
    response = client.post(PUSH, json=batch, headers=headers)
    assert response.status_code == 200
    result = next(r for r in response.json["results"] if r["id"] == batch[kind][0]["id"])
    assert result["status"] == "rejected" and field in result["errors"]


def test_a_photo_size_beyond_what_the_database_holds_is_rejected(client, inspector, batch):
    _, headers = inspector
    batch["findings"][0]["photos"][0]["bytes"] = 2**40
    response = client.post(PUSH, json=batch, headers=headers)
    assert _statuses(response)[1] == "rejected"
    assert "photos" in response.json["results"][1]["errors"]


def test_a_task_cancelled_by_a_correction_and_failed_again_in_one_push_is_two_tasks(
    client, session, inspector, place
):
    """The cancelled task is written before the new one, which the open-problem index needs."""
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    first = f.finding_payload(inspection["id"], "queue.minutes", "pass", value=40)
    withdrawn = f.finding_payload(
        inspection["id"], "queue.minutes", "pass", value=5, supersedes_id=first["id"]
    )
    again = f.finding_payload(
        inspection["id"], "queue.minutes", "pass", value=50, supersedes_id=withdrawn["id"]
    )
    earlier = client.post(PUSH, json=f.push_body([inspection], [first]), headers=headers)
    assert _statuses(earlier) == ["created"] * 2
    response = client.post(PUSH, json=f.push_body([], [withdrawn, again]), headers=headers)
    assert _statuses(response) == ["created"] * 2
    session.commit()
    statuses = sorted(session.scalars(select(RectificationTask.status)))
    assert statuses == ["cancelled", "open"]


def test_a_push_reads_its_answer_after_its_commit_without_the_write_lock(
    app, client, inspector, batch, backend
):
    """Other pushes queue behind a push's write lock; its answer's look-ups need not hold it."""
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    executed = []
    engine = db.engine

    def remember(conn, cursor, statement, *args):
        executed.append(" ".join(statement.split())[:40])

    event.listen(engine, "before_cursor_execute", remember)
    try:
        _, headers = inspector
        response = client.post(PUSH, json=batch, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", remember)

    assert response.status_code == 200
    last_write = max(i for i, statement in enumerate(executed) if statement.startswith("INSERT"))
    after = executed[last_write + 1 :]
    answer = next(i for i, s in enumerate(after) if s.startswith("SELECT photo_slots.photo_id"))
    assert [s for s in after[:answer] if s.startswith("BEGIN")] == ["BEGIN"]  # deferred, no lock
