"""Tell people what they must act on: inbox rows, group-chat messages, outside deliveries.

Who hears what (docs/tasks.md, "Notifications"): new tasks go to the responsible department's
heads at once, one message per inspection, place and department; an assignment to the assignee;
evidence to those who may verify it; a failed verification, an approaching or passed deadline to
the department; the escalation ladder to supervisors, then leadership. Nobody is told of what
they did themselves. Each event also reaches the group chats of the department and the hospital
that listen for it (``webhooks.webhooks_for``).

Every notice takes the caller's clock (``now``): a job catching up on ``--now`` stamps its
notices and makes their deliveries due at that moment. ``send`` writes a batch of notices with a
bulk insert per table that skips what exists, so notifying twice (a job run twice, a retried
push) tells nobody twice. Deliveries are an outbox: ``deliver_due`` sends what is due, and a
failure only postpones the next attempt (capped exponential back-off) — never drops it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import (
    OPEN_STATUSES,
    Department,
    GroupNotification,
    Hospital,
    Location,
    Notification,
    NotificationDelivery,
    RectificationTask,
    User,
    UserRole,
    user_hospitals,
)
from server.services import bulk
from server.services.channels import REACHES, Channel, Message, link_for
from server.services.permissions import roles_allowed
from server.services.tasks import LedgerTask, TaskLedger, responsible_people
from server.services.users import WITHOUT_GRANTS, users_with_role
from server.services.webhooks import find_webhook, robot, webhooks_for
from server.timeutil import as_utc, isoformat, zone

MAX_BACKOFF = timedelta(hours=6)
LISTED_TASKS = 20  # tasks named in one notice of new or re-checked tasks
WEBHOOK_PREFIX = "webhook:"


@dataclass
class Notice:
    """One thing to tell: to ``users`` in the app, and to the group chats of ``chats``.

    ``chats`` are department ids whose chats may hear it, None standing for the hospital's own.
    """

    hospital_id: int
    code: str
    params: dict[str, Any]
    dedupe_key: str
    users: Sequence[User] = ()
    task_id: int | None = None
    chats: tuple[int | None, ...] = ()


class Lookup:
    """Rows read once per batch of notices, held here.

    The session's identity map keeps objects only weakly: a department read for one task's
    notice is gone by the next task's, and was read again for each of them.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[tuple[type, int], Any] = {}

    def get(self, model: type, row_id: int | None) -> Any:
        """Return the row of ``model`` with ``row_id`` (None for None), reading it at most once."""
        if row_id is None:
            return None
        key = (model, row_id)
        if key not in self._rows:
            self._rows[key] = self.session.get(model, row_id)
        return self._rows[key]

    def load(self, model: type, row_ids: Iterable[int | None]) -> None:
        """Read the rows of ``model`` with these ids that are not held yet, in one query."""
        wanted = {row_id for row_id in row_ids if row_id is not None} - {
            row_id for kind, row_id in self._rows if kind is model
        }
        if wanted:
            for row in self.session.scalars(_rows_statement(model), {"ids": wanted}):
                self._rows[(model, row.id)] = row


@functools.cache
def _rows_statement(model: type) -> Select:
    """Return ``model``'s rows among ids, built once: every push's notices look rows up."""
    return select(model).where(bulk.among_parameter(model.id, "ids"))


# --- writing --------------------------------------------------------------------------------


