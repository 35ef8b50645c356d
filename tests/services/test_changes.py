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
