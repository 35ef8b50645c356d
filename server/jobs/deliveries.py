"""Send notifications through outside channels (e-mail, chat robots), retrying with back-off."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy.orm import Session

from server.services.channels import configured_channels
from server.services.notifications import deliver_due


def run(session: Session, now: datetime, config: dict) -> dict:
    """Send every delivery that is due; robots' secrets come from this process's environment."""
    return deliver_due(
        session,
        configured_channels(config),
        now,
        environ=os.environ,
        public_url=config["PUBLIC_URL"],
    )
