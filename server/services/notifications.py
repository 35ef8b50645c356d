"""Notify people: an in-app inbox row per user, plus one delivery per configured outside channel.

``notify`` is idempotent by ``dedupe_key`` (a job that runs twice notifies once). Deliveries are
an outbox: ``deliver_due`` sends what is due, and a failure only postpones the next attempt
(capped exponential back-off) — a message is never dropped because a channel was down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Notification, NotificationDelivery, User
from server.services.channels import Channel
from server.timeutil import isoformat, utcnow

MAX_BACKOFF = timedelta(hours=6)


def notify(
    session: Session,
    users: Iterable[User],
    *,
    hospital_id: int,
    code: str,
    params: dict,
    dedupe_key: str,
    channels: Iterable[str] = (),
    task_id: int | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Create the notification for each user that does not have it yet; return the new ones.

    ``now`` is the caller's clock: a job catching up on ``--now`` stamps its notices and makes
    their deliveries due at that moment, not at the wall clock's.
    """
    now = now or utcnow()
    created = []
    for user in users:
        try:
            with session.begin_nested():
                notification = Notification(
                    user_id=user.id,
                    hospital_id=hospital_id,
                    code=code,
                    params=params,
                    task_id=task_id,
                    dedupe_key=dedupe_key,
                    created_at=now,
                )
                session.add(notification)
                session.flush()
                for channel in channels:
                    session.add(
                        NotificationDelivery(
                            notification_id=notification.id, channel=channel, next_attempt_at=now
                        )
                    )
                session.flush()
        except IntegrityError:
            continue  # this user was already notified of this
        created.append(notification)
    return created


def notify_about_task(
    session: Session,
    task,
    users: Iterable[User],
    event: str,
    channels: Iterable[str],
    now: datetime | None = None,
) -> list[Notification]:
    """Notify ``users`` of ``event`` (``due_soon``, ``overdue``, ``escalated``) on a task.

    The key includes the deadline, so a task given a new deadline can be notified again.
    """
    due_at = isoformat(task.due_at)
    return notify(
        session,
        users,
        hospital_id=task.hospital_id,
        code=f"task.{event}",
        task_id=task.id,
        channels=channels,
        dedupe_key=f"task:{task.id}:{event}:{due_at}",
        now=now,
        params={
            "task_id": task.id,
            "title": task.title_zh,
            "title_en": task.title_en,
            "due_at": due_at,
            "occurrences": task.occurrences,
        },
    )


def inbox(session: Session, user: User, *, unread_only: bool = False, limit: int = 100):
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user: User, notification_id: int | None = None) -> None:
    """Mark one notification (or, with None, all of them) as read."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        found = session.get(Notification, notification_id)
        if found is None or found.user_id != user.id:
            raise NotFound("No such notification.", code="notification.not_found")
        query = query.where(Notification.id == notification_id)
    session.execute(query.values(read_at=utcnow()))


def deliver_due(
    session: Session, channels: Mapping[str, Channel], now: datetime, batch: int = 100
) -> dict[str, int]:
    """Send the deliveries that are due; return counts of sent, skipped and postponed."""
    counts = {"sent": 0, "skipped": 0, "postponed": 0}
    due = session.scalars(
        select(NotificationDelivery)
        .where(
            NotificationDelivery.status == "pending", NotificationDelivery.next_attempt_at <= now
        )
        .order_by(NotificationDelivery.next_attempt_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    for delivery in due:
        channel = channels.get(delivery.channel)
        user = delivery.notification.user
        if channel is not None and not channel.can_reach(user):
            delivery.status = "skipped"
            delivery.last_error = f"{user.username} has no address for {delivery.channel}"
            counts["skipped"] += 1
            continue
        try:
            if channel is None:
                raise RuntimeError(f"channel {delivery.channel!r} is not configured")
            channel.send(delivery.notification, user)
        except Exception as exc:  # any failure of the outside world only postpones
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delay = min(timedelta(minutes=2 ** min(delivery.attempts, 12)), MAX_BACKOFF)
            delivery.next_attempt_at = now + delay
            counts["postponed"] += 1
        else:
            delivery.status, delivery.sent_at = "sent", now
            delivery.attempts += 1
            counts["sent"] += 1
    session.flush()
    return counts
