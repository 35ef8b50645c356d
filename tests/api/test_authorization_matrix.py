"""Who may call what: every route of the app × every role × whose row, against the table below.

``EXPECTED`` is the policy as a client meets it (docs/security.md, "Authorization"). A route and
method of the app that the table does not name fails ``test_every_route_is_in_the_table``, and a
role without a column fails ``test_every_role_has_a_column``: a new endpoint or role cannot be
forgotten. Where the body decides who may act (``PATCH /tasks/<id>``: naming an assignee or moving
the task), the route has a row per body, its third word naming the body.

The world is built once per module with the factories: hospital A, the callers' own, with their
department (``own``) and a ward (``other_department``), and hospital B (``other_hospital``), each
with locations, inspections, findings with photos, tasks, notifications and users, and a user of
both (``two_hospitals``). The callers are users of A in department ``own``, one per role, plus
``commission``: a supervisor of A *and* B, whose answers on B's rows show that scope is a set of
hospitals, not one. "own" means the caller's own row where rows have an owner (the inspection
they recorded, their notification, their photo) and their department's otherwise. A request that
succeeds and changes something acts on rows made for that case alone, so no case depends on
another.

Views parse their input before the services decide (a malformed body is 422 even for a role that
may not act), so every body here is valid and the status is the authorization decision. Besides
the status, no answer to a caller who is not in B may contain anything of B (names, titles,
usernames, record ids).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import ROLES, Hospital, Location, User
from server.services.changes import record_change
from server.services.checklists import load_checklists
from tests import factories as f
from tests.conftest import PROJECT_ROOT, app_settings, running_app

CALLERS = (
    "anonymous",
    "admin",
    "supervisor",
    "inspector",
    "department_head",
    "leader",
    "recorder",
    "commission",
)
TARGETS = ("-", "own", "other_department", "other_hospital", "two_hospitals", "new")
MARK = "secretb"  # in every name of hospital B: an answer containing it leaked B

# "METHOD rule" (and, where the body decides, a word naming the body) → target → the status each
# caller gets, in the order of CALLERS:
#                      anon adm sup ins head lead rec comm
EXPECTED: dict[str, dict[str, str]] = {
    # The client and public documents
    "GET /": {"-": "200 200 200 200 200 200 200 200"},
    "GET /<path:filename>": {"-": "200 200 200 200 200 200 200 200"},
    "GET /sw.js": {"-": "200 200 200 200 200 200 200 200"},
    "GET /static/<path:filename>": {"-": "404 404 404 404 404 404 404 404"},
    "GET /api/openapi.json": {"-": "200 200 200 200 200 200 200 200"},
    "GET /api/v1/ping": {"-": "200 200 200 200 200 200 200 200"},
    **{
        f"{method} /api/<path:rest>": {"-": "404 404 404 404 404 404 404 404"}
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
    # Sessions (anonymous logs in with a wrong password)
    "POST /api/v1/auth/login": {"-": "401 200 200 200 200 200 200 200"},
    "POST /api/v1/auth/logout": {"-": "401 204 204 204 204 204 204 204"},
    "GET /api/v1/me": {"-": "401 200 200 200 200 200 200 200"},
    # Users: read by supervisors, admins and leaders (a department head lists their department);
    # changed by an admin of every hospital of the user
    "GET /api/v1/users": {"-": "401 200 200 403 200 200 403 200"},
    "POST /api/v1/users": {
        "own": "401 201 403 403 403 403 403 403",
        "other_hospital": "401 422 403 403 403 403 403 403",
        "two_hospitals": "401 422 403 403 403 403 403 403",
    },
    "GET /api/v1/users/<id:user_id>": {
        "own": "401 200 200 403 403 200 403 200",
        "other_department": "401 200 200 403 403 200 403 200",
        "other_hospital": "401 404 404 403 403 404 403 200",
        "two_hospitals": "401 200 200 403 403 200 403 200",
    },
    "PATCH /api/v1/users/<id:user_id>": {
        "own": "401 200 403 403 403 403 403 403",
        "other_department": "401 200 403 403 403 403 403 403",
        "other_hospital": "401 404 403 403 403 403 403 403",
        "two_hospitals": "401 403 403 403 403 403 403 403",
    },
    # Reference data and checklists (B's are filtered out of lists; see the leak check)
    "GET /api/v1/checklists": {"-": "401 200 200 200 200 200 200 200"},
    "GET /api/v1/checklists/<string:checklist_id>": {"-": "401 200 200 200 200 200 200 200"},
    "GET /api/v1/departments": {"-": "401 200 200 200 200 200 200 200"},
    "GET /api/v1/locations": {"-": "401 200 200 200 200 200 200 200"},
    "GET /api/v1/locations/labels.html": {
        "-": "401 200 200 200 200 200 200 200",
        "other_hospital": "401 404 404 404 404 404 404 200",
    },
    # Sync: department heads and leaders do not record, recorders push their logs (an inspection
    # they push is rejected in the answer); pull filters by scope
    "POST /api/v1/sync/push": {"-": "401 200 200 200 403 403 200 200"},
    "GET /api/v1/sync/pull": {"-": "401 200 200 200 200 200 200 200"},
    # A phone's exported outbox: an admin of every hospital of the phone's user
    "POST /api/v1/sync/import": {
        "own": "401 200 403 403 403 403 403 403",
        "other_hospital": "401 404 403 403 403 403 403 403",
        "two_hospitals": "401 403 403 403 403 403 403 403",
    },
    # Inspections: inspectors see those they recorded, other roles all of their hospitals'
    "GET /api/v1/inspections": {"-": "401 200 200 200 200 200 200 200"},
    # Logs: inspectors and readers see their hospitals', a recorder the ones they kept
    "GET /api/v1/records": {"-": "401 200 200 200 200 200 200 200"},
    "GET /api/v1/inspections/<uuid:inspection_id>": {
        "own": "401 200 200 200 200 200 200 200",
        "other_department": "401 200 200 404 200 200 404 200",
        "other_hospital": "401 404 404 404 404 404 404 200",
    },
    "GET /api/v1/inspections/<uuid:inspection_id>/report": {
        "own": "401 200 200 200 200 200 200 200",
        "other_department": "401 200 200 404 200 200 404 200",
        "other_hospital": "401 404 404 404 404 404 404 200",
    },
    # Photos follow what names them; a PUT of a taken id answers as GET does; leaders store none
    "GET /api/v1/photos/<uuid:photo_id>": {
        "own": "401 200 200 200 200 200 200 200",
        "other_department": "401 200 200 404 200 200 404 200",
        "other_hospital": "401 404 404 404 404 404 404 200",
    },
    "PUT /api/v1/photos/<uuid:photo_id>": {
        "new": "401 201 201 201 201 403 201 201",
        "own": "401 200 200 200 200 200 200 200",
        "other_department": "401 200 200 404 200 200 404 200",
        "other_hospital": "401 404 404 404 404 404 404 200",
    },
    # Tasks: department heads see their department's; supervisors manage; the department reports
    # the fix; supervisors and inspectors verify; leaders read them all and change none
    "GET /api/v1/tasks": {"-": "401 200 200 200 200 200 403 200"},
    # A problem from outside the walk: supervisors (and admins) enter it; a place outside the
    # caller's hospitals is an unknown place of the body (422), as a push's is
    "POST /api/v1/tasks": {
        "own": "401 201 201 403 403 403 403 201",
        "other_hospital": "401 422 422 403 403 403 403 201",
    },
    "GET /api/v1/tasks/<id:task_id>": {
        "own": "401 200 200 200 200 200 403 200",
        "other_department": "401 200 200 200 404 200 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    # The body decides: naming the assignee is also the department head's (own department);
    # moving to another department is the supervisor's alone
    "PATCH /api/v1/tasks/<id:task_id>": {
        "own": "401 200 200 403 200 403 403 200",
        "other_department": "401 200 200 403 404 403 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    "PATCH /api/v1/tasks/<id:task_id> department_id": {
        "own": "401 200 200 403 403 403 403 200",
        "other_department": "401 200 200 403 404 403 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    "POST /api/v1/tasks/<id:task_id>/evidence": {
        "own": "401 200 200 403 200 403 403 200",
        "other_department": "401 200 200 403 404 403 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    # The person named on the task (责任人) reports their own fix, whatever their role; a leader
    # named on one still changes nothing
    "POST /api/v1/tasks/<id:task_id>/evidence assignee": {
        "own": "401 200 200 200 200 403 403 200",
    },
    "POST /api/v1/tasks/<id:task_id>/verify": {
        "own": "401 200 200 200 403 403 403 200",
        "other_department": "401 200 200 200 404 403 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    "GET /api/v1/tasks/<id:task_id>/events": {
        "own": "401 200 200 200 200 200 403 200",
        "other_department": "401 200 200 200 404 200 403 200",
        "other_hospital": "401 404 404 404 404 404 403 200",
    },
    # Notifications are their addressee's alone
    "GET /api/v1/notifications": {"-": "401 200 200 200 200 200 200 200"},
    "POST /api/v1/notifications/read": {"-": "401 204 204 204 204 204 204 204"},
    "POST /api/v1/notifications/<id:notification_id>/read": {
        "own": "401 204 204 204 204 204 204 204",
        "other_department": "401 404 404 404 404 404 404 404",
        "other_hospital": "401 404 404 404 404 404 404 404",
    },
    # Reports: not for inspectors; another hospital only for a caller of it
    **{
        f"GET /api/v1/reports/{name}": {
            "-": "401 200 200 403 200 200 403 200",
            "other_hospital": "401 403 403 403 403 403 403 200",
        }
        for name in (
            "weekly",
            "weekly.csv",
            "weekly.html",
            "weekly.xlsx",
            "monthly",
            "monthly.html",
        )
    },
}


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """Hospitals A and B with everything a route can be asked about."""

    a: Hospital
    b: Hospital
    places: dict[str, Location]  # own / other_department / other_hospital
    callers: dict[str, User]
    headers: dict[str, dict]
    workers: dict[str, User]  # per target: a user of that department who is no caller
    users: dict[str, User]  # per target: the user a /users request is about
    inspections: dict[tuple[str, str], Any] = field(default_factory=dict)  # (target, caller)
    photos: dict[tuple[str, str], tuple[Any, bytes]] = field(default_factory=dict)
    notifications: dict[tuple[str, str], Any] = field(default_factory=dict)
    tasks: dict[str, Any] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # what no caller outside B may see

    def owner(self, target: str, caller: str) -> str:
        """Return whose row a caller's ``target`` is: their own for "own", else everyone's."""
        return (caller if caller != "anonymous" else "inspector") if target == "own" else "*"

    def hospital_of(self, target: str) -> Hospital:
        return self.b if target == "other_hospital" else self.a


def _only_place(session, hospital: Hospital) -> Location:
    return session.scalars(select(Location).where(Location.hospital_id == hospital.id)).one()


def _build_world(app, session) -> World:
    """Make A and B, the callers and their tokens, and the rows each target names."""
    a = f.hospital(session)
    b = f.hospital(session)
    b.name_zh, b.name_en = f"乙院{MARK}", f"Hospital {MARK}"
    own_place = _only_place(session, a)
    ward = f.department(session, a, code="ward")
    ward_place = f.location(session, a, department=ward)
    b_place = _only_place(session, b)
    b_place.name_zh, b_place.name_en, b_place.code = f"病区{MARK}", f"Ward {MARK}", f"{MARK}-1"
    f.department(session, b, code="b_ward")  # where B's tasks are moved to
    session.refresh(b)
    for department in b.departments:
        department.name_zh, department.name_en = f"科室{MARK}", f"Department {MARK}"
    own = own_place.department_id

    callers = {
        role: f.user(session, a, roles=(role,), username=f"caller_{role}", department_id=own)
        for role in ROLES
    }
    callers["commission"] = f.user(
        session, a, roles=("supervisor",), username="caller_commission", department_id=own
    )
    callers["commission"].hospitals.append(b)
    shared = f.user(session, a, roles=("supervisor",), username="shared_ab")
    shared.hospitals.append(b)
    b_user = f.user(session, b, roles=("inspector",), username=f"{MARK}_inspector")
    b_user.display_name = f"{MARK} 检查员"
    colleague = f.user(session, a, roles=("inspector",), department_id=ward.id)
    storage = app.extensions["photo_storage"]
    w = World(
        a=a,
        b=b,
        places={"own": own_place, "other_department": ward_place, "other_hospital": b_place},
        callers=callers,
        headers={"anonymous": {}},
        workers={
            "own": f.user(session, a, roles=("department_head",), department_id=own),
            "other_department": f.user(
                session, a, roles=("department_head",), department_id=ward.id
            ),
            "other_hospital": b_user,
        },
        users={
            "own": f.user(session, a, roles=("inspector",), department_id=own),
            "other_department": colleague,
            "other_hospital": b_user,
            "two_hospitals": shared,
        },
    )
    recorders = {("own", role): user for role, user in callers.items()}
    recorders[("other_department", "*")] = colleague
    recorders[("other_hospital", "*")] = b_user
    for (target, owner), recorder in recorders.items():
        inspection = f.inspection(session, w.places[target], recorder)
        data = f.jpeg_bytes(color=(len(w.photos) * 20, 80, 160))
        photo = f.photo(session, storage, recorder, data, finding=f.finding(session, inspection))
        w.inspections[(target, owner)] = inspection
        w.photos[(target, owner)] = (photo, data)
    for target in ("own", "other_department", "other_hospital"):
        w.tasks[target] = _task(w, session, target)
    for role, user in callers.items():
        w.notifications[("own", role)] = f.notification(session, user, a, w.tasks["own"])
    w.notifications[("other_department", "*")] = f.notification(
        session, w.workers["other_department"], a, w.tasks["other_department"]
    )
    w.notifications[("other_hospital", "*")] = f.notification(
        session, b_user, b, w.tasks["other_hospital"]
    )
    session.flush()
    w.secrets = [MARK, str(w.photos[("other_hospital", "*")][0].id)]
    b_inspection = w.inspections[("other_hospital", "*")]
    w.secrets += [str(b_inspection.id), *(str(row.id) for row in b_inspection.findings)]
    for role, user in callers.items():
        w.headers[role] = f.auth_headers(session, user)
    session.commit()
    return w


def _task(w: World, session, target: str, **overrides):
    """A task of ``target``'s department, announced to the pull log like a real one."""
    place = w.places[target]
    title = {"title_zh": f"{MARK}问题", "title_en": f"{MARK} problem"}
    task = f.task(
        session,
        w.hospital_of(target),
        location=place,
        **(title if target == "other_hospital" else {}),
        **overrides,
    )
    record_change(session, "task", task.id, task.hospital_id)
    return task


