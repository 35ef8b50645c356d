"""The change log behind ``GET /sync/pull``: announce changes, and page through them by cursor.

Sequence numbers must become visible in order, or a device that has read up to 11 would never
see a 10 committed after it. SQLite has one writer at a time, so that holds by itself. On
PostgreSQL every writer of the log holds one transaction-level advisory lock while it takes its
numbers, so numbers are handed out in commit order.

That lock is the **last** lock a transaction takes (the lock order of docs/sync.md): what a
transaction announces with ``record_changes`` is kept in the session and written when it
commits, after every other write has been flushed. So the lock is held only for the log's own
rows and the commit, and whoever holds it waits for no other lock: no transaction can hold a row
that the log's holder needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from server.models import Change, User
from server.services import bulk
from server.services.permissions import visible_hospital_ids
from server.timeutil import utcnow

_LOCK_KEY = 0x5741524457414C4B  # "WARDWALK"


# Where a session keeps what its transaction announced: (kind, entity id) → (hospital id, op).
_ANNOUNCED = "wardwalk.announced_changes"


def _lock_change_log(session: Session) -> None:
    """Take the change-log lock for the rest of the transaction (at commit, see above).

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
    """Announce that each ``(entity id, hospital id)`` changed; written when the session commits."""
    announced = session.info.setdefault(_ANNOUNCED, {})
    for entity_id, hospital_id in entities:
        announced[(kind, str(entity_id))] = (hospital_id, op)


@event.listens_for(Session, "before_commit")
def _write_announced(session: Session) -> None:
    """Write the transaction's announcements last: flush, take the lock, one delete and insert.

    A savepoint's release is not the end of the transaction: its announcements wait for the
    outermost commit.
    """
    if session.in_nested_transaction() or not session.info.get(_ANNOUNCED):
        return
    announced = session.info.pop(_ANNOUNCED)
    session.flush()  # every other write first: the log's lock is the last lock taken
    _lock_change_log(session)
    by_kind: dict[str, list[str]] = {}
    for kind, entity_id in announced:
        by_kind.setdefault(kind, []).append(entity_id)
    for kind, entity_ids in by_kind.items():
        session.execute(
            delete(Change).where(Change.kind == kind, bulk.among(Change.entity_id, entity_ids))
        )
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
            for (kind, entity_id), (hospital_id, op) in announced.items()
        ],
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_announced(session: Session, transaction: SessionTransaction) -> None:
    """Forget what a transaction announced once it ends (committed, it wrote them already).

    Announcements inside a savepoint that is rolled back are kept: announcing an entity that did
    not change costs a device one needless copy; losing an announcement would cost it a change.
    """
    if transaction.parent is None:
        session.info.pop(_ANNOUNCED, None)


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
