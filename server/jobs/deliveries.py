"""Send notifications through outside channels (e-mail…), retrying failures with back-off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.services.channels import configured_channels
from server.services.notifications import deliver_due


def run(session: Session, now: datetime, config: dict) -> dict:
    """Send every delivery that is due."""
    return deliver_due(session, configured_channels(config), now)