@pytest.fixture(scope="module")
def world_app(database_url, tmp_path_factory):
    """One app and one world for the whole module (the cases only read it, or add to it)."""
    root = tmp_path_factory.mktemp("matrix")
    with running_app(app_settings(database_url, root)) as app:
        checklists = root / "checklists"
        checklists.mkdir()
        shutil.copy(PROJECT_ROOT / "tests" / "data" / "walk.yaml", checklists / "walk.yaml")
        app.config["CHECKLIST_DIR"] = str(checklists)
        load_checklists(db.session, checklists)
        world = _build_world(app, db.session)
        yield app, world


# --- one request per route ----------------------------------------------------------------------


@dataclass
class Call:
    """A request to make: path (with query), and a JSON or raw body with extra headers."""

    path: str
    json: Any = None
    data: bytes | None = None
    headers: dict = field(default_factory=dict)


Builder = Callable[[World, Any, str, str], Call]
BUILDERS: dict[str, Builder] = {}


def builds(*endpoints: str):
    """Register the function that makes the request for ``endpoints``."""

    def register(function: Builder) -> Builder:
        for endpoint in endpoints:
            BUILDERS[endpoint] = function
        return function

    return register


def _plain(path: str) -> Builder:
    return lambda w, session, caller, target: Call(path)


