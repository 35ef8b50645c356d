"""A server restored from a backup: the phone notices the new epoch and pulls from the start.

The restore is simulated where it matters to the phone: the server loses a task the phone
already has (it came after the snapshot) and starts a new epoch, as ``wardwalk restore`` does.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from server.models import Change, Location, RectificationTask
from server.services import epochs
from server.services.changes import record_change
from tests import factories
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_after_a_restore_the_phone_drops_the_tasks_the_server_lost(page, base_url, session, demo):
    place = session.scalars(select(Location).where(Location.code == "OPD-1F-HALL")).one()
    kept, lost = (
        factories.task(session, demo, location=place, department_id=place.department_id)
        for _ in range(2)
    )
    for task in (kept, lost):
        record_change(session, "task", task.id, demo.id)
    epochs.start_epoch(session, "created")
    session.commit()
    login(page, base_url, "supervisor")
    page.get_by_role("link", name="整改").click()
    expect(page.get_by_test_id("task")).to_have_count(2)

    session.execute(delete(Change).where(Change.kind == "task", Change.entity_id == str(lost.id)))
    session.execute(delete(RectificationTask).where(RectificationTask.id == lost.id))
    epochs.after_restore(session, None)
    session.commit()
    page.reload()  # the app syncs when it starts

    expect(page.get_by_test_id("task")).to_have_count(1)
    expect(page.get_by_test_id("task")).to_have_attribute("data-task-id", str(kept.id))
