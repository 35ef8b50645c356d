"""Notifications: the in-app inbox, and e-mail through a real SMTP server that may be down."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from server.jobs import run_job
from server.models import Notification, NotificationDelivery
from server.services.notifications import notify
from tests import factories as f

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(app):
    port = _free_port()
    app.config.update(
        NOTIFY_CHANNELS="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_FROM="wardwalk@hospital.test",
    )
    return port


@pytest.fixture
def mail_server(smtp_port):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield mailbox
    controller.stop()


@pytest.fixture
def head(session, hospital, make_user):
    user, _ = make_user(
        "department_head", department_id=hospital.departments[0].id, email="head@hospital.test"
    )
    return user


def _overdue_task(session, hospital):
    task = f.task(session, hospital, due_at=NOW - timedelta(hours=1), title_zh="卫生间地面湿滑")
    session.commit()
    return task


def _count(session, model) -> int:
    session.commit()
    return len(list(session.scalars(select(model))))


def _deliveries(session):
    session.commit()
    return list(session.scalars(select(NotificationDelivery)))


def test_an_overdue_task_is_mailed_to_the_department_head(
    app, session, hospital, head, mail_server
):
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW) == {"sent": 1, "skipped": 0, "postponed": 0}
    [message] = mail_server.messages
    assert message["To"] == "head@hospital.test"
    assert "卫生间地面湿滑" in str(make_header(decode_header(message["Subject"])))
    assert _deliveries(session)[0].status == "sent"


def test_a_delivery_while_the_mail_server_is_down_is_retried_not_lost(
    app, session, hospital, head, smtp_port
):
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW)["postponed"] == 1  # nothing listens on the port
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > NOW
    assert delivery.last_error

    # Not due again before its back-off has passed.
    assert run_job(app, "deliveries", NOW + timedelta(seconds=30))["postponed"] == 0

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = NOW + timedelta(minutes=5)
        assert run_job(app, "deliveries", later)["sent"] == 1
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1
    assert _deliveries(session)[0].status == "sent"


def test_back_off_grows_and_is_capped(app, session, hospital, head, smtp_port):
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    moment, gaps = NOW, []
    for _ in range(12):
        run_job(app, "deliveries", moment)
        delivery = _deliveries(session)[0]
        gaps.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
    assert gaps == sorted(gaps)
    assert gaps[-1] == timedelta(hours=6)
    assert delivery.status == "pending"  # still trying, never dropped


def test_a_user_without_an_address_gets_only_the_in_app_notice(
    app, session, hospital, make_user, mail_server
):
    make_user("department_head", department_id=hospital.departments[0].id)  # no e-mail
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW) == {"sent": 0, "skipped": 0, "postponed": 0}
    assert _deliveries(session) == []
    assert mail_server.messages == []
    assert _count(session, Notification) == 1


def test_mail_is_skipped_while_no_mail_server_is_configured(app, session, hospital, head):
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW) == {"sent": 0, "skipped": 1, "postponed": 0}
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.last_error) == (
        "skipped",
        "smtp is not configured (NOTIFY_CHANNELS)",
    )


def test_notify_is_idempotent_by_dedupe_key(session, hospital, head):
    for _ in range(3):
        notify(
            session,
            [head],
            hospital_id=hospital.id,
            code="task.overdue",
            params={},
            dedupe_key="task:1:overdue",
            now=NOW,
        )
    session.commit()
    assert len(_deliveries(session)) == 1  # one e-mail on its way, not three
    assert _count(session, Notification) == 1


def test_the_inbox_lists_and_marks_read(app, client, session, hospital, make_user):
    user, headers = make_user("department_head", department_id=hospital.departments[0].id)
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    inbox = client.get("/api/v1/notifications", headers=headers).json
    assert [(n["code"], n["read_at"]) for n in inbox] == [("task.overdue", None)]
    assert inbox[0]["params"]["title"]["zh-CN"] == "卫生间地面湿滑"
    assert inbox[0]["task_id"] is not None
    assert (
        client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=headers).status_code
        == 204
    )
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json == []


def test_nobody_marks_another_users_notification(app, client, session, hospital, make_user, head):
    _overdue_task(session, hospital)
    run_job(app, "overdue", NOW)
    _, other_headers = make_user("department_head")
    session.commit()
    mine = session.scalars(select(Notification.id)).first()
    response = client.post(f"/api/v1/notifications/{mine}/read", headers=other_headers)
    assert response.status_code == 404
    assert response.json["code"] == "notification.not_found"