for _endpoint, _path in {
    "GET /": "/",
    "GET /<path:filename>": "/manifest.webmanifest",
    "GET /sw.js": "/sw.js",
    "GET /static/<path:filename>": "/static/app.js",
    "GET /api/openapi.json": "/api/openapi.json",
    "GET /api/v1/ping": "/api/v1/ping",
    "GET /api/v1/me": "/api/v1/me",
    "GET /api/v1/users": "/api/v1/users",
    "GET /api/v1/checklists": "/api/v1/checklists",
    "GET /api/v1/checklists/<string:checklist_id>": "/api/v1/checklists/walk",
    "GET /api/v1/departments": "/api/v1/departments",
    "GET /api/v1/locations": "/api/v1/locations",
    "GET /api/v1/sync/pull": "/api/v1/sync/pull?cursor=0",
    "GET /api/v1/inspections": "/api/v1/inspections",
    "GET /api/v1/records": "/api/v1/records",
    "GET /api/v1/tasks": "/api/v1/tasks",
    "GET /api/v1/notifications": "/api/v1/notifications",
    "POST /api/v1/notifications/read": "/api/v1/notifications/read",
    **{f"{m} /api/<path:rest>": "/api/v1/nothing-here" for m in ("GET", "POST", "PUT", "PATCH")},
    "DELETE /api/<path:rest>": "/api/v1/nothing-here",
}.items():
    BUILDERS[_endpoint] = _plain(_path)


