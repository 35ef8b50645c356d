"""Which writers wait for which: hospital and place locks, taken first and in one order.

Writes that touch one place's inspections, answers and tasks (a push, a task's workflow step)
need only that place to themselves: on PostgreSQL they hold the place's lock, and the hospital's
lock shared, so pushes at different wards write side by side. Writers that may touch any place of
a hospital (the scheduled jobs that open tasks, the hospital import, a problem reported from
outside with its copies) hold the hospital's lock alone. The change-log lock (``changes``) comes
last, at commit.

The order, for every writer (docs/sync.md, "Lock order"): the reference-data lock (writers of
hospitals and checklists, one at a time), hospital locks in ascending id, place locks in ascending
id, then rows, then the change-log lock. Each lock is a transaction-level advisory lock, released
at commit or rollback. On SQLite these are no-ops: a writing transaction holds the database's one
write lock from its ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

from server.models import Hospital, RectificationTask

# The first key of PostgreSQL's two-key advisory locks: which kind of thing the second key names.
# (The change-log lock uses the one-key form, a different key space.)
_REFERENCE = 0x5757_0000
_HOSPITAL = 0x5757_0001
_PLACE = 0x5757_0002

_FUNCTIONS = {True: "pg_advisory_xact_lock", False: "pg_advisory_xact_lock_shared"}


def needed(session: Session) -> bool:
    """Return whether this database lets writers run side by side (PostgreSQL), so they lock."""
    return session.get_bind().dialect.name == "postgresql"


def _lock(session: Session, space: int, keys: Iterable[int], exclusive: bool) -> None:
    """Take one lock per key in ascending order, in one statement.

    ``unnest`` yields the array in order and the aggregate consumes it in that order, so the locks
    are taken one after another, lowest key first.
    """
    ordered = sorted(set(keys))
    if not ordered or not needed(session):
        return
    statement = text(
        f"SELECT count({_FUNCTIONS[exclusive]}(CAST(:space AS integer), key)) "
        "FROM unnest(:keys) AS key"
    ).bindparams(bindparam("keys", type_=ARRAY(Integer)))
    session.execute(statement, {"space": space, "keys": ordered})


def lock_places(session: Session, places: Iterable[tuple[int, int]]) -> None:
    """Have these ``(hospital id, location id)`` places to this transaction; call it first.

    Their hospitals are locked shared (other places of them stay open to other writers), then the
    places themselves.
    """
    places = set(places)
    _lock(session, _HOSPITAL, {hospital_id for hospital_id, _ in places}, exclusive=False)
    _lock(session, _PLACE, {location_id for _, location_id in places}, exclusive=True)


def lock_hospitals(session: Session, hospital_ids: Iterable[int]) -> None:
    """Have every place of these hospitals to this transaction; call it first."""
    _lock(session, _HOSPITAL, hospital_ids, exclusive=True)


def lock_every_hospital(session: Session) -> None:
    """Have every place of every hospital to this transaction (a job that may write anywhere)."""
    if needed(session):
        lock_hospitals(session, session.scalars(select(Hospital.id)))


def lock_task_place(session: Session, task_id: int) -> None:
    """Have the place of a task to this transaction; a task never moves, so read it unlocked."""
    if not needed(session):
        return
    place = session.execute(
        select(RectificationTask.hospital_id, RectificationTask.location_id).where(
            RectificationTask.id == task_id
        )
    ).first()
    if place is not None:
        lock_places(session, [tuple(place)])


def lock_reference_data(session: Session) -> None:
    """Write hospitals, their trees and checklist versions one transaction at a time; call first.

    Two imports of one new hospital, or two loads of one new checklist version, would otherwise
    both find it missing and both insert it.
    """
    _lock(session, _REFERENCE, [0], exclusive=True)
