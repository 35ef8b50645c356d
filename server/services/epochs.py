"""Restore epochs: after a restore from a backup, no device silently misses a change.

A device pulls the change log by cursor: "give me what changed after seq N". Restoring a snapshot
rewinds the log to the snapshot's newest number S, while devices may hold cursors up to whatever
the lost instance handed out after the snapshot. Two measures keep them whole:

- **A new epoch.** The pull answer names the current epoch; a device that stored another one
  forgets its reference data and pulls from 0. That also drops tasks the device knew from after
  the snapshot, which no longer exist.
- **Every change row renumbered past a gap.** Each row's ``seq`` moves up by ``SEQ_GAP`` and
  the sequence continues above them. A device that does not know epochs (an older app version,
  an integration) and holds any cursor the lost instance could have handed out still receives
  every entity's restored state and every new change, instead of skipping numbers it "saw".

Why 10⁹: the gap must exceed the numbers the lost instance handed out after the snapshot, which
nobody can know after the fact. Even at 10⁵ changes a day (a hundred busy hospitals on one
database) 10⁹ covers decades between a snapshot and the loss, while ``seq`` (64 bits; JavaScript
numbers are exact to 2⁵³) takes millions of restores. Pull cursors must therefore be accepted up
to the 64-bit range, not only the 32-bit range of row ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.models import Change, SyncEpoch

SEQ_GAP = 1_000_000_000


def current_epoch(session: Session) -> str | None:
    """Return the epoch devices must have pulled in (None before the table has a row)."""
    return session.scalar(select(SyncEpoch.epoch).order_by(SyncEpoch.id.desc()).limit(1))


def start_epoch(
    session: Session, reason: str, snapshot_taken_at: datetime | None = None
) -> SyncEpoch:
    """Begin a new history of the change log: devices pull again from the start."""
    row = SyncEpoch(epoch=uuid.uuid4().hex, reason=reason, snapshot_taken_at=snapshot_taken_at)
    session.add(row)
    session.flush()
    return row


def _sequence_top(session: Session) -> int:
    """Return the highest number the change log has handed out (deleted rows count too)."""
    rows = session.scalar(select(func.coalesce(func.max(Change.seq), 0)))
    if session.get_bind().dialect.name == "postgresql":
        counter = session.scalar(
            text(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence('changes', 'seq')::regclass)"
            )
        )
    else:
        counter = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'changes'"))
    return max(rows, counter or 0)


def renumber_change_log(session: Session, gap: int = SEQ_GAP) -> int:
    """Move every change row up by ``gap`` and continue the sequence above; return its top.

    Run on a quiet database (a restore, before serving): the rows keep their order, and no
    cursor below ``gap`` can skip any of them or anything logged later.
    """
    top = _sequence_top(session) + gap
    # Every new number is above every old one (gap > top), so no step collides with a key.
    session.execute(text("UPDATE changes SET seq = seq + :gap"), {"gap": gap})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('changes', 'seq'), :top)"), {"top": top}
        )
    else:
        updated = session.execute(
            text("UPDATE sqlite_sequence SET seq = :top WHERE name = 'changes'"), {"top": top}
        )
        if updated.rowcount == 0:
            session.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('changes', :top)"),
                {"top": top},
            )
    session.expire_all()
    return top


def after_restore(session: Session, snapshot_taken_at: datetime | None) -> SyncEpoch:
    """Make devices notice a restore: renumber the change log past the gap, start an epoch."""
    renumber_change_log(session)
    return start_epoch(session, "restored", snapshot_taken_at)