@builds("POST /api/v1/auth/login")
def _login(w, session, caller, target):
    if caller == "anonymous":
        return Call("/api/v1/auth/login", json={"username": "nobody", "password": "wrong-1234"})
    user = w.callers[caller]
    return Call("/api/v1/auth/login", json={"username": user.username, "password": f.PASSWORD})


@builds("POST /api/v1/auth/logout")
def _logout(w, session, caller, target):
    """A token of its own: logging out must not end the caller's session for the other cases."""
    if caller == "anonymous":
        return Call("/api/v1/auth/logout")
    return Call("/api/v1/auth/logout", headers=f.auth_headers(session, w.callers[caller]))


@builds("POST /api/v1/users")
def _create_user(w, session, caller, target):
    hospitals = {"own": [w.a.id], "other_hospital": [w.b.id], "two_hospitals": [w.a.id, w.b.id]}
    body = {
        "username": f"new_{uuid.uuid4().hex[:12]}",
        "display_name": "新用户",
        "password": "ward-round-7",
        "roles": ["inspector"],
        "hospital_ids": hospitals[target],
    }
    return Call("/api/v1/users", json=body)


@builds("GET /api/v1/users/<id:user_id>")
def _user(w, session, caller, target):
    return Call(f"/api/v1/users/{w.users[target].id}")


