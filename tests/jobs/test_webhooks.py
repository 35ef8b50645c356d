"""Chat robots: WeCom, DingTalk and Feishu webhooks, through the delivery outbox.

Each vendor is played by a real HTTP endpoint on loopback (tests/support/robots.py) that checks
the documented payload and signature exactly and answers like the vendor: a refused message is
HTTP 200 with a non-zero code, which must count as a failure and be retried, never lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.jobs import run_job
from server.models import NOTIFICATION_CODES, NotificationDelivery
from server.services.channels import HEADLINES, Message
from server.services.webhooks import WeComRobot
from tests import factories as f
from tests.support.robots import RobotReceiver

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SECRET = "SEC2b7e0f6a91d4c8e5b3a7f0c2d9e1b4a6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8"
PUBLIC_URL = "https://wardwalk.example.org"
SIGNED = ("dingtalk", "feishu")


@pytest.fixture
def configure(app, session, hospital, monkeypatch):
    """Give the hospital robots (department chats by default) and their secrets."""
    app.config["PUBLIC_URL"] = PUBLIC_URL
    monkeypatch.setenv("TEST_ROBOT_SECRET", SECRET)

    def configure(*receivers: RobotReceiver, department="general_affairs", **extra):
        hooks = [
            {
                "name": f"{receiver.vendor}-{n}",
                "vendor": receiver.vendor,
                "url": receiver.url,
                "department": department,
                **({"secret_env": "TEST_ROBOT_SECRET"} if receiver.secret else {}),
                **extra,
            }
            for n, receiver in enumerate(receivers)
        ]
        hospital.settings = {**hospital.settings, "webhooks": hooks}
        session.commit()

    return configure


@pytest.fixture
def receivers():
    started: list[RobotReceiver] = []

    def make(vendor: str, secret: str | None = SECRET, clock=NOW) -> RobotReceiver:
        receiver = RobotReceiver(vendor, secret if vendor in SIGNED else None, clock).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


def _overdue(session, hospital):
    task = f.task(session, hospital, due_at=NOW - timedelta(hours=1), title_zh="门前堆放杂物")
    session.commit()
    return task


def _deliveries(session) -> list[NotificationDelivery]:
    session.commit()
    return list(session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)))


@pytest.mark.parametrize("vendor", ["wecom", "dingtalk", "feishu"])
def test_an_overdue_task_reaches_the_departments_chat(
    app, session, hospital, configure, receivers, vendor
):
    robot = receivers(vendor)
    configure(robot)
    task = _overdue(session, hospital)

    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW) == {"sent": 1, "skipped": 0, "postponed": 0}

    assert robot.problems == []
    [text] = robot.texts()
    assert "整改任务已逾期：门前堆放杂物" in text
    assert f"({PUBLIC_URL}/#/task/{task.id})" in text
    [delivery] = _deliveries(session)
    assert (delivery.channel, delivery.status, delivery.sent_at) == (
        f"webhook:{vendor}-0",
        "sent",
        NOW,
    )


@pytest.mark.parametrize("vendor", SIGNED)
def test_a_robot_without_a_secret_gets_an_unsigned_message(
    app, session, hospital, configure, receivers, vendor
):
    robot = receivers(vendor, secret=None)
    configure(robot)
    _overdue(session, hospital)

    run_job(app, "overdue", NOW)
    run_job(app, "deliveries", NOW)

    assert (robot.problems, len(robot.received)) == ([], 1)


@pytest.mark.parametrize("vendor", SIGNED)
def test_a_wrong_secret_is_refused_and_retried_not_counted_as_sent(
    app, session, hospital, configure, receivers, monkeypatch, vendor
):
    robot = receivers(vendor)
    configure(robot)
    monkeypatch.setenv("TEST_ROBOT_SECRET", SECRET + "x")
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)

    assert run_job(app, "deliveries", NOW)["postponed"] == 1

    assert robot.problems == ["sign does not match"]
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert {"dingtalk": "310000", "feishu": "19021"}[vendor] in delivery.last_error


def test_a_dingtalk_refusal_with_http_200_is_retried_until_accepted(
    app, session, hospital, configure, receivers
):
    robot = receivers("dingtalk")
    robot.answers.append((200, {"errcode": 310000, "errmsg": "keywords not in content"}))
    configure(robot)
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)

    assert run_job(app, "deliveries", NOW) == {"sent": 0, "skipped": 0, "postponed": 1}
    [delivery] = _deliveries(session)
    assert "310000" in delivery.last_error
    assert delivery.next_attempt_at == NOW + timedelta(minutes=2)

    robot.clock = delivery.next_attempt_at  # signed again, at the retry's clock
    assert run_job(app, "deliveries", delivery.next_attempt_at)["sent"] == 1
    assert (robot.problems, len(robot.received)) == ([], 1)


def test_a_robot_that_is_down_then_up_gets_the_message_once(
    app, session, hospital, configure, receivers
):
    robot = receivers("wecom")
    configure(robot)
    robot.stop()
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)

    assert run_job(app, "deliveries", NOW)["postponed"] == 1
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error
    assert run_job(app, "deliveries", NOW + timedelta(seconds=30))["postponed"] == 0  # backing off

    robot.start()
    later = NOW + timedelta(minutes=5)
    assert run_job(app, "deliveries", later) == {"sent": 1, "skipped": 0, "postponed": 0}
    assert run_job(app, "deliveries", later + timedelta(hours=1))["sent"] == 0
    assert (robot.problems, len(robot.received)) == ([], 1)


def test_an_http_error_is_retried(app, session, hospital, configure, receivers):
    robot = receivers("feishu")
    robot.answers.append((502, {"code": 9499, "msg": "bad gateway"}))
    configure(robot)
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)

    assert run_job(app, "deliveries", NOW)["postponed"] == 1
    robot.clock = NOW + timedelta(minutes=2)
    assert run_job(app, "deliveries", robot.clock)["sent"] == 1


def test_a_secret_missing_from_the_environment_postpones_and_says_which(
    app, session, hospital, configure, receivers, monkeypatch
):
    configure(receivers("dingtalk"))
    monkeypatch.delenv("TEST_ROBOT_SECRET")
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)

    assert run_job(app, "deliveries", NOW)["postponed"] == 1
    [delivery] = _deliveries(session)
    assert "TEST_ROBOT_SECRET is not set" in delivery.last_error


def test_a_url_may_come_from_the_environment(
    app, session, hospital, configure, receivers, monkeypatch
):
    robot = receivers("wecom")
    configure(robot)
    monkeypatch.setenv("TEST_WECOM_URL", robot.url)
    hook = {**hospital.settings["webhooks"][0], "url_env": "TEST_WECOM_URL"}
    del hook["url"]
    hospital.settings = {"webhooks": [hook]}
    session.commit()
    _overdue(session, hospital)

    run_job(app, "overdue", NOW)
    run_job(app, "deliveries", NOW)

    assert (robot.problems, len(robot.received)) == ([], 1)


def test_a_robot_dropped_from_the_hospital_file_is_skipped(
    app, session, hospital, configure, receivers
):
    robot = receivers("wecom")
    configure(robot)
    _overdue(session, hospital)
    run_job(app, "overdue", NOW)
    hospital.settings = {"webhooks": []}
    session.commit()

    assert run_job(app, "deliveries", NOW) == {"sent": 0, "skipped": 1, "postponed": 0}
    assert robot.requests == 0


def test_each_robot_of_a_chat_gets_the_message(app, session, hospital, configure, receivers):
    robots = [receivers(vendor) for vendor in ("wecom", "dingtalk", "feishu")]
    configure(*robots)
    _overdue(session, hospital)

    run_job(app, "overdue", NOW)
    assert run_job(app, "deliveries", NOW)["sent"] == 3

    assert [(robot.problems, len(robot.received)) for robot in robots] == [([], 1)] * 3


def test_the_hospitals_chat_hears_escalations_and_not_deadlines(
    app, session, hospital, configure, receivers
):
    robot = receivers("dingtalk")
    configure(robot, department=None)
    f.task(session, hospital, due_at=NOW - timedelta(days=8), title_zh="消防通道堵塞")
    session.commit()

    run_job(app, "overdue", NOW)
    run_job(app, "escalation", NOW)
    run_job(app, "deliveries", NOW)

    titles = [message["body"]["markdown"]["title"] for message in robot.received]
    assert titles == [
        "整改任务逾期 3 天，已报督导：消防通道堵塞",
        "整改任务逾期 7 天，已报院领导：消防通道堵塞",
    ]
    assert robot.problems == []


def test_a_long_message_is_cut_to_wecoms_limit_on_a_character_boundary():
    tasks = [
        {"id": n, "title": {"zh-CN": "门诊楼一层大厅东侧候诊区" * 25, "en": "Hall " * 60}}
        for n in range(1, 21)
    ]
    message = Message("task.created", {"count": 20, "tasks": tasks, "location": "大厅"}, 1)

    _url, body = WeComRobot("http://robot/", None).request(message, NOW)

    content = body["markdown"]["content"]
    assert 4090 <= len(content.encode()) <= 4096
    assert content.startswith("**大厅：20 个新整改问题")


def test_new_tasks_link_the_inspections_written_feedback(
    app, client, session, hospital, configure, receivers, inspector, place
):
    robot = receivers("feishu", secret=None)
    configure(robot)
    _, headers = inspector
    visit = f.inspection_payload(place.id)
    failed = [f.finding_payload(visit["id"], "bed.cards", result="fail")]
    client.post("/api/v1/sync/push", json=f.push_body([visit], failed), headers=headers)

    run_job(app, "deliveries", datetime.now(UTC))

    [text] = robot.texts()
    assert f"({PUBLIC_URL}/#/inspection/{visit['id']})" in text
    assert "1 new problem(s)" in text


def test_every_notification_code_has_words_outside_the_app():
    assert set(HEADLINES) == set(NOTIFICATION_CODES)
