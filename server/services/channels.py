"""Outside channels for notifications, chosen by configuration (``NOTIFY_CHANNELS=smtp``).

A channel knows whether it can reach a user and how to send one notification. Adding a
WeCom/DingTalk-style webhook is a class with the same two methods registered in ``CHANNELS``.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

from server.models import Notification, User

# Server-side wording for outside channels (the client translates codes itself).
SUBJECTS = {
    "task.due_soon": ("整改任务即将到期：{title}", "Rectification task due soon: {title}"),
    "task.overdue": ("整改任务已逾期：{title}", "Rectification task overdue: {title}"),
    "task.escalated": ("整改任务逾期升级：{title}", "Overdue task escalated: {title}"),
    "coverage.gap": (
        "{count} 个地点 14 天内未检查",
        "{count} locations not inspected in 14 days",
    ),
}


def render(notification: Notification) -> tuple[str, str]:
    """Return a bilingual subject and body for a notification."""
    zh, en = SUBJECTS.get(notification.code, (notification.code, notification.code))
    params: dict[str, Any] = {"title": "", "count": 0, **notification.params}
    subject = f"{zh.format(**params)} / {en.format(**params)}"
    lines = [subject, ""]
    lines += [f"{key}: {value}" for key, value in sorted(notification.params.items())]
    return subject, "\n".join(lines)


class Channel(Protocol):
    """An outside channel."""

    name: str

    def can_reach(self, user: User) -> bool:
        """Return whether the user has an address on this channel."""

    def send(self, notification: Notification, user: User) -> None:
        """Send one notification; raise on any failure (the delivery is retried)."""


class SmtpChannel:
    """E-mail through an SMTP server (optionally STARTTLS and login)."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout

    def can_reach(self, user: User) -> bool:
        """Return whether the user has an e-mail address."""
        return bool(user.email)

    def send(self, notification: Notification, user: User) -> None:
        """Send the notification as a plain-text UTF-8 e-mail."""
        subject, body = render(notification)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, user.email, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def configured_channels(config: dict) -> dict[str, Channel]:
    """Build the channels named in ``NOTIFY_CHANNELS`` from the app config."""
    channels: dict[str, Channel] = {}
    for name in filter(None, (n.strip() for n in config.get("NOTIFY_CHANNELS", "").split(","))):
        if name == "smtp":
            channels[name] = SmtpChannel(
                config["SMTP_HOST"],
                int(config["SMTP_PORT"]),
                config["SMTP_FROM"],
                config.get("SMTP_USER", ""),
                config.get("SMTP_PASSWORD", ""),
                bool(config.get("SMTP_STARTTLS")),
            )
        else:
            raise ValueError(f"Unknown notification channel {name!r} in NOTIFY_CHANNELS")
    return channels
