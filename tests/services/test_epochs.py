"""Restore epochs: after a restore, every cursor a device holds is below every change number."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Change
from server.services import epochs
from server.services.changes import record_change


def _log(session) -> list[tuple[int, str]]:
    return list(session.execute(select(Change.seq, Change.entity_id).order_by(Change.seq)))


def test_a_new_epoch_becomes_the_current_one(session):
    first = epochs.start_epoch(session, "created")
    second = epochs.start_epoch(session, "restored")
    session.commit()

    assert epochs.current_epoch(session) == second.epoch != first.epoch


def test_renumbering_lifts_every_change_past_the_gap_in_the_same_order(session, hospital):
    for entity_id in (1, 2, 3):
        record_change(session, "task", entity_id, hospital.id)
    session.commit()
    before = _log(session)

    epochs.renumber_change_log(session, gap=1000)
    session.commit()

    after = _log(session)
    assert [entity for _, entity in after] == [entity for _, entity in before]
    assert [seq for seq, _ in after] == [seq + 1000 for seq, _ in before]


def test_a_change_after_renumbering_is_numbered_above_the_gap(session, hospital):
    record_change(session, "task", 1, hospital.id)
    session.commit()
    newest_before = _log(session)[-1][0]

    top = epochs.renumber_change_log(session, gap=1000)
    record_change(session, "task", 2, hospital.id)
    session.commit()

    assert top >= newest_before + 1000
    assert _log(session)[-1] == (top + 1, "2")


def test_after_restore_starts_a_new_epoch_and_renumbers(session, hospital):
    record_change(session, "task", 1, hospital.id)
    before = epochs.start_epoch(session, "created")
    session.commit()
    seq_before = _log(session)[0][0]

    restored = epochs.after_restore(session, None)
    session.commit()

    assert epochs.current_epoch(session) == restored.epoch != before.epoch
    assert restored.reason == "restored"
    assert _log(session)[0][0] == seq_before + epochs.SEQ_GAP