def send(
    session: Session, notices: Iterable[Notice], now: datetime, lookup: Lookup | None = None
) -> int:
    """Write notices: inbox rows, group-chat rows and their deliveries; return new inbox rows.

    ``lookup`` is the one the notices were made with: the departments they name are read.
    """
    notices = list(notices)
    if not notices:
        return 0
    session.flush()
    people: dict[int, User] = {}
    rows = []
    for notice in notices:
        for user in {user.id: user for user in notice.users}.values():
            people[user.id] = user
            rows.append(
                {
                    "user_id": user.id,
                    "hospital_id": notice.hospital_id,
                    "code": notice.code,
                    "params": notice.params,
                    "task_id": notice.task_id,
                    "dedupe_key": notice.dedupe_key,
                    "created_at": now,
                    "read_at": None,
                }
            )
    created = bulk.insert_new(
        session, Notification.__table__, ["user_id", "dedupe_key"], rows, ["id", "user_id"]
    )
    deliveries = [
        {"notification_id": notification_id, "channel": channel}
        for notification_id, user_id in created
        for channel, reaches in REACHES.items()
        if reaches(people[user_id])
    ]
    group_rows, hooks = _group_rows(notices, now, lookup or Lookup(session))
    for group_id, hospital_id, key in bulk.insert_new(
        session,
        GroupNotification.__table__,
        ["hospital_id", "dedupe_key"],
        group_rows,
        ["id", "hospital_id", "dedupe_key"],
    ):
        deliveries += [
            {"group_notification_id": group_id, "channel": WEBHOOK_PREFIX + name}
            for name in hooks[(hospital_id, key)]
        ]
    if deliveries:
        bulk.insert_all(
            session,
            NotificationDelivery.__table__,
            [
                {
                    "notification_id": None,
                    "group_notification_id": None,
                    **row,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                }
                for row in deliveries
            ],
        )
    return len(created)


def _group_rows(notices: list[Notice], now: datetime, lookup: Lookup):
    """Return the group-chat rows of ``notices`` and the webhooks each goes to.

    Only chats that hear a notice get a row; the webhook names are keyed by (hospital, key).
    """
    department_ids = {chat for notice in notices for chat in notice.chats if chat is not None}
    lookup.load(Department, department_ids)
    departments = (lookup.get(Department, row_id) for row_id in department_ids)
    codes = {row.id: row.code for row in departments if row is not None}  # None: deleted since
    found, hooks = [], {}
    for notice in notices:
        settings = lookup.get(Hospital, notice.hospital_id).settings
        for chat in dict.fromkeys(notice.chats):
            if chat is not None and chat not in codes:
                continue
            names = [spec["name"] for spec in webhooks_for(settings, codes.get(chat), notice.code)]
            if not names:
                continue
            key = f"{'hospital' if chat is None else f'dept:{chat}'}:{notice.dedupe_key}"
            hooks[(notice.hospital_id, key)] = names
            found.append(
                {
                    "hospital_id": notice.hospital_id,
                    "department_id": chat,
                    "code": notice.code,
                    "params": notice.params,
                    "task_id": notice.task_id,
                    "dedupe_key": key,
                    "created_at": now,
                }
            )
    return found, hooks


def notify(
    session: Session,
    users: Iterable[User],
    *,
    hospital_id: int,
    code: str,
    params: dict,
    dedupe_key: str,
    now: datetime,
    task_id: int | None = None,
    chats: tuple[int | None, ...] = (),
) -> int:
    """Tell ``users`` (and the chats of ``chats``) one thing once; return new inbox rows."""
    notice = Notice(hospital_id, code, params, dedupe_key, list(users), task_id, chats)
    return send(session, [notice], now)


# --- task events ----------------------------------------------------------------------------


def _names(row) -> dict[str, str] | None:
    return None if row is None else {"zh-CN": row.name_zh, "en": row.name_en}


def _heads(session: Session, hospital_id: int, department_id: int | None) -> list[User]:
    if department_id is None:
        return []
    return users_with_role(session, hospital_id, "department_head", department_id=department_id)


def _assignee(session: Session, task: RectificationTask) -> list[User]:
    return [session.get(User, task.assignee_id)] if task.assignee_id is not None else []


def _verifiers(session: Session, hospital_id: int) -> list[User]:
    """Return whoever holds a role that may verify a fix (the policy's ``tasks.verify``)."""
    return users_with_role(session, hospital_id, *roles_allowed("tasks.verify"))


# event → who must hear it: (session, task, extra) → users (the actor is left out later).
RECIPIENTS = {
    "assigned": lambda s, task, extra: _assignee(s, task),
    "evidence_submitted": lambda s, task, extra: _verifiers(s, task.hospital_id),
    "verification_failed": lambda s, task, extra: (
        _assignee(s, task) + _heads(s, task.hospital_id, task.department_id)
    ),
    "due_soon": lambda s, task, extra: responsible_people(s, task),
    "overdue": lambda s, task, extra: (
        _assignee(s, task) + _heads(s, task.hospital_id, task.department_id)
    ),
    "escalated": lambda s, task, extra: users_with_role(s, task.hospital_id, "supervisor"),
    # Users holding the ``leader`` role (院领导); nobody until that role is given.
    "escalated_to_leadership": lambda s, task, extra: users_with_role(
        s, task.hospital_id, "leader"
    ),
    "moved": lambda s, task, extra: (
        _heads(s, task.hospital_id, extra.get("from_department_id"))
        + _heads(s, task.hospital_id, task.department_id)
    ),
}
# Deadline events are keyed by the deadline (a new one may be announced again); the others by
# the task's version after the change, so each change is announced once.
BY_DEADLINE = {"due_soon", "overdue", "escalated", "escalated_to_leadership"}