@builds("PATCH /api/v1/users/<id:user_id>")
def _patch_user(w, session, caller, target):
    return Call(f"/api/v1/users/{w.users[target].id}", json={"display_name": "改过的名字"})


@builds("GET /api/v1/locations/labels.html")
def _labels(w, session, caller, target):
    query = f"?root={w.places[target].id}" if target != "-" else ""
    return Call(f"/api/v1/locations/labels.html{query}")


@builds("POST /api/v1/sync/push")
def _push(w, session, caller, target):
    inspection = f.inspection_payload(w.places["own"].id)
    return Call("/api/v1/sync/push", json=f.push_body([inspection], device_id=f"matrix-{caller}"))


@builds("POST /api/v1/sync/import")
def _import_outbox(w, session, caller, target):
    """An export of the target user holding one new inspection at a place of their hospital."""
    user = w.users[target]
    place = w.places["other_hospital" if target == "other_hospital" else "own"]
    inspection = f.inspection_payload(place.id)
    exported = {
        "format": "wardwalk-unsent/1",
        "exported_at": "2026-11-23T10:00:00Z",
        "device_id": f"matrix-import-{caller}",
        "user": {"id": user.id, "username": user.username},
        "outbox": [{"id": inspection["id"], "kind": "inspection", "body": inspection}],
        "photos": [],
    }
    return Call(f"/api/v1/sync/import?user={user.username}", json=exported)


