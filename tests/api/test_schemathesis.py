"""Every operation of the OpenAPI document, fuzzed by schemathesis with a token of each role.

Contract (General): no input a client can send yields a 500. Every generated request must get an
answer the document describes — a documented status, content type, headers and body — and the
server must accept what the document allows and refuse what it forbids.

The run is deterministic (schemathesis' ``deterministic`` generation): CI explores the same cases
every time and a failure reproduces. Its size is bounded by ``MAX_EXAMPLES`` per operation and
role, plus the coverage phase's boundary cases; see docs/security.md.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from server.models import ApiToken, Notification, User, UserRole
from server.schemas.common import MAX_ID
from server.services.notifications import notify
from tests import factories as f

ROLES = ("admin", "supervisor", "inspector", "department_head")
PUSH = "/api/v1/sync/push"
MAX_EXAMPLES = 10

# Answers that refuse a request for what it refers to rather than its shape, on operations whose
# rules JSON Schema cannot state (docs/security.md): a week 53 exists only in some years and a
# week or a month may not have begun; an id in a body must name a row in the caller's scope (422
# naming the field, contract: Tasks, Users); a photo must decode and match its X-Content-SHA256;
# a task's PATCH needs the current version in If-Match (412/428) and a reason with a new deadline
# or a cancellation; a push's records are objects (the envelope documents them as anything — left
# to the sync rewrite, which owns server/schemas/sync.py); an imported outbox must be a phone's
# export, which the document names only as an object (docs/sync.md states the format).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
REFUSED_BY_RULE = [
    ("/api/v1/reports/weekly", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/reports/weekly.xlsx", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/reports/weekly.csv", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/reports/weekly.html", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/reports/monthly", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/reports/monthly.html", "GET", [*ACCEPTED, "422"]),
    ("/api/v1/users", "POST", [*ACCEPTED, "422"]),
    ("/api/v1/users/{user_id}", "PATCH", [*ACCEPTED, "422"]),
    ("/api/v1/tasks", "POST", [*ACCEPTED, "422"]),
    ("/api/v1/tasks/{task_id}", "PATCH", [*ACCEPTED, "412", "422", "428"]),
    ("/api/v1/tasks/{task_id}/evidence", "POST", [*ACCEPTED, "422"]),
    ("/api/v1/tasks/{task_id}/verify", "POST", [*ACCEPTED, "422"]),
    ("/api/v1/photos/{photo_id}", "PUT", [*ACCEPTED, "422"]),
    ("/api/v1/sync/push", "POST", [*ACCEPTED, "422"]),
    ("/api/v1/sync/import", "POST", [*ACCEPTED, "422"]),
]

CONFIG = {
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "checks": {
        # Only the checks named here; the stateful ones need links the document does not have.
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "negative_data_rejection": {"enabled": True},
        "positive_data_acceptance": {"enabled": True},
        # A missing If-Match is 428 Precondition Required (contract: Tasks).
        "missing_required_header": {
            "enabled": True,
            "expected-statuses": [400, 401, 403, 406, 415, 422, 428],
        },
        "unsupported_method": {"enabled": True},
        "allow_header_conformance": {"enabled": True},
        "ignored_auth": {"enabled": True},
    },
    "operations": [
        {
            "include-name": f"{method} {path}",
            "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
        }
        for path, method, statuses in REFUSED_BY_RULE
    ],
}


@pytest.fixture
def app_config(app_config):
    """Fuzzing logs in far more often than a person; the login limit is not under test here."""
    return {**app_config, "LOGIN_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def world(client, session, hospital, other_hospital, general_affairs, walk_checklist, place):
    """Two hospitals with tasks, an inspection, a photo and notifications; a user of each role.

    ``ids`` names, per role, a row of each kind the role may reach, for the path parameters. The
    coverage phase tries id 1 (the smallest) on every path, so the rows the admin may change are
    created first: a user to edit, a task of the hospital, the admin's own notification.
    """
    member = f.user(session, hospital, roles=("inspector",))
    users = {}
    for role in ROLES:
        department = general_affairs.id if role == "department_head" else None
        users[role] = f.user(session, hospital, roles=(role,), department_id=department)
    tokens = {role: f.token(session, user) for role, user in users.items()}
    session.commit()
    photo = f.jpeg_bytes()
    ref = f.photo_ref(photo)
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "queue.minutes", "fail", value=40, photos=[ref])
    headers = {"Authorization": f"Bearer {tokens['inspector']}"}
    pushed = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert pushed.status_code == 200, pushed.get_data(as_text=True)
    uploaded = client.put(
        f"/api/v1/photos/{ref['id']}",
        data=photo,
        headers={**headers, "Content-Type": "image/jpeg", "X-Content-SHA256": ref["sha256"]},
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    task_id = pushed.json["tasks"][0]["id"]
    notify(
        session,
        users.values(),
        hospital_id=hospital.id,
        code="task.overdue",
        params={},
        dedupe_key="fuzz",
        task_id=task_id,
        now=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
    )
    f.task(session, other_hospital)
    session.commit()
    notices = dict(
        session.execute(
            select(Notification.user_id, func.min(Notification.id)).group_by(Notification.user_id)
        ).all()
    )
    assert member.id == task_id == min(notices.values()) == 1, "the coverage phase's id 1 misses"
    ids = {
        role: {
            "task_id": task_id,
            "user_id": member.id,
            "notification_id": notices[users[role].id],
            "photo_id": ref["id"],
            "inspection_id": inspection["id"],
        }
        for role in ROLES
    }
    departments = {role: user.department_id for role, user in users.items()}
    world = {"users": users, "tokens": tokens, "ids": ids, "departments": departments}
    world["answered"] = set()
    yield world
    # A run whose token stopped working would pass on 401s alone.
    assert READ_BY_EVERY_ROLE <= world["answered"], "some reads never answered 2xx"


def _restore(session, world) -> None:
    """Give the role users back their roles, departments and tokens.

    A case may log out, deactivate or re-role a user whose token the next case carries; without
    this the rest of the run would only see 401s.
    """
    ids = [user.id for user in world["users"].values()]
    session.rollback()
    session.execute(update(ApiToken).where(ApiToken.user_id.in_(ids)).values(revoked_at=None))
    session.execute(delete(UserRole).where(UserRole.user_id.in_(ids)))
    for role, user in world["users"].items():
        department = world["departments"][role]
        session.execute(
            update(User).where(User.id == user.id).values(active=True, department_id=department)
        )
        session.add(UserRole(user_id=user.id, role=role))
    session.commit()


@pytest.fixture(params=ROLES)
def role(request):
    """The role whose token the run carries."""
    # schemathesis 4.32 renames the test node through `_nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    return request.param


def _is_id(value) -> bool:
    """Whether a generated path value is a valid id (so swapping it keeps the case valid)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 <= value <= MAX_ID
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@pytest.fixture
def api_schema(app, world, role):
    """The app's own OpenAPI document, called in-process."""
    # The coverage phase's boundary cases are the same for every role: they run once, with the
    # admin's token, which every rule lets through to the deepest checks.
    phases = {"coverage": {"enabled": role == "admin"}}
    loaded = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, config=schemathesis.Config.from_dict({**CONFIG, "phases": phases})
    )

    @loaded.hook
    def flatmap_path_parameters(context, parameters):
        """Let about half the generated ids name rows of the world, so cases get past the 404.

        Only a valid id is swapped for another valid one: a case whose path parameter was made
        invalid on purpose stays invalid.
        """
        known = world["ids"][role]
        swapped = {
            name: known[name] if name in known and _is_id(value) else value
            for name, value in (parameters or {}).items()
        }
        return (
            st.sampled_from([parameters, swapped]) if swapped != parameters else st.just(parameters)
        )

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")

# Operations after which the role users may have lost their token, active flag or role.
CREDENTIAL_CHANGES = {"POST /api/v1/auth/logout", "PATCH /api/v1/users/{user_id}"}
# Reads every role may make without arguments: each must have answered 2xx in every run.
READ_BY_EVERY_ROLE = {
    f"GET /api/v1/{path}"
    for path in ("me", "departments", "locations", "checklists", "tasks", "notifications")
}


@pytest.mark.usefixtures("role")
@schema.parametrize()
# The world is built once per role and shared by its cases on purpose (a function-scoped fixture
# to Hypothesis); some bodies take long to generate. Neither is a problem to report.
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, session, world, role):
    if world.pop("changed", False):
        _restore(session, world)
    headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
    try:
        response = case.call_and_validate(headers=headers)
    finally:
        world["changed"] = case.operation.label in CREDENTIAL_CHANGES
    if response.status_code < 300:
        world["answered"].add(case.operation.label)