def task_params(
    session: Session, task: RectificationTask, lookup: Lookup | None = None, **extra: Any
) -> dict[str, Any]:
    """Return what every notice about a task carries, plus ``extra``."""
    lookup = lookup or Lookup(session)
    hospital = lookup.get(Hospital, task.hospital_id)
    return {
        "task_id": task.id,
        "title": {"zh-CN": task.title_zh, "en": task.title_en},
        "department": _names(lookup.get(Department, task.department_id)),
        "severity": task.severity,
        "due_at": isoformat(task.due_at),
        "due": _local(task.due_at, hospital.timezone),
        "occurrences": task.occurrences,
        **extra,
    }


def _local(moment: datetime, tz: str) -> str:
    return as_utc(moment).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def _audience(users: Iterable[User | None], actor: User | None) -> list[User]:
    """Return each active user once, without the one who caused the event."""
    unique = {user.id: user for user in users if user is not None and user.active}
    return [user for user_id, user in unique.items() if actor is None or user_id != actor.id]


def task_notice(
    session: Session,
    task: RectificationTask,
    event: str,
    actor: User | None,
    recipients: list[User] | None = None,
    lookup: Lookup | None = None,
    **extra: Any,
) -> Notice:
    """Return the notice of ``event`` on ``task``: who hears it, what it says, its key.

    ``recipients`` spares looking them up again for each task of a batch, and ``lookup`` reading
    the same places and departments again.
    """
    lookup = lookup or Lookup(session)
    if recipients is None:
        recipients = RECIPIENTS[event](session, task, extra)
    users = _audience(recipients, actor)
    params_extra = {k: v for k, v in extra.items() if k != "from_department_id"}
    chats: tuple[int | None, ...] = (task.department_id, None)
    if event == "moved":
        old = extra.get("from_department_id")
        params_extra |= {
            "from_department": _names(lookup.get(Department, old)),
            "to_department": _names(lookup.get(Department, task.department_id)),
        }
        chats = (old, task.department_id, None)
    when = isoformat(task.due_at) if event in BY_DEADLINE else f"v{task.version}"
    return Notice(
        hospital_id=task.hospital_id,
        code=f"task.{event}",
        params=task_params(session, task, lookup, **params_extra),
        dedupe_key=f"task:{task.id}:{event}:{when}",
        users=users,
        task_id=task.id,
        chats=tuple(chat for chat in chats if chat is not None) + (None,),
    )


def notify_task_event(
    session: Session,
    task: RectificationTask,
    event: str,
    actor: User | None,
    now: datetime,
    **extra: Any,
) -> int:
    """Tell whoever must act on ``event`` of ``task``; return how many inbox rows are new.

    Events: ``assigned``, ``evidence_submitted``, ``verification_failed``, ``due_soon``,
    ``overdue``, ``escalated``, ``escalated_to_leadership``, ``moved`` (pass
    ``from_department_id=``). Call it after the change, in the same transaction.
    """
    session.flush()  # the version the key names is the one after the change
    return send(session, [task_notice(session, task, event, actor, **extra)], now)


def _heads_of(session: Session, department_ids: set[int]) -> dict[int, list[User]]:
    """Return the active heads of each department (members of its hospital), in one query."""
    heads: dict[int, list[User]] = {}
    if not department_ids:
        return heads
    rows = session.scalars(_heads_statement(), {"departments": department_ids})
    for user in rows:
        heads.setdefault(user.department_id, []).append(user)
    return heads


@functools.cache
def _heads_statement() -> Select:
    """Return the active heads of departments among ids, built once: every push's notices ask."""
    return (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Department, Department.id == User.department_id)
        .join(
            user_hospitals,
            (user_hospitals.c.user_id == User.id)
            & (user_hospitals.c.hospital_id == Department.hospital_id),
        )
        .where(
            UserRole.role == "department_head",
            bulk.among_parameter(User.department_id, "departments"),
            User.active,
        )
        .order_by(User.id)
        .options(*WITHOUT_GRANTS)
    )