@builds("GET /api/v1/inspections/<uuid:inspection_id>")
def _inspection(w, session, caller, target):
    return Call(f"/api/v1/inspections/{w.inspections[(target, w.owner(target, caller))].id}")


@builds("GET /api/v1/inspections/<uuid:inspection_id>/report")
def _inspection_report(w, session, caller, target):
    inspection = w.inspections[(target, w.owner(target, caller))]
    return Call(f"/api/v1/inspections/{inspection.id}/report")


@builds("GET /api/v1/photos/<uuid:photo_id>")
def _photo(w, session, caller, target):
    photo, _ = w.photos[(target, w.owner(target, caller))]
    return Call(f"/api/v1/photos/{photo.id}")


@builds("PUT /api/v1/photos/<uuid:photo_id>")
def _put_photo(w, session, caller, target):
    """A replay of the row's own bytes, or (``new``) a photo nobody uploaded yet."""
    if target == "new":
        photo_id, data = uuid.uuid4(), f.jpeg_bytes(color=(1, 2, 3))
    else:
        photo, data = w.photos[(target, w.owner(target, caller))]
        photo_id = photo.id
    headers = {"Content-Type": "image/jpeg", "X-Content-SHA256": f.photo_ref(data)["sha256"]}
    return Call(f"/api/v1/photos/{photo_id}", data=data, headers=headers)


@builds("GET /api/v1/tasks/<id:task_id>")
def _get_task(w, session, caller, target):
    return Call(f"/api/v1/tasks/{w.tasks[target].id}")


@builds("GET /api/v1/tasks/<id:task_id>/events")
def _events(w, session, caller, target):
    return Call(f"/api/v1/tasks/{w.tasks[target].id}/events")


@builds("PATCH /api/v1/tasks/<id:task_id>")
def _patch_task(w, session, caller, target):
    task = _task(w, session, target)
    return Call(f"/api/v1/tasks/{task.id}", json={"assignee_id": None}, headers={"If-Match": '"1"'})


@builds("PATCH /api/v1/tasks/<id:task_id> department_id")
def _move_task(w, session, caller, target):
    """To another department of the task's hospital, with a reason."""
    task = _task(w, session, target)
    elsewhere = next(d.id for d in w.hospital_of(target).departments if d.id != task.department_id)
    body = {"department_id": elsewhere, "reason": "其他科室的问题"}
    return Call(f"/api/v1/tasks/{task.id}", json=body, headers={"If-Match": '"1"'})


@builds("POST /api/v1/tasks/<id:task_id>/evidence")
def _evidence(w, session, caller, target):
    task = _task(w, session, target, status="assigned", assignee_id=w.workers[target].id)
    return Call(f"/api/v1/tasks/{task.id}/evidence", json={"id": f.new_id(), "note": "已整改"})


@builds("POST /api/v1/tasks/<id:task_id>/evidence assignee")
def _own_evidence(w, session, caller, target):
    """On a task of the caller's department that names the caller as its person."""
    named = w.callers.get(caller, w.workers[target])
    task = _task(w, session, target, status="assigned", assignee_id=named.id)
    return Call(f"/api/v1/tasks/{task.id}/evidence", json={"id": f.new_id(), "note": "已整改"})


@builds("POST /api/v1/tasks/<id:task_id>/verify")
def _verify(w, session, caller, target):
    """Evidence sent by the department's worker, so nobody verifies their own."""
    task = _task(w, session, target, status="submitted")
    f.submission(session, task, w.workers[target])
    return Call(f"/api/v1/tasks/{task.id}/verify", json={"id": f.new_id(), "result": "pass"})


