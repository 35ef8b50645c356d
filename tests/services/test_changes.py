"""The change log: sequence numbers only ever grow, so a device's cursor never skips a change."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Change
from server.services.changes import record_change


def _seq(session, kind: str, entity_id: int) -> int:
    return session.scalars(
        select(Change.seq).where(Change.kind == kind, Change.entity_id == str(entity_id))
    ).one()


def test_a_second_change_of_the_newest_entity_gets_a_higher_seq(session, hospital):
    # The entity's row is the newest: replacing it must not reuse its number (SQLite reuses
    # the highest rowid of a plain INTEGER PRIMARY KEY once that row is deleted).
    record_change(session, "task", 1, hospital.id)
    session.commit()
    first = _seq(session, "task", 1)

    record_change(session, "task", 1, hospital.id)
    session.commit()

    assert _seq(session, "task", 1) > first


def test_a_change_after_the_newest_row_was_replaced_still_grows(session, hospital):
    record_change(session, "task", 1, hospital.id)
    record_change(session, "task", 2, hospital.id)
    session.commit()
    replaced = _seq(session, "task", 2)
    record_change(session, "task", 2, hospital.id)
    session.commit()

    record_change(session, "task", 3, hospital.id)
    session.commit()

    assert _seq(session, "task", 3) > _seq(session, "task", 2) > replaced


def _announced(session, kind: str, entity_id: int) -> int:
    return len(
        session.scalars(
            select(Change.seq).where(Change.kind == kind, Change.entity_id == str(entity_id))
        ).all()
    )


def test_an_announcement_is_written_when_its_transaction_commits(session, hospital):
    # Written last, so the change log's lock is the last lock a transaction takes.
    record_change(session, "task", 1, hospital.id)
    session.flush()
    assert _announced(session, "task", 1) == 0

    session.commit()

    assert _announced(session, "task", 1) == 1


def test_a_transaction_rolled_back_announced_nothing(session, hospital):
    session.commit()  # the hospital stays
    record_change(session, "task", 1, hospital.id)
    session.rollback()

    record_change(session, "task", 2, hospital.id)
    session.commit()

    assert (_announced(session, "task", 1), _announced(session, "task", 2)) == (0, 1)


def test_a_savepoint_waits_for_the_outer_commit_and_its_rollback_keeps_earlier_announcements(
    session, hospital
):
    record_change(session, "task", 1, hospital.id)
    with session.begin_nested():
        record_change(session, "task", 2, hospital.id)
    assert _announced(session, "task", 2) == 0  # released, not committed
    savepoint = session.begin_nested()
    savepoint.rollback()

    session.commit()

    assert (_announced(session, "task", 1), _announced(session, "task", 2)) == (1, 1)


def test_announcing_an_entity_twice_in_a_transaction_keeps_the_last(session, hospital):
    record_change(session, "location", 7, hospital.id)
    record_change(session, "location", 7, hospital.id, op="delete")
    session.commit()

    (op,) = session.scalars(select(Change.op).where(Change.entity_id == "7")).all()
    assert op == "delete"
