"""The change log behind ``GET /sync/pull``: announce changes, and page through them by cursor.

Sequence numbers must become visible in order, or a device that has read up to 11 would never
see a 10 committed after it. SQLite has one writer at a time, so that holds by itself. On
PostgreSQL every writer of the log holds one transaction-level advisory lock while it takes its
numbers, so numbers are handed out in commit order.

That lock is also the first lock of every writing transaction that may announce a change (the
one lock order of docs/sync.md): ``lock_change_log`` is called before any row is read for update
or written, so no transaction can hold a row another one needs while waiting for the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from server.models import Change, User
from server.services import bulk
from server.services.permissions import visible_hospital_ids
from server.timeutil import utcnow

_LOCK_KEY = 0x5741524457414C4B  # "WARDWALK"


def lock_change_log(session: Session) -> None:
    """Take the change-log lock for the rest of the transaction; call it first (docs/sync.md).

    On PostgreSQL this is ``pg_advisory_xact_lock`` (taking it again in the same transaction is
    harmless). SQLite needs nothing: a writing transaction already began with the write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def record_change(
    session: Session, kind: str, entity_id: Any, hospital_id: int | None, op: str = "upsert"
) -> None:
    """Announce that an entity changed; call in the transaction that changed it."""
    record_changes(session, kind, [(entity_id, hospital_id)], op)


def record_changes(
    session: Session, kind: str, entities: Iterable[tuple[Any, int | None]], op: str = "upsert"
) -> None:
    """Announce that each ``(entity id, hospital id)`` changed, in one delete and one insert."""
    latest = {str(entity_id): hospital_id for entity_id, hospital_id in entities}
    if not latest:
        return
    lock_change_log(session)
    session.execute(delete(Change).where(Change.kind == kind, Change.entity_id.in_(list(latest))))
    now = utcnow()
    bulk.insert_all(
        session,
        Change.__table__,
        [
            {
                "kind": kind,
                "entity_id": entity_id,
                "hospital_id": hospital_id,
                "op": op,
                "created_at": now,
            }
            for entity_id, hospital_id in latest.items()
        ],
    )


# What a renderer answers for an entity the user saw once and may no longer see (a task moved
# to another department): the device is told to drop its copy.
LOST_SIGHT = "lost-sight"


@dataclass
class PullPage:
    """One page of changes the user may see."""

    changes: list[dict]
    cursor: int
    more: bool


def pull(
    session: Session,
    user: User,
    cursor: int,
    limit: int,
    render: dict[str, Callable[[Session, User, list[str]], dict[str, dict | None]]],
) -> PullPage:
    """Return changes after ``cursor`` that ``user`` may see, oldest first.

    ``render[kind](session, user, entity_ids)`` returns the current data of each entity, None
    for one the user may not see (skipped, but the cursor still advances past it), or
    ``LOST_SIGHT`` for one the user could see before and no longer may: that is sent as a
    ``delete``, so the device drops its copy.
    """
    rows = list(
        session.scalars(
            select(Change)
            .where(
                Change.seq > cursor,
                or_(
                    Change.hospital_id.is_(None),
                    Change.hospital_id.in_(visible_hospital_ids(user)),
                ),
            )
            .order_by(Change.seq)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    data: dict[tuple[str, str], dict | None] = {}
    for kind in {row.kind for row in rows}:
        ids = [row.entity_id for row in rows if row.kind == kind]
        for entity_id, rendered in render[kind](session, user, ids).items():
            data[(kind, entity_id)] = rendered
    changes = []
    for row in rows:
        rendered = data.get((row.kind, row.entity_id))
        if row.op == "delete" or rendered == LOST_SIGHT:
            changes.append(
                {"seq": row.seq, "kind": row.kind, "op": "delete", "data": {"id": row.entity_id}}
            )
        elif rendered is not None:
            changes.append({"seq": row.seq, "kind": row.kind, "op": "upsert", "data": rendered})
    return PullPage(changes, rows[-1].seq if rows else cursor, more)
