"""The inbox over HTTP: newest first, each naming its task; read one, several or all; ETag."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Notification
from tests import factories as f

INBOX = "/api/v1/notifications"


def _unread(session, user) -> set[int]:
    session.commit()
    return set(
        session.scalars(
            select(Notification.id).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
    )


def test_the_inbox_is_newest_first_and_names_each_task(client, session, hospital, make_user):
    user, headers = make_user("department_head")
    task = f.task(session, hospital)
    older = f.notification(session, user, hospital, task)
    newer = f.notification(session, user, hospital, code="coverage.gap")
    session.commit()

    answer = client.get(INBOX, headers=headers).json

    expected = [(newer.id, None), (older.id, task.id)]
    assert [(row["id"], row["task_id"]) for row in answer] == expected


def test_reading_the_ids_a_device_showed_leaves_what_came_since(
    client, session, hospital, make_user
):
    user, headers = make_user("department_head")
    other, _ = make_user("department_head")
    shown = [f.notification(session, user, hospital) for _ in range(2)]
    arrived_since = f.notification(session, user, hospital)
    theirs = f.notification(session, other, hospital)
    session.commit()

    ids = [row.id for row in shown] + [theirs.id]
    response = client.post(f"{INBOX}/read", json={"ids": ids}, headers=headers)

    assert response.status_code == 204
    assert _unread(session, user) == {arrived_since.id}
    assert _unread(session, other) == {theirs.id}  # another's id is ignored


def test_reading_without_ids_reads_everything(client, session, hospital, make_user):
    user, headers = make_user("department_head")
    f.notification(session, user, hospital)
    session.commit()

    assert client.post(f"{INBOX}/read", headers=headers).status_code == 204
    assert _unread(session, user) == set()


def test_ids_that_are_not_ids_are_refused(client, make_user, assert_error):
    _, headers = make_user("department_head")

    response = client.post(f"{INBOX}/read", json={"ids": ["1", 0]}, headers=headers)

    assert_error(response, 422, "request.invalid")
    assert set(response.json["errors"]["ids"]) == {"0", "1"}


def test_an_unchanged_inbox_answers_304_to_its_etag(client, session, hospital, make_user):
    user, headers = make_user("department_head")
    f.notification(session, user, hospital)
    session.commit()
    first = client.get(INBOX, headers=headers)

    again = client.get(INBOX, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304

    f.notification(session, user, hospital)
    session.commit()
    changed = client.get(INBOX, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert (changed.status_code, len(changed.json)) == (200, 2)