def notify_ledger(session: Session, ledger: TaskLedger, actor: User | None, now: datetime) -> int:
    """Tell of the tasks a ledger opened and re-checked, in one write; return new inbox rows.

    Call after ``TaskLedger.write``: the tasks are as it stored them, so a task withdrawn or
    failed again later in the same batch is told as it ended.
    """
    lookup = Lookup(session)
    notices = _opened_notices(session, ledger.opened, actor, lookup)
    notices += _recheck_notices(session, ledger.rechecked, actor, lookup)
    return send(session, notices, now, lookup)


def notify_tasks_opened(
    session: Session, tasks: Iterable[RectificationTask], actor: User | None, now: datetime
) -> int:
    """Tell the departments of tasks opened outside a visit and a ledger (a reported problem)."""
    lookup = Lookup(session)
    opened = [(task, None) for task in tasks]
    return send(session, _opened_notices(session, opened, actor, lookup), now, lookup)


def _opened_notices(
    session: Session,
    opened: Iterable[tuple[LedgerTask | RectificationTask, uuid.UUID | None]],
    actor: User | None,
    lookup: Lookup,
) -> list[Notice]:
    """Return the notices telling each responsible department's heads of the tasks opened.

    One notice per inspection, place and department — not one per item — naming the tasks and
    linking the inspection's written feedback. A task withdrawn since is not told.
    """
    opened = list(opened)
    inspections = {task.id: inspection_id for task, inspection_id in opened}
    tasks = sorted(
        (task for task, _ in opened if task.status in OPEN_STATUSES), key=lambda task: task.id
    )
    if not tasks:
        return []
    heads = _heads_of(session, {task.department_id for task in tasks if task.department_id})
    return _grouped(
        "task.created",
        tasks,
        inspections,
        lambda task: heads.get(task.department_id, []),
        actor,
        lookup,
    )


def _recheck_notices(
    session: Session,
    rechecks: Iterable[tuple[LedgerTask, uuid.UUID | None]],
    actor: User | None,
    lookup: Lookup,
) -> list[Notice]:
    """Return the notices telling verifiers that tasks passed a re-check and wait for them.

    ``rechecks`` pairs each task with the inspection whose passing answer re-checked it. One
    notice per inspection, place and department, naming the tasks, as for new tasks: a walk
    that re-checks thirty problems tells each verifier, and the hospital's chat, once (a chat
    robot takes about twenty messages a minute). A task failed again since no longer waits.
    """
    inspections: dict[int, uuid.UUID | None] = {}
    waiting: dict[int, LedgerTask] = {}
    for task, inspection_id in rechecks:
        if task.status == "submitted":
            inspections.setdefault(task.id, inspection_id)
            waiting[task.id] = task
    if not waiting:
        return []
    tasks = sorted(waiting.values(), key=lambda task: task.id)
    verifiers = {
        hospital_id: _verifiers(session, hospital_id)
        for hospital_id in {task.hospital_id for task in tasks}
    }
    return _grouped(
        "task.rechecked",
        tasks,
        inspections,
        lambda task: verifiers[task.hospital_id],
        actor,
        lookup,
    )


