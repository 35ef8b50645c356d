"""GET /sync/pull names the change log's epoch, so devices notice a restore and pull from 0."""

from __future__ import annotations

from server.services import epochs

PULL = "/api/v1/sync/pull"


def test_the_pull_answer_names_the_current_epoch(client, session, inspector):
    _, headers = inspector
    epoch = epochs.start_epoch(session, "created").epoch
    session.commit()

    answer = client.get(f"{PULL}?cursor=0", headers=headers).json

    assert answer["epoch"] == epoch


def test_after_a_restore_the_epoch_differs_and_an_old_cursor_sees_everything_again(
    client, session, inspector
):
    _, headers = inspector
    epochs.start_epoch(session, "created")
    session.commit()
    before = client.get(f"{PULL}?cursor=0", headers=headers).json
    assert before["changes"]  # the walk checklist

    epochs.after_restore(session, None)
    session.commit()
    after = client.get(f"{PULL}?cursor={before['cursor']}", headers=headers).json

    assert after["epoch"] != before["epoch"]
    assert [c["data"] for c in after["changes"]] == [c["data"] for c in before["changes"]]


def test_the_epoch_is_in_the_openapi_document(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["PullResult"]
    assert "epoch" in schema["properties"]