@builds("POST /api/v1/tasks")
def _report_external(w, session, caller, target):
    """A city notice about the target's place, under a new id."""
    body = {
        "id": f.new_id(),
        "location_id": w.places[target].id,
        "description": "通报：地面不洁",
        "severity": "minor",
        "source": "external",
        "source_ref": "市创文办通报〔2026〕12号",
    }
    return Call("/api/v1/tasks", json=body)


@builds("POST /api/v1/notifications/<id:notification_id>/read")
def _read(w, session, caller, target):
    notification = w.notifications[(target, w.owner(target, caller))]
    return Call(f"/api/v1/notifications/{notification.id}/read")


def _report(name: str) -> Builder:
    def build(w, session, caller, target):
        query = f"?hospital_id={w.b.id}" if target == "other_hospital" else ""
        return Call(f"/api/v1/reports/{name}{query}")

    return build


for _name in ("weekly", "weekly.csv", "weekly.html", "weekly.xlsx", "monthly", "monthly.html"):
    BUILDERS[f"GET /api/v1/reports/{_name}"] = _report(_name)


# --- the tests -----------------------------------------------------------------------------------


def _endpoints_of(app) -> set[str]:
    """Every ``METHOD rule`` the app answers (HEAD and OPTIONS are Flask's, derived from GET)."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _route(endpoint: str) -> str:
    """``METHOD rule`` of a row of ``EXPECTED``, without the word naming a body."""
    return " ".join(endpoint.split()[:2])


def test_every_route_is_in_the_table(world_app):
    app, _ = world_app
    routes = {_route(endpoint) for endpoint in EXPECTED}
    assert sorted(_endpoints_of(app) - routes) == [], "add the new route to EXPECTED"
    assert sorted(routes - _endpoints_of(app)) == [], "the app has no such route"
    assert set(BUILDERS) == set(EXPECTED)


def test_every_role_has_a_column():
    assert set(CALLERS) == {"anonymous", "commission", *ROLES}
    for targets in EXPECTED.values():
        assert set(targets) <= set(TARGETS)
        assert all(len(row.split()) == len(CALLERS) for row in targets.values())


CASES = [
    pytest.param(endpoint, target, caller, int(row.split()[i]), id=f"{endpoint}|{target}|{caller}")
    for endpoint, targets in EXPECTED.items()
    for target, row in targets.items()
    for i, caller in enumerate(CALLERS)
]


@pytest.mark.parametrize(("endpoint", "target", "caller", "status"), CASES)
def test_every_caller_gets_the_answer_of_the_table(world_app, endpoint, target, caller, status):
    app, w = world_app
    session = db.session
    method = endpoint.split()[0]
    call = BUILDERS[endpoint](w, session, caller, target)
    session.commit()
    with app.test_client().open(
        call.path,
        method=method,
        json=call.json,
        data=call.data,
        headers={**w.headers[caller], **call.headers},
    ) as response:
        textual = response.mimetype.startswith(("text/", "application/json"))
        body = response.get_data(as_text=textual)
    session.rollback()
    assert response.status_code == status, str(body)[:500]
    if caller != "commission" and textual:
        assert [secret for secret in w.secrets if secret in body.lower()] == [], "B leaked"


@pytest.mark.parametrize(
    ("endpoint", "caller"),
    [
        ("POST /api/v1/users", "inspector"),
        ("POST /api/v1/sync/import", "inspector"),
        ("PATCH /api/v1/tasks/<id:task_id>", "inspector"),
        ("PATCH /api/v1/tasks/<id:task_id> department_id", "department_head"),
        ("PATCH /api/v1/tasks/<id:task_id>", "leader"),
    ],
)
def test_a_body_is_checked_before_the_role(world_app, endpoint, caller):
    """The order the views follow: an invalid body is 422 even for a caller who may not act."""
    app, w = world_app
    call = BUILDERS[endpoint](w, db.session, caller, "own")
    db.session.commit()
    method, headers = endpoint.split()[0], {**w.headers[caller], **call.headers}
    response = app.test_client().open(call.path, method=method, json={}, headers=headers)
    db.session.rollback()
    assert response.status_code == 422