def _grouped(
    code: str,
    tasks: list[LedgerTask],
    inspections: dict[int, uuid.UUID | None],
    audience: Callable[[LedgerTask], list[User]],
    actor: User | None,
    lookup: Lookup,
) -> list[Notice]:
    """Return one notice of ``code`` per inspection, place and department of ``tasks``.

    ``tasks`` come in id order; the first of a group keys its notice (with its version, so a
    task re-checked again on a later visit is announced again) and names it in ``task_id``.
    """
    groups: dict[tuple, list[LedgerTask]] = {}
    for task in tasks:
        key = (task.hospital_id, inspections.get(task.id), task.location_id, task.department_id)
        groups.setdefault(key, []).append(task)
    lookup.load(Location, {task.location_id for task in tasks})
    lookup.load(Department, {task.department_id for task in tasks})
    notices = []
    for (hospital_id, inspection_id, location_id, department_id), group in groups.items():
        first = group[0]
        suffix = "created" if code == "task.created" else f"rechecked:v{first.version}"
        notices.append(
            Notice(
                hospital_id=hospital_id,
                code=code,
                params={
                    "task_id": first.id,
                    "count": len(group),
                    "inspection_id": str(inspection_id) if inspection_id else None,
                    "location": _names(lookup.get(Location, location_id)),
                    "department": _names(lookup.get(Department, department_id)),
                    "due_at": isoformat(min(task.due_at for task in group)),
                    "tasks": [
                        {
                            "id": task.id,
                            "title": {"zh-CN": task.title_zh, "en": task.title_en},
                            "severity": task.severity,
                        }
                        for task in group[:LISTED_TASKS]
                    ],
                },
                dedupe_key=f"task:{first.id}:{suffix}",
                users=_audience(audience(first), actor),
                task_id=first.id,
                chats=(department_id, None) if department_id else (None,),
            )
        )
    return notices


# --- the inbox ------------------------------------------------------------------------------


def inbox(session: Session, user: User, *, unread_only: bool = False, limit: int = 100):
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(
    session: Session,
    user: User,
    now: datetime,
    *,
    notification_id: int | None = None,
    ids: Iterable[int] | None = None,
) -> None:
    """Mark one notification, those of ``ids`` (others' ids are ignored), or all of them read.

    A device that read its inbox offline sends the ids it showed, so what arrived meanwhile stays
    unread.
    """
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        found = session.get(Notification, notification_id)
        if found is None or found.user_id != user.id:
            raise NotFound("No such notification.", code="notification.not_found")
        query = query.where(Notification.id == notification_id)
    elif ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    session.execute(query.values(read_at=now))


# --- deliveries -----------------------------------------------------------------------------


def _message(row: Notification | GroupNotification, public_url: str) -> Message:
    link = link_for(row.code, row.params, row.task_id, public_url)
    return Message(row.code, row.params, row.task_id, link)


def _deliver(
    session: Session,
    delivery: NotificationDelivery,
    channels: Mapping[str, Channel],
    now: datetime,
    environ: Mapping[str, str],
    public_url: str,
) -> str | None:
    """Send one delivery; return why it was skipped, or None once sent. Raise on failure."""
    if delivery.group_notification is not None:
        group = delivery.group_notification
        settings = session.get(Hospital, group.hospital_id).settings
        spec = find_webhook(settings, delivery.channel.removeprefix(WEBHOOK_PREFIX))
        if spec is None:
            return f"{delivery.channel} is no longer in the hospital file"
        robot(spec, environ).send(_message(group, public_url), now)
        return None
    notification = delivery.notification
    user = notification.user
    channel = channels.get(delivery.channel)
    if channel is None:
        return f"{delivery.channel} is not configured (NOTIFY_CHANNELS)"
    if not channel.can_reach(user):
        return f"{user.username} has no address for {delivery.channel}"
    channel.send(_message(notification, public_url), user)
    return None


def deliver_due(
    session: Session,
    channels: Mapping[str, Channel],
    now: datetime,
    *,
    environ: Mapping[str, str],
    public_url: str = "",
    batch: int = 100,
) -> dict[str, int]:
    """Send the deliveries that are due; return counts of sent, skipped and postponed.

    ``channels`` are the configured personal channels; robots are built from the hospital file
    with their secrets from ``environ``; ``public_url`` makes the links into the app.
    """
    counts = {"sent": 0, "skipped": 0, "postponed": 0}
    due = session.scalars(
        select(NotificationDelivery)
        .where(
            NotificationDelivery.status == "pending", NotificationDelivery.next_attempt_at <= now
        )
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for delivery in due:
        delivery.attempts += 1
        try:
            skipped = _deliver(session, delivery, channels, now, environ, public_url)
        except Exception as exc:  # any failure of the outside world only postpones
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delay = min(timedelta(minutes=2 ** min(delivery.attempts, 12)), MAX_BACKOFF)
            delivery.next_attempt_at = now + delay
            counts["postponed"] += 1
        else:
            if skipped:
                delivery.status, delivery.last_error = "skipped", skipped
                counts["skipped"] += 1
            else:
                delivery.status, delivery.sent_at = "sent", now
                counts["sent"] += 1
    session.flush()
    return counts
