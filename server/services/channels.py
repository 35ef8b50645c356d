"""Outside channels for notifications, and the words of the messages sent through them.

A *personal* channel reaches one user at an address of theirs (``smtp``: an e-mail address).
``REACHES`` says who has one: a notification gets a delivery for each channel its user can be
reached on, and the deliveries job sends through the channels configured in ``NOTIFY_CHANNELS``
(``configured_channels``), skipping the others. *Group* channels are the chat robots of the
hospital file (``server/services/webhooks.py``).

The app words notifications itself from ``code`` and ``params`` (client/i18n); outside channels
get the words below, zh-CN first and en, with a link into the app when ``PUBLIC_URL`` is set.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from server.models import User

# Who a personal channel can reach at all (decided when the notification is written).
REACHES: dict[str, Callable[[User], bool]] = {"smtp": lambda user: bool(user.email)}

# One headline per notification code, zh-CN and en; ``{…}`` are the notification's params.
HEADLINES = {
    "task.created": (
        "{location}：{count} 个新整改问题，责任科室 {department}",
        "{location}: {count} new problem(s) for {department}",
    ),
    "task.assigned": (
        "整改任务分派给你：{title}（时限 {due}）",
        "Task assigned to you: {title} (due {due})",
    ),
    "task.rechecked": (
        "{location}：{count} 个整改问题复查合格，待复查确认",
        "{location}: {count} problem(s) passed a re-check, waiting for verification",
    ),
    "task.evidence_submitted": (
        "整改已提交，待复查：{title}",
        "Fix submitted, waiting for verification: {title}",
    ),
    "task.verification_failed": (
        "复查未通过，请继续整改：{title}（时限 {due}）",
        "Verification failed, fix it again: {title} (due {due})",
    ),
    "task.due_soon": (
        "整改任务即将到期：{title}（时限 {due}）",
        "Task due soon: {title} (due {due})",
    ),
    "task.overdue": ("整改任务已逾期：{title}（时限 {due}）", "Task overdue: {title} (due {due})"),
    "task.escalated": (
        "整改任务逾期 {days} 天，已报督导：{title}",
        "Task {days} day(s) overdue, escalated to supervisors: {title}",
    ),
    "task.escalated_to_leadership": (
        "整改任务逾期 {days} 天，已报院领导：{title}",
        "Task {days} day(s) overdue, escalated to leadership: {title}",
    ),
    "task.moved": (
        "整改任务转交 {to_department}（原 {from_department}）：{title}",
        "Task moved to {to_department} (from {from_department}): {title}",
    ),
    "coverage.gap": (
        "{count} 个地点 {days} 天内未检查",
        "{count} locations not inspected in {days} days",
    ),
}
LANGUAGES = ("zh-CN", "en")
GROUPED = ("task.created", "task.rechecked")  # one notice per inspection, place and department
LIST_LIMIT = 10  # tasks named one by one in a message about several


@dataclass(frozen=True)
class Message:
    """What one notification says, ready for any channel."""

    code: str
    params: dict[str, Any]
    task_id: int | None
    link: str = ""

    def headline(self, language: str) -> str:
        """Return the one-line summary in ``language`` (``zh-CN`` or ``en``)."""
        zh, en = HEADLINES.get(self.code, (self.code, self.code))
        return (zh if language == "zh-CN" else en).format_map(_Words(self.params, language))

    def items(self) -> list[str]:
        """Return the tasks a message about several names, one line each (zh-CN / en)."""
        return [
            f"#{task['id']} {task['title']['zh-CN']} / {task['title']['en']}"
            for task in self.params.get("tasks", [])[:LIST_LIMIT]
        ]


class _Words(dict):
    """Params as a template sees them: bilingual values in one language, missing ones empty."""

    def __init__(self, params: dict, language: str) -> None:
        super().__init__(params)
        self.language = language

    def __getitem__(self, key: str) -> Any:
        value = super().get(key, "")
        if isinstance(value, dict):
            return value.get(self.language) or value.get("zh-CN", "")
        return "" if value is None else value


def link_for(code: str, params: dict, task_id: int | None, public_url: str) -> str:
    """Return the app's address of what a notification is about ('' without ``PUBLIC_URL``).

    New or re-checked tasks of one inspection open its written feedback (当日书面反馈); the rest
    their task.
    """
    base = public_url.rstrip("/")
    if not base:
        return ""
    if code in GROUPED and params.get("inspection_id"):
        return f"{base}/#/inspection/{params['inspection_id']}"
    if task_id is not None:
        return f"{base}/#/task/{task_id}"
    return f"{base}/#/"


def render(message: Message) -> tuple[str, str]:
    """Return a bilingual subject and plain-text body (for e-mail)."""
    subject = " / ".join(message.headline(language) for language in LANGUAGES)
    parts = [f"{message.headline('zh-CN')}\n{message.headline('en')}", "\n".join(message.items())]
    return subject, "\n\n".join(part for part in (*parts, message.link) if part) + "\n"


def markdown(message: Message) -> tuple[str, str]:
    """Return a title and a short markdown text (for chat robots), with the link to the app."""
    title = message.headline("zh-CN")
    items = "\n".join(f"- {item}" for item in message.items())
    task = f"任务 Task #{message.task_id}" if message.task_id is not None and not items else ""
    link = f"[打开 Open]({message.link})" if message.link else ""
    parts = (f"**{title}**", message.headline("en"), items, task, link)
    return title, "\n\n".join(part for part in parts if part)


class Channel(Protocol):
    """A personal channel: reaches one user."""

    name: str

    def can_reach(self, user: User) -> bool:
        """Return whether the user has an address on this channel."""

    def send(self, message: Message, user: User) -> None:
        """Send one message to the user; raise on any failure (the delivery is retried)."""


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
        return REACHES[self.name](user)

    def send(self, message: Message, user: User) -> None:
        """Send the message as a plain-text UTF-8 e-mail."""
        subject, body = render(message)
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, user.email, subject
        mail.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)


def configured_channels(config: dict) -> dict[str, Channel]:
    """Build the personal channels named in ``NOTIFY_CHANNELS`` from the app config."""
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
