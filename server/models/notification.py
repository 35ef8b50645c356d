"""In-app notifications, group-chat notifications, and their deliveries to outside channels.

A notification is written once per (user, dedupe key), so a job that runs twice notifies once.
A group notification is the same message for a group chat (a department's or the hospital's
WeCom, DingTalk or Feishu robot), written once per (hospital, dedupe key). Each outside channel
gets a delivery row that is retried until it is sent: a message is never dropped because a mail
server or a robot was down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base
from server.models.user import User
from server.timeutil import utcnow

# What a notification can be about (the app and the outside channels word each one).
NOTIFICATION_CODES = (
    "task.created",
    "task.assigned",
    "task.rechecked",
    "task.evidence_submitted",
    "task.verification_failed",
    "task.due_soon",
    "task.overdue",
    "task.escalated",
    "task.escalated_to_leadership",
    "task.moved",
    "coverage.gap",
)
# Group-chat robots a hospital file can configure.
ROBOT_VENDORS = ("wecom", "dingtalk", "feishu")


class Notification(Base):
    """A message for one user; ``code`` and ``params`` are translated by the client."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    code: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_tasks.id"))
    dedupe_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class GroupNotification(Base):
    """A message for the group chats of a department (or, without one, of the hospital).

    Sent once to each robot webhook the hospital file configures for that audience, whoever of
    its people have an account: the ward's chat hears of its problem even before its head logs in.
    """

    __tablename__ = "group_notifications"
    # The dedupe key names the audience (``dept:17:…``), so one hospital-wide key suffices.
    __table_args__ = (UniqueConstraint("hospital_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_tasks.id"))
    dedupe_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationDelivery(Base):
    """One notification on its way through one outside channel.

    Either a user's notification through a personal channel (``smtp``), or a group notification
    through one robot webhook (``webhook:<name>``, the name it has in the hospital file).
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        UniqueConstraint("group_notification_id", "channel"),
        CheckConstraint("status IN ('pending', 'sent', 'skipped')", name="status_known"),
        CheckConstraint(
            "(notification_id IS NULL) <> (group_notification_id IS NULL)", name="one_message"
        ),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE")
    )
    group_notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_notifications.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]

    notification: Mapped[Notification | None] = relationship()
    group_notification: Mapped[GroupNotification | None] = relationship()
